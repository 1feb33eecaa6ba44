import type { LoopConsole } from '../../core/loop/engine.js';
import type { IterationSummary } from '../../core/loop/run-state.js';
import type { TokenUsage } from '../../ports/agent.js';
import { statusLabel } from '../../core/loop/iteration-status.js';

/** Progress goes to stderr (status lines, agent and post-check output); results (summary table) to stdout. */
/** Every line passes `redact`: post-check and agent output reach the terminal (and whatever captures it). */
export function streamConsole(stderr: NodeJS.WritableStream, quiet: boolean, redact: (s: string) => string = (s) => s): LoopConsole {
  const w = (s: string): void => void stderr.write(redact(s) + '\n');
  return {
    status: (line) => (quiet ? undefined : w(`gdnctl ▸ ${line}`)),
    info: (m) => (quiet ? undefined : w(`gdnctl: ${m}`)),
    warn: (m) => w(`gdnctl: warning: ${m}`),
    echo: (line) => (quiet ? undefined : w(`  │ ${line}`)),
  };
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
