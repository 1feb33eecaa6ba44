import { describeHolder, readHolder } from '../../adapters/tpu/holder-labels.js';
import { heartbeatMsOf, tpuLogDir, providerFactory } from '../../adapters/tpu/tpu-hold-factory.js';
import { judgeNode } from '../../adapters/tpu/tpu-holder.js';
import { listLeases, ownerLiveness, refOfLease, type LeaseRecord } from '../../adapters/tpu/tpu-lease.js';
import { resolveTarget } from '../../adapters/tpu/tpu-target.js';
import type { TpuNode, TpuNodeRef } from '../../ports/tpu.js';
import type { CommandContext } from '../command-spec.js';
import { ExitCode } from '../exit-codes.js';

interface StatusRow {
  node: string;
  project: string;
  zone: string;
  cluster: string;
  state: string;
  acceleratorType?: string;
  workers: Array<{ index: number; host: string }>;
  lease?: string;
  phase?: string;
  ownerPid?: number;
  ownerHost?: string;
  ownerAlive?: boolean;
  operation?: string;
  deleteOperation?: string;
  kept?: boolean;
  /** Who the node's labels name as its holder (docs/tpu.md "Who holds a node"), and what that holder is now. */
  holder?: { host: string; checkout: string; pid: number; since?: string; heartbeat?: string; state: 'alive' | 'stale' | 'dead' | 'self' };
  error?: string;
}

function holderRow(node: TpuNode, beatEveryMs: number): StatusRow['holder'] {
  const h = readHolder(node.labels);
  const verdict = judgeNode(node, beatEveryMs);
  if (!h || verdict.kind === 'none') return undefined;
  return {
    host: h.host,
    checkout: h.checkout,
    pid: h.pid,
    ...(h.sinceMs !== undefined ? { since: new Date(h.sinceMs).toISOString() } : {}),
    ...(h.heartbeatMs !== undefined ? { heartbeat: new Date(h.heartbeatMs).toISOString() } : {}),
    state: verdict.kind,
  };
}

/** Leases found without a run, each with the node's live state from the API. */
export async function runDevTpuStatus(ctx: CommandContext): Promise<number> {
  const v = ctx.config.values;
  const named = v.tpuName ?? v.devTpuName;
  const targets: Array<{ ref: TpuNodeRef; lease?: LeaseRecord }> = named
    ? [resolveTarget(v, ctx.env)]
    : listLeases(tpuLogDir(v)).map((lease) => ({ ref: refOfLease(lease), lease }));
  if (targets.length === 0) {
    if (v.json) ctx.stdout.write('[]\n');
    else ctx.stdout.write(`no TPU leases in ${tpuLogDir(v)}\n`);
    return ExitCode.ok;
  }
  const provider = await providerFactory(v, ctx.log)();
  const rows: StatusRow[] = [];
  try {
    for (const { ref, lease } of targets) {
      const row: StatusRow = { node: ref.name, project: ref.project, zone: ref.zone, cluster: ref.cluster, state: 'UNKNOWN', workers: [] };
      try {
        const node = await provider.getNode(ref);
        row.state = node?.state ?? 'MISSING';
        row.workers = node?.workers ?? [];
        if (node?.acceleratorType) row.acceleratorType = node.acceleratorType;
        const holder = node && holderRow(node, heartbeatMsOf(v));
        if (holder) row.holder = holder;
      } catch (e) {
        row.error = (e as Error).message;
      }
      if (lease) {
        Object.assign(row, {
          lease: lease.file,
          phase: lease.phase,
          ownerPid: lease.ownerPid,
          ownerHost: lease.ownerHost,
          ownerAlive: ownerLiveness(lease) !== 'dead',
          ...(lease.operation ? { operation: lease.operation } : {}),
          ...(lease.deleteOperation ? { deleteOperation: lease.deleteOperation } : {}),
          ...(lease.kept ? { kept: true } : {}),
        });
      }
      rows.push(row);
    }
  } finally {
    await provider.close();
  }
  if (v.json) {
    ctx.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  } else {
    for (const r of rows) {
      const owner = r.ownerPid === undefined ? 'no lease' : `owner pid ${r.ownerPid}@${r.ownerHost} (${r.ownerAlive ? 'alive' : 'dead'})`;
      ctx.stdout.write(`${r.node}  ${r.state}  cluster ${r.cluster}  zone ${r.zone}  project ${r.project}  ${owner}\n`);
      for (const w of r.workers) ctx.stdout.write(`  w${w.index}  ${w.host}\n`);
      if (r.holder) ctx.stdout.write(`  holder ${holderText(r.holder)}\n`);
      if (r.error) ctx.stdout.write(`  error: ${r.error}\n`);
      if (r.deleteOperation) ctx.stdout.write(`  delete sent: ${r.deleteOperation}\n`);
    }
  }
  return rows.some((r) => r.error) ? ExitCode.resourceUnavailable : ExitCode.ok;
}

function holderText(h: NonNullable<StatusRow['holder']>): string {
  const since = h.since === undefined ? undefined : Date.parse(h.since);
  const base = describeHolder({ host: h.host, checkout: h.checkout, pid: h.pid, sinceMs: since });
  return `${base}, heartbeat ${h.heartbeat ?? 'none'}: ${h.state}`;
}
