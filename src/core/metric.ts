/**
 * Reading the metric from a benchmark's output. Errors are data: a missing or unparsable metric is a
 * failure carrying the output's tail, never a zero (autoresearch logs crashes as 0.0, which then ranks).
 * A leaf: the bench runner adapter parses with it and the CLI checks --metric-pattern with it.
 */
export interface MetricSpec {
  metric?: string;
  metricPattern?: string;
  /** How `mfu` is computed when the bench reports FLOPs and a step time instead of `mfu` itself. */
  mfu?: MfuSpec;
}

/** MFU from a bench's FLOPs and step time: `mfu = flops / step_s / (chips × peak)`. */
export interface MfuSpec {
  /** The GDNCTL_METRIC key of the step time, in milliseconds (--step-time-metric); `step_time_ms` is read too. */
  stepTimeMetric: string;
  /** --flops-per-step: the global FLOPs of one step, when the bench prints no `flops`. */
  flopsPerStep?: number | undefined;
  /** chips × per-chip peak, in FLOP/s; undefined when the TPU type is not known. */
  peakFlopsPerS?: number | undefined;
}

/** The key dev-tpu-profile prints its step time under; accepted next to --step-time-metric. */
export const PROFILE_STEP_TIME_KEY = 'step_time_ms';
const FLOPS_KEY = 'flops';
const MFU_KEY = 'mfu';

/** Model FLOPs utilisation: FLOPs per step over the step time, as a fraction of the chips' peak. */
export function mfuOf(flopsPerStep: number, stepMs: number, peakFlopsPerS: number): number {
  return flopsPerStep / (stepMs / 1000) / peakFlopsPerS;
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

function fromMarkerLines(output: string, metric: string | undefined, mfu: MfuSpec | undefined): MetricReading | undefined {
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
  if (name === MFU_KEY && !(MFU_KEY in (parsed as object))) return mfuReading(all, keys, mfu, tail);
  if (mfu && all[MFU_KEY] === undefined) {
    const derived = deriveMfu(all, mfu);
    if (typeof derived === 'number') all[MFU_KEY] = derived;
  }
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

/** The MFU of one GDNCTL_METRIC object, or the missing piece named as a problem. */
function deriveMfu(all: Record<string, number>, spec: MfuSpec): number | { problem: string } {
  const stepKeys = [...new Set([spec.stepTimeMetric, PROFILE_STEP_TIME_KEY])];
  const stepKey = stepKeys.find((k) => all[k] !== undefined);
  const flops = all[FLOPS_KEY] ?? spec.flopsPerStep;
  const stepNames = stepKeys.map((k) => `"${k}"`).join(' or ');
  if (flops === undefined) {
    return { problem: `${MARKER} has no "${MFU_KEY}" and no "${FLOPS_KEY}" to compute it from; print {"${FLOPS_KEY}": <FLOPs of one step, all chips>, "${spec.stepTimeMetric}": <ms>} or pass --flops-per-step N` };
  }
  if (stepKey === undefined) {
    const why = all[FLOPS_KEY] !== undefined ? `has "${FLOPS_KEY}" but no step time` : `has no step time for --flops-per-step`;
    return { problem: `${MARKER} ${why} (${stepNames}, in ms); print it next to the FLOPs, or name its key with --step-time-metric` };
  }
  const stepMs = all[stepKey]!;
  if (!(stepMs > 0)) return { problem: `${MARKER} "${stepKey}" is ${stepMs}; a step time must be positive` };
  if (spec.peakFlopsPerS === undefined) {
    return { problem: `cannot compute ${MFU_KEY}: the TPU type is not known; pass --tpu-type (e.g. v5p-8) or set chipPeakTflops in gdnctl.yaml` };
  }
  return mfuOf(flops, stepMs, spec.peakFlopsPerS);
}

function mfuReading(all: Record<string, number>, keys: string[], spec: MfuSpec | undefined, tail: string): MetricReading {
  if (!spec) return { ok: false, reason: `${MARKER} has no "${MFU_KEY}" (it has ${keys.join(', ') || 'nothing'})`, tail };
  const v = deriveMfu(all, spec);
  if (typeof v !== 'number') return { ok: false, reason: v.problem, tail };
  return { ok: true, name: MFU_KEY, value: v, all: { ...all, [MFU_KEY]: v } };
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
    fromMarkerLines(output, spec.metric, spec.mfu) ?? {
      ok: false,
      reason: `no ${MARKER} line in the benchmark output; print one like: ${MARKER} {"${spec.metric ?? 'step_ms'}": 12.3}`,
      tail: outputTail(output),
    }
  );
}
