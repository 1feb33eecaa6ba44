import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Clock } from '../ports/clock.js';
import type { Ledger } from '../ports/ledger.js';
import type { TextFiles } from '../core/loop/engine.js';
import type { RunExtras } from '../core/run/run-session.js';
import { fields } from '../config/fields.js';
import type { Config } from '../config/schema.js';
import { packageRoot } from '../package-root.js';
import { sleepMs } from '../adapters/process/long-timer.js';
import { isSecretName, runRedactor, type Redactor } from '../redact.js';
import type { LoopExtrasContext } from './measure/measure-extras.js';

export type { LoopExtrasContext };

/** The optional seams of the loop: a held TPU, a measurer and the iteration memory. */
export type LoopExtras = RunExtras;

/** Sleeps of any length: a 35-day --sleep-seconds waits 35 days (Node's own timers stop at 24.8). */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleepMs(ms, signal),
};

/** Synchronous: small files (the hill-climb log) read and written between two agents (issue 14). */
export const textFiles: TextFiles = {
  read: async (p) => {
    try {
      return readFileSync(p, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  },
  write: async (p, c) => {
    // A revert can remove the log's folder when the agent created both; git drops empty directories.
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, c);
  },
};

export async function packageVersion(): Promise<string> {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * The run's one redactor: the environment's secrets and every secret-named setting, since a token given as a
 * flag or in gdnctl.yaml (--tpu-access-token) is not in the environment.
 */
export function loopRedactor(values: Config, env: NodeJS.ProcessEnv): Redactor {
  const given = fields()
    .filter((f) => isSecretName(f.env))
    .map((f) => (values as unknown as Record<string, unknown>)[f.key]);
  return runRedactor(env, given.filter((v): v is string => typeof v === 'string'));
}

let measureExtras: Promise<typeof import('./measure/measure-extras.js')> | undefined;

/**
 * The measurement and memory seams' module, loaded once. The loop asks for it at its start, so its files load
 * while the preflight waits for git, not after the run directory is made (issue 14).
 */
export function preloadLoopExtras(): Promise<typeof import('./measure/measure-extras.js')> {
  measureExtras ??= import('./measure/measure-extras.js');
  measureExtras.catch(() => (measureExtras = undefined));
  return measureExtras;
}

/**
 * Build each seam only when its config asks for it (e.g. --hold-dev-tpu, --bench-cmd). The TPU hold records its
 * events in the run's own ledger (one Ledger per run directory). Heavy modules (the TPU client) are imported
 * dynamically inside the branch that needs them.
 */
export async function buildLoopExtras(ctx: LoopExtrasContext, ledger: Ledger): Promise<LoopExtras> {
  const { buildMeasureExtras } = await preloadLoopExtras();
  // Measurement and memory first: the TPU wraps the memory to add its session directive.
  // The measurer reaches the TPU through the hold built below (read when it measures, after the acquire).
  const extras: LoopExtras = { ...(await buildMeasureExtras({ ...ctx, tpu: () => extras.tpu })) };
  if (ctx.values.holdDevTpu) {
    const [{ loopTpuExtras }, { setupRunnerFor }] = await Promise.all([import('../adapters/tpu/loop-tpu.js'), import('../adapters/tpu/tpu-hold-factory.js')]);
    const runSetup = await setupRunnerFor(ctx.values, ctx.env, ctx.workdir, ctx.log);
    Object.assign(
      extras,
      loopTpuExtras({ values: ctx.values, env: ctx.env, log: ctx.log, runSetup, onEvent: (type, data) => ledger.event(type, data) }, extras.memory),
    );
  }
  return extras;
}
