import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandContext } from '../command-spec.js';
import { ExitCode } from '../exit-codes.js';
import { checkExitCode, runStatusView, type RunStatusView } from '../../core/status/run-status.js';
import { iterationSpan, readExperimentView, readJsonFile, resolveRunDir } from './run-dirs.js';
import { readRunStatus } from './status-read.js';
import { readLedgerRows } from './ledger-rows-file.js';
import { groupThousands } from '../../core/text/plain-format.js';

/**
 * `gdnctl status [run-id]` (docs/codex-loop.md "Status"): the text view, `--json`, `--watch` (redrawn every
 * --watch-seconds, --watch-count times or until Ctrl-C) and `--check` for a cron job. Read-only.
 */
export async function runStatus(ctx: CommandContext): Promise<number> {
  const v = ctx.config.values;
  const logDir = resolve(ctx.config.repoRoot, v.logDir);
  const { runId, runDir } = resolveRunDir(logDir, ctx.args[0] || undefined);
  const view = (): RunStatusView => runStatusView(readRunStatus(logDir, runId, runDir, Date.now()));
  if (v.statusCheck) {
    const s = view();
    ctx.stdout.write(v.json ? JSON.stringify(s) + '\n' : `${s.health}: ${checkLine(s)}\n`);
    return checkExitCode(s.health);
  }
  if (!v.watch) {
    ctx.stdout.write(v.json ? JSON.stringify(view(), null, 2) + '\n' : renderText(view(), logDir));
    return ExitCode.ok;
  }
  // A terminal is redrawn in place; a pipe or a file gets one frame after another (JSON: one object a line).
  const clear = ctx.stdout.isTTY && !v.json ? '\x1b[H\x1b[2J' : '';
  for (let n = 1; ; n++) {
    const s = view();
    ctx.stdout.write(v.json ? JSON.stringify(s) + '\n' : `${clear}${n > 1 && !clear ? '\n' : ''}${renderText(s, logDir)}`);
    if (v.watchCount !== undefined && n >= v.watchCount) return ExitCode.ok;
    try {
      await sleep(v.watchSeconds * 1000, undefined, { signal: ctx.interrupt.signal });
    } catch {
      return ExitCode.interrupted;
    }
  }
}

function checkLine(s: RunStatusView): string {
  const where = `run ${s.run}, iteration ${s.iteration ?? '—'}${s.of ? `/${s.of}` : ''}${s.phase ? `, phase ${s.phase.name}` : ''}`;
  return s.healthReason ? `${where} (${s.healthReason})` : where;
}

function renderText(s: RunStatusView, logDir: string): string {
  let status = s.status ?? 'unknown (no state.json)';
  if (s.stopReason === 'target-reached') status += ' (🎯 target reached)';
  if (s.health === 'owner-dead') {
    status = /is gone$/.test(s.healthReason ?? '')
      ? `running in state.json, but its owner pid ${s.owner.pid} is gone (resume with the same command)`
      : `running in state.json, but its owner looks dead: ${s.healthReason} (resume with the same command once it is gone)`;
  }
  const lines = [`run ${s.run}: ${status}`, ...experimentLines(logDir, s.run, s.runDir)];
  const elapsed = s.phase?.elapsedSeconds != null ? ` for ${duration(s.phase.elapsedSeconds)}` : '';
  lines.push(`  iteration: ${s.iteration ?? '—'}${s.attempt && s.attempt > 1 ? ` (attempt ${s.attempt})` : ''}, phase ${s.phase?.name ?? '—'}${elapsed}`);
  if (s.of !== null) lines.push(`  progress: ${s.finished} of ${s.of} iteration(s) finished${s.eta ? `; ETA ${s.eta.at.slice(0, 16).replace('T', ' ')} UTC (in ${duration(s.eta.seconds)}, median ${duration(s.eta.medianIterationSeconds)} per iteration)` : ''}`);
  if (s.limitWait) lines.push(`  waiting: usage limit, resuming at ${s.limitWait.until.slice(0, 16).replace('T', ' ')} UTC${s.limitWait.detail ? ` (${s.limitWait.detail})` : ''}`);
  if (s.lastAction) lines.push(`  last action: ${s.lastAction.length > 160 ? `${s.lastAction.slice(0, 159)}…` : s.lastAction}`);
  const c = s.champion;
  if (c && c.value !== null) {
    const b = c.baseline;
    const lower = readJsonFile<{ direction?: string }>(join(s.runDir, 'baseline', 'baseline.json'))?.direction === 'lower';
    const gain = b !== null ? ` (${((((c.value - b) / Math.abs(b)) * 100) * (lower ? -1 : 1)).toFixed(2)} % better than baseline ${b})` : '';
    lines.push(`  champion: ${c.sha.slice(0, 12)} ${c.iteration === 0 ? 'baseline' : `from iteration ${c.iteration}`}, median ${c.value}${c.metric && b !== null ? ` ${c.metric}` : ''}${gain}`);
  } else {
    lines.push(`  champion: ${c ? c.sha.slice(0, 12) : '—'} (not measured)`);
  }
  lines.push(`  failures: ${s.failures.total} (consecutive ${s.failures.consecutive})`);
  const t = s.tpu;
  const hours = t?.hours != null ? `, ${t.held ? 'held' : 'was held'} ${t.hours.toFixed(2)} h` : '';
  const leaseFile = readJsonFile<{ tpuLeaseFile?: string }>(join(s.runDir, 'state.json'))?.tpuLeaseFile;
  lines.push(`  TPU: ${t?.held ? `${t.name} in ${t.zone}${t.project ? ` (${t.project})` : ''}${hours}` : leaseFile ? `lease ${leaseFile} (released)${t ? ` ${t.name} in ${t.zone}${hours}` : ''}` : 'none held'}`);
  const rows = readLedgerRows(s.runDir);
  if (rows) lines.push(`  leaderboard: ${leaderboardSummary(rows)}; ${join(s.runDir, 'leaderboard.md')}`);
  if (s.tokens) {
    const n = (k: string): string => groupThousands(s.tokens?.[k] ?? 0);
    lines.push(`  tokens: ${n('inputTokens')} in, ${n('outputTokens')} out${s.costUsd !== undefined ? `; cost $${s.costUsd.toFixed(2)}` : ''}`);
  }
  if (s.stopMessage) lines.push(`  stopped: ${s.stopMessage}`);
  if (s.updatedAt) lines.push(`  updated: ${s.updatedAt}`);
  if (s.owner.heartbeatAt && (s.health === 'running' || s.health === 'owner-dead')) lines.push(`  heartbeat: ${s.owner.heartbeatAt} (${duration(s.owner.heartbeatAgeSeconds ?? 0)} ago)`);
  lines.push(`  folder: ${s.runDir}`);
  return lines.join('\n') + '\n';
}

/** 42 s, 3m 05s, 2h 10m. */
function duration(seconds: number): string {
  const sec = Math.max(0, Math.round(seconds));
  if (sec < 60) return `${sec} s`;
  if (sec < 3600) return `${Math.floor(sec / 60)}m ${String(sec % 60).padStart(2, '0')}s`;
  return `${Math.floor(sec / 3600)}h ${String(Math.floor((sec % 3600) / 60)).padStart(2, '0')}m`;
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
