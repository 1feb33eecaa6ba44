import { TraceEventScanner } from './trace-event-scanner.js';

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
    .sort((x, y) => y.totalUs - x.totalUs || x.name.localeCompare(y.name))
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
