import type { LoopConsole } from '../../core/loop/engine.js';
import type { LoopEvent } from '../../core/loop/events.js';
import { phaseLabel } from '../../core/loop/phases.js';
import type { IterationSummary } from '../../core/loop/run-state.js';
import type { TokenUsage } from '../../ports/agent.js';
import { statusLabel } from '../../core/loop/iteration-status.js';

type ConsoleLines = Omit<LoopConsole, 'event'>;

/** Progress goes to stderr (status lines, agent and post-check output); results (summary table) to stdout. */
/** Every line passes `redact`: post-check and agent output reach the terminal (and whatever captures it). */
export function streamConsole(stderr: NodeJS.WritableStream, quiet: boolean, redact: (s: string) => string = (s) => s): LoopConsole {
  const w = (s: string): void => void stderr.write(redact(s) + '\n');
  const lines: ConsoleLines = {
    status: (line) => (quiet ? undefined : w(`gdnctl ▸ ${line}`)),
    info: (m) => (quiet ? undefined : w(`gdnctl: ${m}`)),
    warn: (m) => w(`gdnctl: warning: ${m}`),
    echo: (line) => (quiet ? undefined : w(`  │ ${line}`)),
  };
  return { ...lines, event: (e) => showLoopEvent(e, lines) };
}

/**
 * The console's subscription to the loop's event stream (src/core/loop/events.ts): the line each event shows,
 * at its level. Events the ledger alone keeps show nothing.
 */
export function showLoopEvent(e: LoopEvent, out: ConsoleLines): void {
  switch (e.type) {
    case 'phase':
      return out.status(`iteration ${e.iteration}/${e.of} · ${phaseLabel(e.phase)} · ${(e.elapsedMs / 1000).toFixed(1)}s`);
    case 'operator-stashed':
      return out.info(`stashed your uncommitted work as ${e.sha.slice(0, 12)} (restored after the iteration)`);
    case 'leftovers-stashed':
      return out.warn(`uncommitted leftovers (${e.paths.length} paths) stashed as ${e.sha.slice(0, 12)} "${e.message}"; nothing was dropped`);
    case 'sync-merged':
      return out.info(`merged ${e.remote}/${e.branch} (HEAD ${e.head.slice(0, 12)})`);
    case 'sync-conflict-skipped':
      return out.warn(`${e.detail}; continuing unsynced (--sync-main-conflict-policy skip)`);
    case 'plan-missing':
      return out.warn(`iteration ${e.iteration}: the planning pass gave no plan; the implementing pass runs without one`);
    case 'reverted':
      return out.warn(`reverted iteration ${e.iteration} (${e.reason}) with commit ${e.sha.slice(0, 12)}; the work stays in history`);
    case 'failed-entry-not-recorded':
      return out.warn(`could not record the failed attempt in the hill-climb log: ${e.error}`);
    case 'iteration-failed':
      return out.warn(`iteration ${e.iteration} failed: ${e.reason}: ${e.detail} (${e.policy})`);
    case 'target-reached': {
      const value = e.value === undefined ? '' : ` (${e.value})`;
      const next = e.stops ? 'stopping (--continue-after-target keeps going)' : 'continuing (--continue-after-target)';
      return out.info(`🎯 target reached at iteration ${e.iteration}${value}; ${next}`);
    }
    case 'tpu-replaced':
      return out.warn(`the held TPU was lost; now holding ${e.name ?? 'none'} in ${e.zone ?? '-'}`);
    case 'limit-wait':
      return out.warn(`iteration ${e.iteration}: ${e.failure} (${e.detail}); waiting until ${e.resumeAt}, then the same attempt again`);
    case 'output':
      return out.echo(e.line);
    case 'info':
      return out.info(e.message);
    case 'warning':
      return out.warn(e.message);
    case 'operator-restored':
    case 'operator-stash-kept':
    case 'champion-after-sync':
    case 'plan-written':
    case 'revert':
    case 'iteration-recorded':
    case 'run-done':
    case 'run-stopped':
      return;
    default: {
      const never: never = e;
      throw new Error(`unknown loop event ${JSON.stringify(never)}`);
    }
  }
}

function fmtTokens(t: TokenUsage): string {
  const total = t.inputTokens + t.outputTokens;
  return total === 0 ? '-' : `${t.inputTokens}+${t.outputTokens}`;
}

/**
 * The end-of-run table: iteration, outcome, commit, duration, tokens. The outcome column says what became of
 * the change (promoted, kept-within-noise, regression-reverted, reverted-post-check, no-commit, …).
 */
export function summaryTable(rows: IterationSummary[], totals: TokenUsage): string {
  const header = ['iter', 'outcome', 'commit', 'duration', 'tokens (in+out)'];
  const body = [...rows]
    .sort((a, b) => a.iteration - b.iteration)
    .map((r) => [
      String(r.iteration),
      r.status ? statusLabel(r.status, r.reason, r.targetReached === true) : r.outcome === 'failed' ? `failed: ${r.reason ?? '?'}` : r.outcome,
      r.commit ? r.commit.slice(0, 12) : '-',
      `${(r.durationMs / 1000).toFixed(1)}s`,
      fmtTokens(r.tokens),
    ]);
  body.push(['total', '', '', `${(rows.reduce((s, r) => s + r.durationMs, 0) / 1000).toFixed(1)}s`, fmtTokens(totals)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n') + '\n';
}
