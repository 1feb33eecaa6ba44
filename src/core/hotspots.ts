import { TraceEventScanner } from './trace-event-scanner.js';
import { byCodePoint } from './text/plain-format.js';

export interface Hotspot {
  name: string;
  totalUs: number;
  count: number;
  /** Fraction of the counted device time (0..1). */
  share: number;
}

export interface HotspotSummary {
  schema: 'gdnctl.hotspots.v1';
  source: string;
  /** TPU device processes found through process_name metadata. */
  deviceProcesses: Array<{ pid: number; name: string }>;
  /** Threads whose events were counted ("XLA Ops" when the trace has it; see countedThreads()). */
  countedThreads: string[];
  totalUs: number;
  distinctOps: number;
  events: number;
  /** Mean device step time from a "Steps" thread, when the trace has one. */
  stepTimeMs?: number;
  ops: Hotspot[];
}

export interface SummarizeOptions {
  top?: number;
  /** Which process_name values are TPU devices. */
  deviceMatch?: RegExp;
}

const DEVICE = /\/device:TPU|^TPU:\d+/i;
const OPS_THREAD = /^XLA Ops$/i;
const STEPS_THREAD = /^Steps$/i;

interface Acc {
  durUs: number;
  count: number;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);

/**
 * Sum, from the chunks of a Chrome trace (already gunzipped; src/adapters/profile/trace-file.ts reads files), complete events (`ph: "X"`) on TPU device processes by name.
 * A device process has several threads that nest: "Steps" ⊃ "XLA Modules" ⊃ "XLA Ops". Summing all of them
 * would count the same time three times, so when a device has an "XLA Ops" thread only that thread counts;
 * otherwise every thread of the device does. Metadata may come after the events it names, so sums are kept
 * per (pid, tid, name) and the device filter is applied at the end.
 */
export async function summarizeTraceChunks(chunks: AsyncIterable<Uint8Array>, file: string, opts: SummarizeOptions = {}): Promise<HotspotSummary> {
  const deviceMatch = opts.deviceMatch ?? DEVICE;
  const processNames = new Map<number, string>();
  const threadNames = new Map<string, string>();
  const sums = new Map<string, Acc>();
  const scanner = new TraceEventScanner((e) => {
    const ph = e.ph;
    const pid = num(e.pid) ?? 0;
    const tid = num(e.tid) ?? 0;
    if (ph === 'X') {
      const dur = num(e.dur);
      if (dur === undefined) return;
      const key = `${pid}\u0000${tid}\u0000${typeof e.name === 'string' ? e.name : String(e.name)}`;
      const a = sums.get(key);
      if (a) {
        a.durUs += dur;
        a.count++;
      } else sums.set(key, { durUs: dur, count: 1 });
    } else if (ph === 'M') {
      const name = (e.args as { name?: unknown } | undefined)?.name;
      if (typeof name !== 'string') return;
      if (e.name === 'process_name') processNames.set(pid, name);
      else if (e.name === 'thread_name') threadNames.set(`${pid}\u0000${tid}`, name);
    }
  });

  for await (const chunk of chunks) scanner.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  if (!scanner.sawEvents) throw new Error(`${file}: not a Chrome trace-event JSON file (no traceEvents array)`);

  const devicePids = [...processNames].filter(([, n]) => deviceMatch.test(n)).map(([pid]) => pid);
  const opsThreads = new Set<string>();
  for (const [key, name] of threadNames) {
    const pid = Number(key.split('\u0000')[0]);
    if (devicePids.includes(pid) && OPS_THREAD.test(name)) opsThreads.add(key);
  }
  const pidHasOps = new Set([...opsThreads].map((k) => Number(k.split('\u0000')[0])));
  const byName = new Map<string, Acc>();
  const counted = new Set<string>();
  const steps: Acc = { durUs: 0, count: 0 };
  for (const [key, acc] of sums) {
    const [pidS, tidS, name] = key.split('\u0000') as [string, string, string];
    const pid = Number(pidS);
    if (!devicePids.includes(pid)) continue;
    const threadKey = `${pidS}\u0000${tidS}`;
    const threadName = threadNames.get(threadKey) ?? `tid ${tidS}`;
    if (STEPS_THREAD.test(threadName)) {
      steps.durUs += acc.durUs;
      steps.count += acc.count;
    }
    if (pidHasOps.has(pid) && !opsThreads.has(threadKey)) continue;
    counted.add(threadName);
    const a = byName.get(name) ?? { durUs: 0, count: 0 };
    a.durUs += acc.durUs;
    a.count += acc.count;
    byName.set(name, a);
  }
  const totalUs = [...byName.values()].reduce((s, a) => s + a.durUs, 0);
  const ops = [...byName]
    .map(([name, a]) => ({ name, totalUs: round(a.durUs), count: a.count, share: totalUs > 0 ? round(a.durUs / totalUs, 4) : 0 }))
    .sort((x, y) => y.totalUs - x.totalUs || byCodePoint(x.name, y.name))
    .slice(0, opts.top ?? 20);
  return {
    schema: 'gdnctl.hotspots.v1',
    source: file,
    deviceProcesses: devicePids.sort((a, b) => a - b).map((pid) => ({ pid, name: processNames.get(pid)! })),
    countedThreads: [...counted].sort(),
    totalUs: round(totalUs),
    distinctOps: byName.size,
    events: scanner.events,
    ...(steps.count > 0 ? { stepTimeMs: round(steps.durUs / steps.count / 1000, 3) } : {}),
    ops,
  };
}

function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** The table the loop feeds to the next prompt as {{HOTSPOTS}}. */
export function hotspotsMarkdown(s: HotspotSummary): string {
  const lines = [
    `Top ${s.ops.length} TPU ops by total time (${(s.totalUs / 1000).toFixed(3)} ms over ${s.deviceProcesses.length} device(s)${s.stepTimeMs !== undefined ? `, mean step ${s.stepTimeMs} ms` : ''}):`,
    '',
    '| # | op | total ms | count | share |',
    '|---:|---|---:|---:|---:|',
  ];
  s.ops.forEach((o, i) => {
    const name = o.name.replace(/\|/g, '\\|').replace(/\n/g, ' ');
    lines.push(`| ${i + 1} | \`${name}\` | ${(o.totalUs / 1000).toFixed(3)} | ${o.count} | ${(o.share * 100).toFixed(1)}% |`);
  });
  if (s.ops.length === 0) lines.push('| – | (no device ops found) | 0 | 0 | – |');
  return lines.join('\n') + '\n';
}

/** One profile as the diff reads it: its ops (by total time) and, when known, its totals. */
export interface HotspotProfile {
  ops: readonly Hotspot[];
  /** Counted device time; the sum of the listed ops when the summary does not say. */
  totalUs?: number;
  stepTimeMs?: number;
}

export interface HotspotDelta {
  name: string;
  /** undefined: not among that profile's listed ops (absent, or below its top-N). */
  championUs?: number;
  candidateUs?: number;
  /** Candidate minus champion, an unlisted side counting as 0. */
  deltaUs: number;
  championShare?: number;
  candidateShare?: number;
  deltaShare: number;
}

export interface HotspotDiff {
  champion: { totalUs: number; stepTimeMs?: number; dominant?: string };
  candidate: { totalUs: number; stepTimeMs?: number; dominant?: string };
  /** The ops that moved most (|Δ ms|), the dominant op of each side always among them. */
  movers: HotspotDelta[];
  /** The same op tops both profiles. */
  dominantUnchanged: boolean;
}

const total = (p: HotspotProfile): number => p.totalUs ?? p.ops.reduce((s, o) => s + o.totalUs, 0);
const top = (p: HotspotProfile): Hotspot | undefined => [...p.ops].sort((a, b) => b.totalUs - a.totalUs || byCodePoint(a.name, b.name))[0];

/** Per-op change from the champion's profile to the candidate's (pure; the memory reads both hotspots.json). */
export function diffHotspots(champion: HotspotProfile, candidate: HotspotProfile, topMovers = 8): HotspotDiff {
  const a = new Map(champion.ops.map((o) => [o.name, o]));
  const b = new Map(candidate.ops.map((o) => [o.name, o]));
  const all: HotspotDelta[] = [...new Set([...a.keys(), ...b.keys()])].map((name) => {
    const x = a.get(name);
    const y = b.get(name);
    return {
      name,
      ...(x ? { championUs: x.totalUs, championShare: x.share } : {}),
      ...(y ? { candidateUs: y.totalUs, candidateShare: y.share } : {}),
      deltaUs: round((y?.totalUs ?? 0) - (x?.totalUs ?? 0)),
      deltaShare: round((y?.share ?? 0) - (x?.share ?? 0), 4),
    };
  });
  const dominantA = top(champion)?.name;
  const dominantB = top(candidate)?.name;
  const ranked = all.sort((x, y) => Math.abs(y.deltaUs) - Math.abs(x.deltaUs) || byCodePoint(x.name, y.name));
  const movers = ranked.slice(0, topMovers);
  for (const d of [dominantA, dominantB]) {
    const hit = d === undefined || movers.some((m) => m.name === d) ? undefined : ranked.find((m) => m.name === d);
    if (hit) movers.push(hit);
  }
  const side = (p: HotspotProfile, dominant: string | undefined): HotspotDiff['champion'] => ({
    totalUs: round(total(p)),
    ...(p.stepTimeMs !== undefined ? { stepTimeMs: p.stepTimeMs } : {}),
    ...(dominant !== undefined ? { dominant } : {}),
  });
  return { champion: side(champion, dominantA), candidate: side(candidate, dominantB), movers, dominantUnchanged: dominantA !== undefined && dominantA === dominantB };
}

const ms = (us: number | undefined): string => (us === undefined ? '—' : (us / 1000).toFixed(3));
const pct = (share: number | undefined): string => (share === undefined ? '—' : `${(share * 100).toFixed(1)}%`);
const signed = (x: string): string => (x.startsWith('-') ? `−${x.slice(1)}` : `+${x}`);
const relPct = (from: number, to: number): string => (from > 0 ? ` (${signed((((to - from) / from) * 100).toFixed(1))} %)` : '');

/** The delta table {{HOTSPOTS}} and summary.md show when champion and candidate both have a profile. */
export function hotspotDiffMarkdown(d: HotspotDiff, labels: { champion: string; candidate: string }): string {
  const step =
    d.champion.stepTimeMs !== undefined && d.candidate.stepTimeMs !== undefined
      ? `; mean step ${d.champion.stepTimeMs} → ${d.candidate.stepTimeMs} ms${relPct(d.champion.stepTimeMs, d.candidate.stepTimeMs)}`
      : '';
  const lines = [
    `Profile of ${labels.candidate} against the champion ${labels.champion}: device time ${ms(d.champion.totalUs)} → ${ms(d.candidate.totalUs)} ms${relPct(d.champion.totalUs, d.candidate.totalUs)}${step}. Top movers:`,
    '',
    '| op | champion ms | candidate ms | Δ ms | champion share | candidate share | Δ share |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const m of d.movers) {
    const name = m.name.replace(/\|/g, '\\|').replace(/\n/g, ' ');
    lines.push(`| \`${name}\` | ${ms(m.championUs)} | ${ms(m.candidateUs)} | ${signed((m.deltaUs / 1000).toFixed(3))} | ${pct(m.championShare)} | ${pct(m.candidateShare)} | ${signed((m.deltaShare * 100).toFixed(1))} pp |`);
  }
  if (d.movers.length === 0) lines.push('| – | (no device ops in either profile) | | | | | |');
  lines.push('');
  const dom = d.dominantUnchanged
    ? `Dominant op unchanged: \`${d.candidate.dominant}\` tops both profiles.`
    : `Dominant op: \`${d.champion.dominant ?? '—'}\` in the champion, \`${d.candidate.dominant ?? '—'}\` in the candidate.`;
  const unlisted = d.movers.some((m) => m.championUs === undefined || m.candidateUs === undefined);
  lines.push(unlisted ? `${dom} — = not among that profile's listed ops.` : dom);
  return lines.join('\n') + '\n';
}
