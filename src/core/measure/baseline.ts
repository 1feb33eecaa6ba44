/**
 * The baseline: N runs of the unchanged program, refused when the noise floor is above the threshold
 * (auto-optimize's 5 runs / 5 %), stored with its raw values so every later comparison can use them.
 */
import { sha256Hex } from '../text/sha256.js';
import type { BaselineRecord } from '../../ports/bench.js';
import { cvPct, median, robustCvPct } from '../stats/descriptive.js';

export type { BaselineRecord };

export interface FingerprintInput {
  head: string;
  bench: string;
  metric?: string;
  metricPattern?: string;
  direction: 'higher' | 'lower';
  /** On the TPU: the env snapshot's fingerprint, so another TPU type or runtime gets its own baseline. */
  env?: string | undefined;
}

/** Same HEAD, bench command and metric (and on the TPU the same accelerator) → same baseline; any change → a fresh one. */
export function baselineFingerprint(i: FingerprintInput): string {
  const key: string[] = [i.head, i.bench, i.metric ?? '', i.metricPattern ?? '', i.direction];
  // Appended only when present, so the keys of local baselines stay what they were.
  if (i.env !== undefined) key.push(i.env);
  return sha256Hex(JSON.stringify(key)).slice(0, 16);
}

export type NoiseVerdict = { ok: true; cvPct: number; robustCvPct: number; accepted: boolean } | { ok: false; cvPct: number; robustCvPct: number; message: string };

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4));

export function checkNoise(values: readonly number[], thresholdPct: number, acceptNoise: boolean): NoiseVerdict {
  const cv = cvPct(values);
  const rcv = robustCvPct(values);
  if (cv <= thresholdPct) return { ok: true, cvPct: cv, robustCvPct: rcv, accepted: false };
  if (acceptNoise) return { ok: true, cvPct: cv, robustCvPct: rcv, accepted: true };
  const outlierHint = rcv <= thresholdPct ? ` The robust CV (MAD) is ${rcv.toFixed(2)} %, so one or two outlier runs cause it: add a warm-up run inside the benchmark.` : '';
  return {
    ok: false,
    cvPct: cv,
    robustCvPct: rcv,
    message:
      `baseline refused as noisy: CV ${cv.toFixed(2)} % over ${values.length} runs is above --cv-threshold-pct ${thresholdPct} ` +
      `(runs: ${values.map(fmt).join(' ')}; median ${fmt(median(values))}).${outlierHint} ` +
      'Reduce the noise: stop other workloads on the machine, pin the CPU governor to performance, warm up inside the ' +
      'benchmark and report the median of several inner repetitions; then run again, or pass --accept-noise to record ' +
      'the noisy baseline as accepted.',
  };
}

/** auto-optimize's result.txt: aggregation header, raw values, then the value. */
export function formatResultTxt(values: readonly number[], extra: Record<string, string> = {}): string {
  const lines = [`# Aggregation: median of ${values.length} runs`, `# Raw: ${values.join(' ')}`];
  for (const [k, v] of Object.entries(extra)) lines.push(`# ${k}: ${v}`);
  lines.push(String(median(values)));
  return lines.join('\n') + '\n';
}

export function parseResultTxt(text: string): { values: number[]; value: number } | undefined {
  const raw = /^# Raw: (.*)$/m.exec(text);
  const lastLine = text.trim().split('\n').pop() ?? '';
  const value = Number(lastLine);
  if (!raw || !Number.isFinite(value)) return undefined;
  const values = raw[1]!.trim().split(/\s+/).map(Number);
  if (values.some((v) => !Number.isFinite(v))) return undefined;
  return { values, value };
}

/** baseline.json's record of N runs (and, on the TPU, the snapshot's fingerprint and the excluded warm-ups). */
export function baselineRecord(o: {
  fingerprint: string;
  head: string;
  bench: string;
  metric: string;
  direction: 'higher' | 'lower';
  values: number[];
  durationsMs: number[];
  warmupValues: number[];
  cvThresholdPct: number;
  acceptedNoise: boolean;
  createdAt: string;
  env?: { fingerprint: string; label: string } | undefined;
}): BaselineRecord {
  return {
    schemaVersion: 1,
    fingerprint: o.fingerprint,
    head: o.head,
    bench: o.bench,
    metric: o.metric,
    direction: o.direction,
    values: o.values,
    durationsMs: o.durationsMs,
    median: median(o.values),
    cvPct: cvPct(o.values),
    robustCvPct: robustCvPct(o.values),
    cvThresholdPct: o.cvThresholdPct,
    acceptedNoise: o.acceptedNoise,
    createdAt: o.createdAt,
    ...(o.env ? { envFingerprint: o.env.fingerprint, envLabel: o.env.label } : {}),
    ...(o.warmupValues.length > 0 ? { warmupValues: o.warmupValues } : {}),
  };
}
