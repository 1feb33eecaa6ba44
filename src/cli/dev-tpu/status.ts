import { tpuLogDir, providerFactory } from '../../adapters/tpu/tpu-hold-factory.js';
import { listLeases, ownerLiveness, refOfLease, type LeaseRecord } from '../../adapters/tpu/tpu-lease.js';
import { resolveTarget } from '../../adapters/tpu/tpu-target.js';
import type { TpuNodeRef } from '../../ports/tpu.js';
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
  error?: string;
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
      if (r.error) ctx.stdout.write(`  error: ${r.error}\n`);
      if (r.deleteOperation) ctx.stdout.write(`  delete sent: ${r.deleteOperation}\n`);
    }
  }
  return rows.some((r) => r.error) ? ExitCode.resourceUnavailable : ExitCode.ok;
}
