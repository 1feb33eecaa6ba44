/**
 * `--parallel K --bench-on tpu`: every candidate measures on its own held node, the run's baseline on node 1, the
 * finalists' ranking on node 1 too (one chip for all of them, so their numbers compare):
 *
 *   node k:  <remote-root>/c<k>/{champion,candidate}     candidate k against the champion (and, for k = 1, the baseline)
 *   node 1:  <remote-root>/finalists/c<k>/candidate      finalist k's tree, synced for the ranking round
 *
 * Each node's trees live under their own folder, so nodes that share a file system (or one --worker-host listed
 * twice) never sync over each other's trees.
 */
import { basename } from 'node:path';
import type { Config } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import type { Redactor } from '../../redact.js';
import type { BenchRunner } from '../../ports/bench.js';
import type { TpuHold, TpuNode } from '../../ports/tpu.js';
import { SimpleGitRepo } from '../../adapters/git/simple-git-repo.js';
import { createMeasurer, type BenchMeasurer } from '../measure/bench-measurer.js';
import { tpuBench, type TpuBench } from '../measure/bench-site.js';
import { mfuMetricSpec } from '../measure/mfu-context.js';

export interface NodeBenchContext {
  values: Config;
  /** The operator's repository: its folder name is the remote root's default, as dev-tpu-test uses. */
  repoRoot: string;
  env: NodeJS.ProcessEnv;
  settingsEnv: Record<string, string>;
  log: Logger;
  redact: Redactor;
  logDir: string;
  /** Slot k's hold, once acquired. */
  hold: (slot: number) => TpuHold | undefined;
}

/** Where slot k's trees (or the finalists') live on their node. */
export function slotRemoteRoot(v: Pick<Config, 'remoteDir'>, repoRoot: string, where: number | 'finalists'): string {
  const root = (v.remoteDir ?? `~/${basename(repoRoot)}`).replace(/\/+$/, '');
  return `${root}/${where === 'finalists' ? 'finalists' : `c${where}`}`;
}

/** A measurer on slot k's node, the candidate tree synced from `treeDir` (its worktree, or the operator's tree). */
export function nodeMeasurer(x: NodeBenchContext, slot: number, treeDir: string, alpha: number): BenchMeasurer {
  const v = x.values;
  return createMeasurer({ ...v, alpha, logDir: x.logDir }, {
    repoRoot: treeDir, env: x.env, settingsEnv: x.settingsEnv, redact: x.redact, onLine: (l) => x.log.info(`[c${slot}] ${l}`),
    tpu: { values: { ...v, remoteDir: slotRemoteRoot(v, x.repoRoot, slot) }, log: x.log, hold: () => x.hold(slot) },
  });
}

/** The finalists' benchmark: each finalist's worktree synced to node 1 once, then run there. */
export function finalistTpuBench(x: NodeBenchContext): BenchRunner & { idle(): Promise<void> } {
  const v = x.values;
  const metric = { metric: v.metric, metricPattern: v.metricPattern, ...mfuMetricSpec(v) };
  const metricOn = (type: string | undefined) => ({ ...metric, ...mfuMetricSpec(type ? { ...v, devTpuType: type } : v) });
  const trees = new Map<string, TpuBench>();
  const root = slotRemoteRoot(v, x.repoRoot, 'finalists');
  const benchFor = (dir: string): TpuBench => {
    let t = trees.get(dir);
    if (!t) {
      const values = { ...v, remoteDir: `${root}/${basename(dir)}` };
      t = tpuBench({ values, env: { ...x.env, ...x.settingsEnv }, log: x.log, repoRoot: dir, hold: () => x.hold(1), redact: x.redact }, { command: v.bench ?? '', metric: metricOn, timeoutMs: v.benchTimeoutSeconds * 1000 });
      trees.set(dir, t);
    }
    return t;
  };
  return {
    async run(dir, signal) {
      const t = benchFor(dir);
      const head = await new SimpleGitRepo(dir, { env: x.env }).head();
      const remote = await t.site.candidateTree(head, signal);
      return t.bench.run(remote, signal);
    },
    async idle() {
      await Promise.all([...trees.values()].map((t) => t.site.idle?.()));
    },
  };
}

/**
 * Nodes of another type than node 1 (a fallback cluster gave one): each such candidate's baseline and champion
 * are measured again on its own node, by the rule a re-acquired node of another type follows. One line per node.
 */
export function nodeTypeNotes(nodes: ReadonlyArray<{ slot: number; node: TpuNode | undefined }>): string[] {
  const first = nodes.find((n) => n.slot === 1)?.node;
  if (!first) return [];
  return nodes.flatMap(({ slot, node }) =>
    node && node.acceleratorType !== first.acceleratorType
      ? [`node ${node.name} (candidate ${slot}) is a ${node.acceleratorType}, node 1 (${first.name}) a ${first.acceleratorType}: candidate ${slot}'s baseline and champion are measured again on its own node, so its decisions compare like with like`]
      : []);
}
