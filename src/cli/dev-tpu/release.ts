import { isOurs } from '../../adapters/tpu/tpu-hold.js';
import { heartbeatMsOf, ownerLabel, providerFactory, sshUserOf, tpuLogDir } from '../../adapters/tpu/tpu-hold-factory.js';
import { judgeNode, refusal } from '../../adapters/tpu/tpu-holder.js';
import { listLeases, ownerLiveness, refOfLease, removeLease, type LeaseRecord } from '../../adapters/tpu/tpu-lease.js';
import { resolveTarget } from '../../adapters/tpu/tpu-target.js';
import type { TpuNode, TpuNodeRef, TpuProvider } from '../../ports/tpu.js';
import type { CommandContext } from '../command-spec.js';
import { ExitCode } from '../exit-codes.js';
import { ResourceError, UsageError } from '../../errors.js';

type Target = { ref: TpuNodeRef; lease?: LeaseRecord };
type Read = { node: TpuNode | undefined } | { error: Error };

/**
 * Delete TPUs by lease (every lease whose owner is gone, or kept), or one node by name and cluster.
 * A lease whose owner is alive is left alone: stop that process instead, it releases on its own. So is a node
 * whose holder labels name a live holder in another checkout or on another host (docs/tpu.md "Who holds a node").
 */
export async function runDevTpuRelease(ctx: CommandContext): Promise<number> {
  const v = ctx.config.values;
  const named = v.tpuName ?? v.devTpuName;
  let targets: Target[];
  if (named) {
    const t = resolveTarget(v, ctx.env);
    for (const n of t.notes) ctx.log.warn(n);
    targets = [t.lease ? { ref: t.ref, lease: t.lease } : { ref: t.ref }];
  } else {
    targets = listLeases(tpuLogDir(v)).map((lease) => ({ ref: refOfLease(lease), lease }));
    if (targets.length === 0) {
      ctx.stdout.write(`no TPU leases in ${tpuLogDir(v)}; pass --tpu-name and --cluster to delete a node by name\n`);
      return ExitCode.ok;
    }
  }
  for (const t of targets) {
    if (t.lease && ownerLiveness(t.lease) !== 'dead' && t.lease.ownerPid !== process.pid) {
      throw new UsageError(
        `TPU ${t.ref.name} is held by live pid ${t.lease.ownerPid} on ${t.lease.ownerHost}; stop that process (Ctrl-C) and it releases the TPU`,
      );
    }
  }
  const provider = await providerFactory(v, ctx.log)();
  const owner = ownerLabel(sshUserOf(v, ctx.env));
  let failed = 0;
  try {
    const reads = await readAll(provider, targets);
    refuseHeldElsewhere(targets, reads, v.takeOver, heartbeatMsOf(v));
    for (const [i, { ref, lease }] of targets.entries()) {
      try {
        const read = reads[i]!;
        if ('error' in read) throw read.error;
        const { node } = read;
        if (node && !lease && !isOurs(node, owner)) {
          throw new UsageError(`node ${ref.name} in ${ref.zone} is not gdnctl's for ${owner} (labels ${JSON.stringify(node.labels)}); delete it with gcloud if you mean to`);
        }
        if (node?.state === 'DELETING') {
          await provider.waitDeleted(ref, lease?.deleteOperation);
          ctx.stdout.write(`deleted ${ref.name} in ${ref.zone} (delete was already under way)\n`);
        } else if (node) {
          await provider.deleteNode(ref, { wait: true, queued: Boolean(lease?.queued) });
          ctx.stdout.write(`deleted ${ref.name} in ${ref.zone}\n`);
        } else if (lease?.deleteOperation) {
          ctx.stdout.write(`${ref.name} in ${ref.zone} is already gone (delete ${lease.deleteOperation} finished)\n`);
        } else {
          ctx.stdout.write(`${ref.name} in ${ref.zone} does not exist\n`);
        }
        if (lease) removeLease(lease.file);
      } catch (e) {
        if (e instanceof UsageError) throw e;
        failed += 1;
        ctx.log.error(`could not delete ${ref.name} in ${ref.zone}: ${(e as Error).message}; the lease stays for a retry`);
      }
    }
  } finally {
    await provider.close();
  }
  return failed > 0 ? ExitCode.resourceUnavailable : ExitCode.ok;
}

/** Every node read before any is deleted, so a refusal leaves all of them as they were. */
async function readAll(provider: TpuProvider, targets: Target[]): Promise<Read[]> {
  const out: Read[] = [];
  for (const { ref } of targets) {
    try {
      out.push({ node: await provider.getNode(ref) });
    } catch (e) {
      out.push({ error: e as Error });
    }
  }
  return out;
}

/** Exit 4 naming the holder when a node is held alive elsewhere, or by a stale holder without --take-over. */
function refuseHeldElsewhere(targets: Target[], reads: Read[], takeOver: boolean, beatEveryMs: number): void {
  for (const [i, read] of reads.entries()) {
    if ('error' in read || !read.node || read.node.state === 'DELETING') continue;
    const line = refusal(read.node, judgeNode(read.node, beatEveryMs), {
      takeOver,
      beatEveryMs,
      takeOverMeans: 'delete it anyway',
      fix: 'stop that process (Ctrl-C) and it releases the TPU',
    });
    if (line) throw new ResourceError(`${line}; nothing was deleted${targets.length > 1 ? ` (of ${targets.length} nodes)` : ''}`);
  }
}
