/**
 * What a new run of an experiment takes over from the run it continues (docs/codex-loop.md "Experiments and
 * runs"):
 *
 *   start ─▶ state: numbering, the finished iterations' rows and tokens, --bootstrap-infra's iteration 0
 *         ─▶ memory: ledger.json (rows naming their run), leaderboard.md, the --experiments-dir memo
 *   before the baseline ─▶ no measurer: the champion SHA
 *                       ─▶ a measurer: baseline/ and champion.json (with the SHA) only when the environment
 *                          matches the one the baseline was measured in; otherwise a new baseline is the champion
 *
 * Budgets (failure counts), stashes and the stop reason belong to the run and start afresh.
 */
import { sha256Hex } from '../text/sha256.js';
import type { EnvSnapshotter, Measurer } from '../../ports/bench.js';
import type { RunLedger, RunStore } from '../../ports/ledger.js';
import type { LoopConsole } from '../loop/deps.js';
import type { RunState } from '../loop/run-state.js';
import { carriedLedger, MEMORY_CARRY } from '../measure/iteration-memory.js';

export interface Carried {
  runId: string;
  state: RunState;
}

/** The fields of state.json that carry over. */
export function carriedState(prev: RunState): Partial<RunState> {
  return {
    completed: prev.completed,
    tokens: prev.tokens,
    ...(prev.bootstrap ? { bootstrap: prev.bootstrap } : {}),
    ...(prev.bootstrapProtect ? { bootstrapProtect: prev.bootstrapProtect } : {}),
  };
}

/** Copy the memory's files into the new run, before its memory first reads them. */
export async function carryMemory(runs: Pick<RunStore, 'readFile' | 'copy'>, from: string, to: RunLedger): Promise<void> {
  const ledger = await runs.readFile(from, MEMORY_CARRY.ledger);
  // A run killed before its memory files were written has its newest rows in ledger.jsonl only.
  const rowLog = await runs.readFile(from, MEMORY_CARRY.rowLog);
  if (ledger !== undefined || rowLog !== undefined) await to.writeFile(MEMORY_CARRY.ledger, carriedLedger(ledger, from, rowLog));
  for (const f of MEMORY_CARRY.copied) await runs.copy(from, to.runId, f);
}

/**
 * env-snapshot.txt (src/adapters/measure/env-snapshot.ts) without its `Date:` and `Git SHA:` lines: the machine,
 * the accelerator and the tools, which must match for two measurements to be comparable.
 */
export function environmentFingerprint(snapshot: string): string {
  const kept = snapshot.split('\n').filter((l) => !/^(Date|Git SHA):/.test(l));
  return sha256Hex(kept.join('\n').trim()).slice(0, 16);
}

/** The measurer's files (src/core/measure/measurer.ts); baseline.json last, since it marks a baseline complete. */
const BASELINE_FILES = ['baseline/result.txt', 'baseline/env-snapshot.txt', 'baseline/baseline.json'] as const;

export interface ChampionCarryDeps {
  runs: Pick<RunStore, 'readFile' | 'copy'>;
  console: LoopConsole;
  measurer?: Measurer | undefined;
  environment?: EnvSnapshotter | undefined;
}

/** Take over the champion (and with a measurer its baseline) when they still compare; state.json is the caller's. */
export async function carryChampion(d: ChampionCarryDeps, from: Carried, to: RunLedger, state: RunState, head: string): Promise<void> {
  const champion = from.state.champion;
  if (!d.measurer) {
    if (champion) state.champion = champion;
    return;
  }
  const before = await d.runs.readFile(from.runId, 'baseline/env-snapshot.txt');
  if (before === undefined || (await d.runs.readFile(from.runId, 'baseline/baseline.json')) === undefined) return;
  const now = d.environment ? await d.environment.snapshot(head) : undefined;
  if (now === undefined || environmentFingerprint(now) !== environmentFingerprint(before)) {
    d.console.info(`the environment changed since run ${from.runId} measured its baseline: a new baseline of HEAD is measured and becomes the champion`);
    return;
  }
  for (const f of BASELINE_FILES) await d.runs.copy(from.runId, to.runId, f);
  if (champion && (await d.runs.copy(from.runId, to.runId, 'champion.json'))) state.champion = champion;
  d.console.info(`reusing run ${from.runId}'s baseline and champion (same environment)`);
}
