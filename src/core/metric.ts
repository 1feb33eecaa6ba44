/**
 * Reading the metric from a benchmark's output. Errors are data: a missing or unparsable metric is a
 * failure carrying the output's tail, never a zero (autoresearch logs crashes as 0.0, which then ranks).
 * A leaf: the bench runner adapter parses with it and the CLI checks --metric-pattern with it.
 */
export interface MetricSpec {
  metric?: string;
  metricPattern?: string;
}

export type MetricReading =
  | { ok: true; name: string; value: number; all: Record<string, number> }
  | { ok: false; reason: string; tail: string };

const MARKER = 'GDNCTL_METRIC';
const TAIL_LINES = 30;

export function outputTail(output: string, lines = TAIL_LINES): string {
  const all = output.replace(/\s+$/, '').split('\n');
  return all.slice(-lines).join('\n');
}

/** Checked once at config time, so a bad regex is a usage error rather than a failed iteration. */
export function validateMetricPattern(pattern: string): string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (e) {
    return `--metric-pattern is not a valid regular expression (${(e as Error).message}); fix the pattern`;
  }
  if (!/\(\?<[A-Za-z_][A-Za-z0-9_]*>/.test(re.source)) {
    return '--metric-pattern has no named group; write it like "step_ms=(?<value>[0-9.]+)"';
  }
  return undefined;
}

function fromMarkerLines(output: string, metric: string | undefined): MetricReading | undefined {
  let last: string | undefined;
  for (const line of output.split('\n')) {
    const at = line.indexOf(MARKER);
    if (at >= 0) last = line.slice(at + MARKER.length).trim();
  }
  if (last === undefined) return undefined;
  const tail = outputTail(output);
  let parsed: unknown;
  try {
    parsed = JSON.parse(last);
  } catch {
    return { ok: false, reason: `the last ${MARKER} line is not JSON: ${last.slice(0, 200)}`, tail };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, reason: `the last ${MARKER} line is not a JSON object`, tail };
  }
  const all: Record<string, number> = {};
  for (const [k, v] of Object.entries(parsed)) {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    if (Number.isFinite(n)) all[k] = n;
  }
  const keys = Object.keys(parsed);
  const name = metric ?? (keys.length === 1 ? keys[0] : undefined);
  if (name === undefined) {
    return { ok: false, reason: `${MARKER} has several metrics (${keys.join(', ')}); choose one with --metric NAME`, tail };
  }
  if (!(name in (parsed as object))) {
    return { ok: false, reason: `${MARKER} has no "${name}" (it has ${keys.join(', ') || 'nothing'})`, tail };
  }
  const value = all[name];
  if (value === undefined) return { ok: false, reason: `${MARKER} "${name}" is not a finite number`, tail };
  return { ok: true, name, value, all };
}

function fromPattern(output: string, pattern: string, metric: string | undefined): MetricReading {
  const tail = outputTail(output);
  const re = new RegExp(pattern, 'gm');
  let lastGroups: Record<string, string | undefined> | undefined;
  for (const m of output.matchAll(re)) if (m.groups) lastGroups = m.groups;
  if (!lastGroups) return { ok: false, reason: `--metric-pattern ${JSON.stringify(pattern)} matched nothing`, tail };
  const groupName = 'value' in lastGroups ? 'value' : metric && metric in lastGroups ? metric : Object.keys(lastGroups)[0]!;
  const raw = lastGroups[groupName];
  const value = raw === undefined ? Number.NaN : Number(raw.trim());
  if (!Number.isFinite(value)) return { ok: false, reason: `--metric-pattern group "${groupName}" is not a number: ${JSON.stringify(raw)}`, tail };
  const name = metric ?? groupName;
  return { ok: true, name, value, all: { [name]: value } };
}

/** The metric from the output: --metric-pattern when given, else the last GDNCTL_METRIC line. */
export function readMetric(output: string, spec: MetricSpec): MetricReading {
  if (spec.metricPattern) return fromPattern(output, spec.metricPattern, spec.metric);
  return (
    fromMarkerLines(output, spec.metric) ?? {
      ok: false,
      reason: `no ${MARKER} line in the benchmark output; print one like: ${MARKER} {"${spec.metric ?? 'step_ms'}": 12.3}`,
      tail: outputTail(output),
    }
  );
}
