import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { CommandContext } from '../command-spec.js';
import { ExitCode } from '../exit-codes.js';
import { iterationSpan, readExperimentView, readJsonFile, resolveRunDir, type StateView } from './run-dirs.js';
import { isProcessAlive } from '../../adapters/process/liveness.js';

export async function runStatus(ctx: CommandContext): Promise<number> {
  const logDir = resolve(ctx.config.repoRoot, ctx.config.values.logDir);
  const { runId, runDir } = resolveRunDir(logDir, ctx.args[0] || undefined);
  const s = readJsonFile<StateView>(join(runDir, 'state.json')) ?? {};
  const champ = readJsonFile<{ sha: string; median: number; iteration: number; values: number[] }>(join(runDir, 'champion.json'));
  const base = readJsonFile<{ median: number; metric: string; direction: 'higher' | 'lower' }>(join(runDir, 'baseline', 'baseline.json'));
  const lease = s.tpuLeaseFile ? readJsonFile<{ project: string; zone: string; node: string; cluster?: string }>(s.tpuLeaseFile) : undefined;
  let status = s.status ?? 'unknown (no state.json)';
  if (s.stopReason === 'target-reached') status += ' (🎯 target reached)';
  if (s.status === 'running' && s.ownerHost === hostname() && !isProcessAlive(s.ownerPid)) status = `running in state.json, but its owner pid ${s.ownerPid} is gone (resume with the same command)`;
  const lines = [`run ${runId}: ${status}`, ...experimentLines(logDir, runId, runDir)];
  lines.push(`  iteration: ${s.iteration ?? '—'}${s.attempt && s.attempt > 1 ? ` (attempt ${s.attempt})` : ''}, phase ${s.phase ?? '—'}`);
  if (champ) {
    const gain = base ? ` (${((((champ.median - base.median) / Math.abs(base.median)) * 100) * (base.direction === 'higher' ? 1 : -1)).toFixed(2)} % better than baseline ${base.median})` : '';
    lines.push(`  champion: ${champ.sha.slice(0, 12)} ${champ.iteration === 0 ? 'baseline' : `from iteration ${champ.iteration}`}, median ${champ.median}${base ? ` ${base.metric}` : ''}${gain}`);
  } else {
    lines.push(`  champion: ${s.champion ? s.champion.slice(0, 12) : '—'} (not measured)`);
  }
  lines.push(`  failures: ${s.failures ?? 0} (consecutive ${s.consecutiveFailures ?? 0})`);
  lines.push(`  TPU: ${lease ? `${lease.node} in ${lease.zone} (${lease.project})` : s.tpuLeaseFile ? `lease ${s.tpuLeaseFile} (released)` : 'none held'}`);
  const rows = readJsonFile<{ rows?: Array<{ outcome?: string; reverted?: boolean }> }>(join(runDir, 'ledger.json'))?.rows;
  if (rows) lines.push(`  leaderboard: ${leaderboardSummary(rows)}; ${join(runDir, 'leaderboard.md')}`);
  if (s.tokens) lines.push(`  tokens: ${(s.tokens.inputTokens ?? 0).toLocaleString('en-US')} in, ${(s.tokens.outputTokens ?? 0).toLocaleString('en-US')} out`);
  if (s.stopMessage) lines.push(`  stopped: ${s.stopMessage}`);
  if (s.updatedAt) lines.push(`  updated: ${s.updatedAt}`);
  lines.push(`  folder: ${runDir}`);
  ctx.stdout.write(lines.join('\n') + '\n');
  return ExitCode.ok;
}

/** The experiment across its runs: how far it is, and each run's share of the iterations. */
function experimentLines(logDir: string, runId: string, runDir: string): string[] {
  const e = readExperimentView(logDir, runDir);
  if (!e) return [];
  const last = Math.max(0, ...e.runs.map((r) => r.last ?? 0));
  return [
    `  experiment ${e.id}: ${e.runs.length} run(s), ${last} of ${e.iterations} iteration(s) finished`,
    ...e.runs.map((r) => `    run ${r.runId}: ${r.status}, ${iterationSpan(r)}${r.runId === runId ? ' (this run)' : ''}`),
  ];
}

function leaderboardSummary(rows: Array<{ outcome?: string; reverted?: boolean }>): string {
  const promoted = rows.filter((r) => r.outcome === 'promoted').length;
  const reverted = rows.filter((r) => r.reverted).length;
  return `${rows.length} iteration(s), ${promoted} promoted, ${rows.length - promoted - reverted} kept, ${reverted} reverted`;
}
