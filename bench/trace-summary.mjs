#!/usr/bin/env node
// Generates a Chrome trace of TRACE_MB (default 500) MB uncompressed in a temp dir, summarises it in a fresh
// node process (so generation memory does not count) and prints one JSON object: time, peak RSS, the top op.
// Target (issue 5): peak RSS < 1 GB for a 500 MB trace. Run: npm run bench:trace-summary
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';

const root = new URL('..', import.meta.url).pathname;
const targetBytes = Number(process.env.TRACE_MB ?? 500) * 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'gdnctl-bench-trace-'));
const file = join(dir, 'big.trace.json');

async function generate() {
  const out = createWriteStream(file);
  const write = async (s) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write('{"displayTimeUnit":"ns","traceEvents":[\n');
  const meta = [
    { ph: 'M', name: 'process_name', pid: 1, args: { name: '/host:CPU' } },
    ...[0, 1, 2, 3].map((d) => ({ ph: 'M', name: 'process_name', pid: 10 + d, args: { name: `/device:TPU:${d}` } })),
    ...[0, 1, 2, 3].map((d) => ({ ph: 'M', name: 'thread_name', pid: 10 + d, tid: 3, args: { name: 'XLA Ops' } })),
  ];
  await write(meta.map((m) => JSON.stringify(m)).join(',\n'));
  const ops = Array.from({ length: 400 }, (_, i) => `fusion.${i}`).concat(['gdn_chunk_fwd', 'gdn_chunk_bwd', 'all-reduce.1', 'copy.7']);
  let written = 0;
  let ts = 0;
  let batch = [];
  let n = 0;
  while (written < targetBytes) {
    const pid = n % 5 === 0 ? 1 : 10 + (n % 4);
    const name = ops[(n * 7919) % ops.length];
    const dur = 1 + ((n * 31) % 997) / 10;
    const ev = `{"ph":"X","pid":${pid},"tid":3,"name":"${name}","ts":${ts},"dur":${dur},"args":{"long_name":"${name}.${n % 1000}","flops":"${n % 100000}"}}`;
    ts += 2;
    n++;
    batch.push(ev);
    if (batch.length === 10000) {
      const s = ',\n' + batch.join(',\n');
      written += s.length;
      await write(s);
      batch = [];
    }
  }
  if (batch.length) await write(',\n' + batch.join(',\n'));
  await write('\n]}\n');
  out.end();
  await once(out, 'finish');
  return n;
}

const t0 = Date.now();
const generated = await generate();
const genMs = Date.now() - t0;
const child = `
  const { summarizeTrace } = await import(${JSON.stringify(join(root, 'dist/adapters/profile/trace-file.js'))});
  const t = performance.now();
  const s = await summarizeTrace(${JSON.stringify(file)}, { top: 5 });
  const ms = performance.now() - t;
  process.stdout.write(JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, events: s.events, totalUs: s.totalUs, top: s.ops[0] }));
`;
const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8' });
const sizeBytes = statSync(file).size;
rmSync(dir, { recursive: true, force: true });
if (r.status !== 0) {
  console.error(r.stderr);
  process.exit(1);
}
const res = JSON.parse(r.stdout);
const peakRssMb = Math.round(res.maxRssKb / 1024);
console.log(
  JSON.stringify({
    bench: 'trace-summary',
    traceMb: Math.round(sizeBytes / 1024 / 1024),
    generatedEvents: generated,
    parsedEvents: res.events,
    generateMs: genMs,
    summarizeMs: Math.round(res.ms),
    mbPerS: Math.round(sizeBytes / 1024 / 1024 / (res.ms / 1000)),
    peakRssMb,
    targetRssMb: 1024,
    ok: peakRssMb < 1024 && res.events >= generated,
    top: res.top,
  }),
);
