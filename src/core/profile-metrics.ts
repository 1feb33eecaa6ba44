/** Throughput figures a profile run reports, in the units the loop records. */
export interface ProfileMetrics {
  mfu?: number;
  tokens_per_s?: number;
  step_time_ms?: number;
}

const NUM = '([-+]?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)';
const SEP = `["']?\\s*[:=]\\s*`;
// Levanter/W&B names (throughput/mfu, throughput/tokens_per_second, throughput/duration in seconds) and
// plain spellings. The last match in the output wins: runs print running values and the final one is best.
const PATTERNS: Array<{ key: keyof ProfileMetrics; re: RegExp; scale?: number }> = [
  { key: 'mfu', re: new RegExp(`(?:^|[^A-Za-z_])(?:throughput/)?mfu${SEP}${NUM}`, 'gi') },
  { key: 'tokens_per_s', re: new RegExp(`(?:throughput/)?(?:tokens_per_s(?:ec(?:ond)?)?|tokens/s(?:ec)?)${SEP}${NUM}`, 'gi') },
  { key: 'step_time_ms', re: new RegExp(`step[_ ]time[_ ]ms${SEP}${NUM}`, 'gi') },
  { key: 'step_time_ms', re: new RegExp(`(?:step[_ ]time(?:[_ ]s)?|throughput/duration)${SEP}${NUM}`, 'gi'), scale: 1000 },
];

/** Read metrics from command output: `GDNCTL_METRIC {json}` lines first, then the name patterns above. */
export function parseProfileMetrics(output: string): ProfileMetrics {
  const out: ProfileMetrics = {};
  const found = new Set<keyof ProfileMetrics>();
  for (const line of output.split('\n')) {
    const m = /GDNCTL_METRIC\s+(\{.*\})\s*$/.exec(line);
    if (!m) continue;
    try {
      const v = JSON.parse(m[1]!) as Record<string, unknown>;
      for (const k of ['mfu', 'tokens_per_s', 'step_time_ms'] as const) {
        if (typeof v[k] === 'number' && Number.isFinite(v[k])) {
          out[k] = v[k] as number;
          found.add(k);
        }
      }
    } catch {
      // not ours
    }
  }
  for (const p of PATTERNS) {
    if (found.has(p.key)) continue;
    let last: number | undefined;
    for (const m of output.matchAll(p.re)) last = Number(m[1]) * (p.scale ?? 1);
    if (last !== undefined && Number.isFinite(last)) {
      out[p.key] = last;
      found.add(p.key);
    }
  }
  return out;
}

/** The line measurement and the loop read: `GDNCTL_METRIC {"mfu":…,"tokens_per_s":…,"step_time_ms":…}`. */
export function metricLine(m: ProfileMetrics): string | undefined {
  const entries = (['mfu', 'tokens_per_s', 'step_time_ms'] as const).filter((k) => m[k] !== undefined).map((k) => [k, m[k]]);
  return entries.length > 0 ? `GDNCTL_METRIC ${JSON.stringify(Object.fromEntries(entries))}` : undefined;
}
