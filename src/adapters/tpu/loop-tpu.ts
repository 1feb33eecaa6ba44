import { UsageError } from '../../errors.js';
import { managedTpuDirective, postCheckTpuWarnings } from '../../core/tpu-directive.js';
import type { Config } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import type { IterationMemory } from '../../ports/bench.js';
import type { TpuHold, TpuNode } from '../../ports/tpu.js';
import { createTpuHold } from './tpu-hold-factory.js';
import type { TpuHoldDeps } from './tpu-hold.js';
import { join } from 'node:path';
import { gdnctlBinDir } from '../../package-root.js';

/**
 * A hold that reports each node it starts holding (first acquire, re-acquire after a loss), so the loop can warn
 * about post-checks that name another TPU and log where the TPU is now.
 */
class ReportingTpuHold implements TpuHold {
  constructor(
    private readonly inner: TpuHold,
    private readonly onHeld: (node: TpuNode) => void,
  ) {}

  current(): TpuNode | undefined {
    return this.inner.current();
  }

  async acquire(signal?: AbortSignal): Promise<TpuNode | undefined> {
    const node = await this.inner.acquire(signal);
    if (node) this.onHeld(node);
    return node;
  }

  async ensureAlive(signal?: AbortSignal): Promise<{ node: TpuNode | undefined; reacquired: boolean }> {
    const r = await this.inner.ensureAlive(signal);
    if (r.reacquired && r.node) this.onHeld(r.node);
    return r;
  }

  release(opts?: { hurry?: boolean }): Promise<void> {
    return this.inner.release(opts);
  }

  leaseFile(): string | undefined {
    return this.inner.leaseFile();
  }
}

/**
 * The "managed dev TPU" directive goes in front of the memory's generated directives, rebuilt every iteration
 * from the node held now (so a fallback or re-acquire shows up in the next prompt).
 */
export function withTpuDirective(inner: IterationMemory | undefined, hold: TpuHold): IterationMemory {
  return {
    placeholders: (i) => (inner ? inner.placeholders(i) : Promise.resolve({})),
    directives: async (i) => {
      const rest = inner ? await inner.directives(i) : [];
      const node = hold.current();
      return node ? [managedTpuDirective(node, join(gdnctlBinDir(), 'gdnctl')), ...rest] : rest;
    },
    record: (i, r) => (inner ? inner.record(i, r) : Promise.resolve()),
    // What record() held back is written when the loop flushes; a wrapper that dropped this lost the files.
    flush: (scope) => inner?.flush?.(scope) ?? Promise.resolve(),
  };
}

export interface LoopTpuContext {
  values: Config;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** Ledger event sink (events.jsonl): tpu-acquired, tpu-lost, tpu-reacquired, tpu-released, … */
  onEvent?: TpuHoldDeps['onEvent'];
  /** Runs devTpuSetup on the workers (the remote adapter); without it the setup is skipped with a warning. */
  runSetup?: TpuHoldDeps['runSetup'];
}

/**
 * `--hold-dev-tpu` for codex-loop. The values are already resilient-mapped by the loop (required →
 * best-effort). Without --dev-tpu-name: exit 2, or under --resilient warn and run without a hold (as the anchor).
 */
export function loopTpuExtras(ctx: LoopTpuContext, memory?: IterationMemory): { tpu?: TpuHold; memory?: IterationMemory } {
  const v = ctx.values;
  if (!v.holdDevTpu) return memory ? { memory } : {};
  if (!v.devTpuName) {
    if ((v as unknown as { resilient?: boolean }).resilient) {
      ctx.log.warn('--hold-dev-tpu without --dev-tpu-name: running without a held TPU (--resilient)');
      return memory ? { memory } : {};
    }
    throw new UsageError('--hold-dev-tpu needs --dev-tpu-name, e.g. --dev-tpu-name "$USER-gdn"');
  }
  const postChecks = ((v as unknown as { postCheck?: string[] }).postCheck ?? []).filter(Boolean);
  const hold = new ReportingTpuHold(
    createTpuHold(v, { log: ctx.log, env: ctx.env, onEvent: ctx.onEvent, runSetup: ctx.runSetup }),
    (node) => {
      ctx.log.info(`holding TPU ${node.name} in ${node.cluster} (${node.zone}); ${node.workers.length} worker(s)`);
      for (const w of postCheckTpuWarnings(postChecks, node)) ctx.log.warn(w);
    },
  );
  return { tpu: hold, memory: withTpuDirective(memory, hold) };
}

/**
 * The loop's preflight: every --hold-dev-tpu problem (no node name, unknown cluster, no project, no ssh key) as
 * lines for one UsageError, found before the run folder, the lock or the exclude line are written. Builds the
 * hold the way loopTpuExtras will (a pure constructor; no API call) and drops it.
 */
export function loopTpuUsageProblems(values: Config, env: NodeJS.ProcessEnv, log: Logger): string[] {
  if (!values.holdDevTpu) return [];
  if (!values.devTpuName) {
    return (values as unknown as { resilient?: boolean }).resilient ? [] : ['--hold-dev-tpu needs --dev-tpu-name, e.g. --dev-tpu-name "$USER-gdn"'];
  }
  try {
    createTpuHold(values, { log, env });
    return [];
  } catch (e) {
    if (e instanceof UsageError) return e.lines;
    throw e;
  }
}
