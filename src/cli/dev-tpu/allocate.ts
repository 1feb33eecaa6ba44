import { createTpuHold, setupRunnerFor } from '../../adapters/tpu/tpu-hold-factory.js';
import type { TpuNode } from '../../ports/tpu.js';
import type { CommandContext } from '../command-spec.js';
import { ExitCode } from '../exit-codes.js';
import { sleepMs } from '../../adapters/process/long-timer.js';

export function describeNode(node: TpuNode): string {
  const hosts = node.workers.map((w) => w.host).join(', ') || 'none';
  return `TPU ${node.name} READY: cluster ${node.cluster}, zone ${node.zone}, project ${node.project}, ${node.workers.length} worker(s): ${hosts}`;
}

/** One machine-readable line per (re)acquire, so scripts need not parse English (anchor weakness 18). */
function readyLine(node: TpuNode): string {
  const { project, zone, cluster, name, acceleratorType, workers } = node;
  return `GDNCTL_TPU ${JSON.stringify({ project, zone, cluster, name, acceleratorType, workers })}\n`;
}

/**
 * Hold a dev TPU until a signal. The release runs in `finally`, so it happens on Ctrl-C, SIGTERM, SIGHUP (main.ts
 * routes all three to ctx.interrupt), an exception, or a failed re-acquire. A second signal sends the delete
 * without waiting; the operation name stays in the lease for dev-tpu-release.
 */
export async function runDevTpuAllocate(ctx: CommandContext): Promise<number> {
  const v = ctx.config.values;
  const { interrupt } = ctx;
  const runSetup = await setupRunnerFor(v, ctx.env, ctx.config.repoRoot, ctx.log);
  const hold = createTpuHold(v, { log: ctx.log, env: ctx.env, policy: 'required', runSetup });
  const offHurry = interrupt.onHurry(() => void hold.release({ hurry: true }));
  try {
    const node = await hold.acquire(interrupt.signal);
    if (!node) return ExitCode.resourceUnavailable;
    ctx.stdout.write(`${describeNode(node)}\n${readyLine(node)}`);
    ctx.stdout.write(`holding; press Ctrl-C to release${v.keepDevTpu ? ' (--keep-dev-tpu: the node is kept)' : ''}\n`);
    while (!interrupt.signal.aborted) {
      await sleepMs(v.devTpuCheckInterval * 1000, interrupt.signal).catch(() => undefined);
      if (interrupt.signal.aborted) break;
      const alive = await hold.ensureAlive(interrupt.signal);
      if (alive.reacquired && alive.node) ctx.stdout.write(`re-acquired after loss: ${describeNode(alive.node)}\n${readyLine(alive.node)}`);
      if (!alive.node) return ExitCode.resourceUnavailable;
    }
    return ExitCode.interrupted;
  } catch (e) {
    if (interrupt.signal.aborted) return ExitCode.interrupted;
    throw e;
  } finally {
    await hold.release({ hurry: interrupt.isHurried });
    offHurry();
    if (interrupt.signal.aborted && !v.keepDevTpu) ctx.stdout.write('released\n');
  }
}
