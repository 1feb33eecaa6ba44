import { standing, type LedgerRow } from './leaderboard.js';

export interface FinalReportInput {
  title: string;
  date: string;
  direction: 'higher' | 'lower';
  metric: string;
  baseline?: number;
  baselineSha?: string;
  champion?: { sha: string; median: number; iteration: number };
  target?: number;
  rows: readonly LedgerRow[];
  leaderboard: string;
  nextHypothesis?: string;
}

export function renderFinalReport(i: FinalReportInput): string {
  const count = (s: ReturnType<typeof standing>): number => i.rows.filter((r) => standing(r) === s).length;
  const promoted = count('champion');
  const explored = count('explored');
  const tokens = i.rows.reduce((a, r) => a + (r.tokens ?? 0), 0);
  const minutes = i.rows.reduce((a, r) => a + (r.durationMs ?? 0), 0) / 60000;
  const gain =
    i.champion && i.baseline ? (((i.champion.median - i.baseline) / Math.abs(i.baseline)) * 100 * (i.direction === 'higher' ? 1 : -1)).toFixed(2) : undefined;
  const reached = i.target !== undefined && i.champion ? (i.direction === 'higher' ? i.champion.median >= i.target : i.champion.median <= i.target) : undefined;
  return [
    `# Final report: ${i.title}`,
    `Written: ${i.date}`,
    '',
    '## Best configuration',
    i.champion
      ? `Champion ${i.champion.sha.slice(0, 12)} (${i.champion.iteration === 0 ? 'baseline' : `iteration ${i.champion.iteration}`}): ${i.metric} median ${i.champion.median}` +
        (gain !== undefined ? `, ${gain} % better than the baseline ${i.baseline}` : '') +
        (i.baselineSha ? `.\nFull diff: \`git diff ${i.baselineSha.slice(0, 12)} ${i.champion.sha.slice(0, 12)}\`` : '')
      : 'No champion was measured.',
    '',
    '## Against the target',
    i.target === undefined ? 'No target was set.' : reached ? `🎯 Target ${i.target} reached.` : `Target ${i.target} not reached.`,
    '',
    '## Iterations',
    `${i.rows.length} iterations: ${promoted} promoted, ${count('kept')} kept within noise, ${explored > 0 ? `${explored} explored, ` : ''}${count('reverted')} reverted. ` +
      `Agent tokens: ${tokens}; time: ${minutes.toFixed(1)} min.`,
    '',
    i.leaderboard.replace(/^# .*\n/, ''),
    '## Next steps',
    i.nextHypothesis || '(the last iteration gave no next hypothesis)',
    '',
  ].join('\n');
}
