import type { CommandContext } from '../command-spec.js';
import { ResourceError } from '../exit-codes.js';
import type { NodeLookup } from './target.js';

/** Cluster name or bare zone → project and zone. Provisional until the TPU domain's clusters: config lands. */
export function resolveClusterFor(ctx: CommandContext, cluster: string): { project: string; zone: string } | undefined {
  const project = ctx.env.GOOGLE_CLOUD_PROJECT;
  if (!project) return undefined;
  return /^[a-z]+-[a-z]+\d+-[a-z]$/.test(cluster) ? { project, zone: cluster } : undefined;
}

/** The TPU API lookup. Provisional until the TPU domain's GcpTpuProvider lands. */
export async function makeNodeLookup(_ctx: CommandContext): Promise<NodeLookup> {
  throw new ResourceError('the TPU API client is not available in this build; pass --worker-host or --accelerator local');
}
