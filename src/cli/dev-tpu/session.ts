import { basename } from 'node:path';
import { LocalRemote } from '../../adapters/remote/local-remote.js';
import { sshRemoteFor } from '../../adapters/remote/setup-runner.js';
import { shPath, shQuote } from '../../core/shell-quote.js';
import { parseEnvPairs } from '../../core/env-pairs.js';
import type { Remote } from '../../ports/remote.js';
import type { TpuProvider, TpuWorker } from '../../ports/tpu.js';
import { createRedactor, type Redactor } from '../../redact.js';
import type { CommandContext } from '../command-spec.js';
import { resolveRunTarget, type RunTarget } from './target.js';
import { providerFactory } from '../../adapters/tpu/tpu-hold-factory.js';

export interface Session {
  remote: Remote;
  target: RunTarget;
  /** Directory the command starts in on every worker (a shell word, `~` expanded remotely). */
  workDirShell: string;
  remoteDir: string;
  redact: Redactor;
  /** Print one worker line as "[wN] line" (stderr under --json, so stdout stays one JSON document). */
  printLine: (worker: number, line: string) => void;
  close(): Promise<void>;
}

/** Forwarded env: fixed defaults < named local variables that are set < explicit KEY=VALUE pairs. */
export function buildForwardEnv(
  ctx: CommandContext,
  defaults: Record<string, string>,
  pairs: Record<string, string>,
): { env: Record<string, string>; redact: Redactor } {
  const env: Record<string, string> = { ...defaults };
  const secretish: Record<string, string> = {};
  for (const name of ctx.config.values.forwardEnv) {
    const value = ctx.env[name];
    if (value === undefined) continue;
    env[name] = value;
    // Every forwarded local variable is treated as a secret, whatever its name: the user chose to ship it.
    secretish[`${name}_SECRET`] = value;
  }
  Object.assign(env, pairs);
  return { env, redact: createRedactor({ ...ctx.env, ...pairs, ...secretish }) };
}

export function parseUserEnv(ctx: CommandContext): Record<string, string> {
  return parseEnvPairs(ctx.config.values.env, '-e/--env');
}

export async function openSession(ctx: CommandContext, redact: Redactor, json: boolean, provider?: () => Promise<TpuProvider>): Promise<Session> {
  const v = ctx.config.values;
  const out = json ? ctx.stderr : ctx.stdout;
  const local = v.accelerator === 'local';
  const printLine = (worker: number, line: string): void => {
    out.write(`${local ? '[local]' : `[w${worker}]`} ${line}\n`);
  };
  if (local) {
    const target: RunTarget = { source: 'local', workers: [{ index: 0, host: 'localhost' }] };
    return {
      remote: new LocalRemote({ redact, baseEnv: ctx.env }),
      target,
      workDirShell: shQuote(ctx.config.repoRoot),
      remoteDir: ctx.config.repoRoot,
      redact,
      printLine,
      close: async () => {},
    };
  }
  const factory = provider ?? providerFactory(v, ctx.log);
  let made: Promise<TpuProvider> | undefined;
  let target: RunTarget;
  try {
    // A TPU API call cannot be cancelled; race it with the interrupt so Ctrl-C or SIGTERM ends the command.
    target = await untilAborted(resolveRunTarget(v, ctx.env, () => (made ??= factory())), ctx.interrupt.signal);
  } finally {
    // The API client is needed only to find the workers; close ours so its sockets do not hold the process.
    if (made && !provider) await (await made.catch(() => undefined))?.close();
  }
  for (const note of target.notes ?? []) ctx.log.warn(note);
  const remote = sshRemoteFor(v, ctx.env, ctx.log, redact);
  const remoteDir = v.remoteDir ?? `~/${basename(ctx.config.repoRoot)}`;
  return { remote, target, workDirShell: shPath(remoteDir), remoteDir, redact, printLine, close: () => remote.close() };
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export function describeWorkers(workers: TpuWorker[]): string {
  return workers.map((w) => `w${w.index}=${w.host}`).join(' ');
}
