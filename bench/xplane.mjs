#!/usr/bin/env node
// Generates an XSpace of XPLANE_MB (default 500) MB in a temp dir, streaming (one ~1 MB batch of events in memory
// at a time), decodes it into the hotspot table in a fresh node process (so generation memory does not count)
// and prints one JSON object: wall time, peak RSS, events/s, and whether the table matches what was written.
// Target (issue 12): peak RSS < 1 GB for a 500 MB file. Run: npm run bench:xplane (not part of npm test).
//
// Layout: one host plane (/host:CPU, a fifth of the bytes, which the reader must skip) and four device planes
// (/device:TPU:0..3) with Steps, XLA Modules and one large "XLA Ops" line each. Small parts are encoded with
// protobufjs from gdnctl's schema; the events of the large lines are written by hand with fixed-width varints,
// so every length is known before its bytes are written.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs/light.js';

const root = new URL('..', import.meta.url).pathname;
const { xplaneNamespace, xplaneType } = await import(join(root, 'dist/core/xplane/schema.js'));
const types = protobuf.Root.fromJSON(xplaneNamespace());
const XPlane = types.lookupType(xplaneType('XPlane'));
const XLine = types.lookupType(xplaneType('XLine'));

const targetBytes = Number(process.env.XPLANE_MB ?? 500) * 1024 * 1024;
const DEVICES = 4;
const OPS = 120;
/** One event record: 22 0d | 08 id(1) | 10 offset(5 bytes) | 18 duration(4 bytes). */
const RECORD = 15;
const eventsPerLine = Math.floor(targetBytes / (DEVICES + 1) / RECORD);

const dir = mkdtempSync(join(tmpdir(), 'gdnctl-bench-xplane-'));
const file = join(dir, 'w0.xplane.pb');

function varint(v) {
  const out = [];
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

const opOf = (i) => 1 + ((i * 31) % OPS);
// Ranges that keep the varints at a fixed width: offsets in [2^28, 2^35) take 5 bytes, durations in [2^21, 2^28) 4.
const offsetOf = (i) => 2 ** 28 + i * 1000;
const durationOf = (i) => 2 ** 21 + ((i * 7919) % 100_000_000);

function writeFixed(buf, at, v, width) {
  for (let k = 0; k < width; k++) {
    const last = k === width - 1;
    buf[at + k] = (v % 128) | (last ? 0 : 0x80);
    v = Math.floor(v / 128);
  }
  if (v !== 0) throw new Error('value does not fit its fixed width');
}

function eventBatch(from, to) {
  const buf = Buffer.allocUnsafe((to - from) * RECORD);
  let o = 0;
  for (let i = from; i < to; i++) {
    buf[o] = 0x22;
    buf[o + 1] = 0x0d;
    buf[o + 2] = 0x08;
    buf[o + 3] = opOf(i);
    buf[o + 4] = 0x10;
    writeFixed(buf, o + 5, offsetOf(i), 5);
    buf[o + 10] = 0x18;
    writeFixed(buf, o + 11, durationOf(i), 4);
    o += RECORD;
  }
  return buf;
}

const opName = (id) => (id % 10 === 0 ? `custom-call.${id}` : `fusion.${id}`);
const kernelOf = (id) => `gdn_kernel_${id % 3}`;

/** A plane: small parts by protobufjs, the big line framed by hand. Returns its length and a writer. */
function plane(id, name, bigLineName, device) {
  const head = XPlane.encode(XPlane.fromObject({ id, name })).finish();
  const small = device
    ? XPlane.encode(
        XPlane.fromObject({
          lines: [
            { id: 1, name: 'Steps', events: Array.from({ length: 20 }, (_, i) => ({ metadata_id: 200 + i, offset_ps: i, duration_ps: 5e9 })) },
            { id: 2, name: 'XLA Modules', events: Array.from({ length: 20 }, (_, i) => ({ metadata_id: 300, offset_ps: i, duration_ps: 4.9e9 })) },
          ],
        }),
      ).finish()
    : new Uint8Array();
  const lineHead = XLine.encode(XLine.fromObject({ id: 3, name: bigLineName, timestamp_ns: 1_700_000_000_000 })).finish();
  const lineLen = lineHead.length + eventsPerLine * RECORD;
  const lineFrame = Buffer.concat([Buffer.from([0x1a]), varint(lineLen)]);
  const meta = XPlane.encode(
    XPlane.fromObject({
      event_metadata: Object.fromEntries(
        Array.from({ length: OPS }, (_, k) => {
          const mid = k + 1;
          const stats = mid % 10 === 0 ? [{ metadata_id: 1, str_value: `jit(train_step)/jvp(model)/${kernelOf(mid)}/pallas_call` }] : [];
          return [mid, { id: mid, name: opName(mid), stats }];
        }),
      ),
      stat_metadata: { 1: { id: 1, name: 'tf_op' } },
    }),
  ).finish();
  const len = head.length + small.length + lineFrame.length + lineLen + meta.length;
  return {
    len,
    async write(put) {
      await put(head);
      await put(small);
      await put(lineFrame);
      await put(lineHead);
      for (let i = 0; i < eventsPerLine; i += 65536) await put(eventBatch(i, Math.min(eventsPerLine, i + 65536)));
      await put(meta);
    },
  };
}

async function generate() {
  const out = createWriteStream(file);
  let written = 0;
  const put = async (b) => {
    written += b.length;
    if (!out.write(b)) await once(out, 'drain');
  };
  const planes = [plane(100, '/host:CPU', 'python3', false), ...Array.from({ length: DEVICES }, (_, d) => plane(d + 1, `/device:TPU:${d}`, 'XLA Ops', true))];
  for (const p of planes) {
    await put(Buffer.concat([Buffer.from([0x0a]), varint(p.len)]));
    const before = written;
    await p.write(put);
    if (written - before !== p.len) throw new Error(`plane length ${written - before} != announced ${p.len}`);
  }
  await put(Buffer.from([0x22, 0x02, 0x77, 0x30]));
  out.end();
  await once(out, 'finish');
}

/** What the table must say: per-op totals over the XLA Ops lines of every device plane. */
function expected() {
  const byName = new Map();
  for (let i = 0; i < eventsPerLine; i++) {
    const id = opOf(i);
    const name = id % 10 === 0 ? kernelOf(id) : opName(id);
    byName.set(name, (byName.get(name) ?? 0) + durationOf(i) * DEVICES);
  }
  const totalPs = [...byName.values()].reduce((s, v) => s + v, 0);
  const [topName, topPs] = [...byName].sort((a, b) => b[1] - a[1])[0];
  return { totalUs: Math.round((totalPs / 1e6) * 1000) / 1000, topName, topUs: Math.round((topPs / 1e6) * 1000) / 1000 };
}

const t0 = Date.now();
await generate();
const generateMs = Date.now() - t0;
const sizeBytes = statSync(file).size;
const child = `
  const { summarizeXPlaneFile } = await import(${JSON.stringify(join(root, 'dist/adapters/profile/xplane-file.js'))});
  const t = performance.now();
  const s = await summarizeXPlaneFile(${JSON.stringify(file)}, { top: 5 });
  const ms = performance.now() - t;
  process.stdout.write(JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, events: s.events, devices: s.deviceProcesses.length, totalUs: s.totalUs, stepTimeMs: s.stepTimeMs, top: s.ops[0] }));
`;
const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8' });
rmSync(dir, { recursive: true, force: true });
if (r.status !== 0) {
  console.error(r.stderr);
  process.exit(1);
}
const res = JSON.parse(r.stdout);
const want = expected();
const deviceEvents = DEVICES * (eventsPerLine + 40);
const peakRssMb = Math.round(res.maxRssKb / 1024);
const tableOk = res.events === deviceEvents && res.devices === DEVICES && Math.abs(res.totalUs - want.totalUs) < 1 && res.top?.name === want.topName;
console.log(
  JSON.stringify({
    bench: 'xplane',
    fileMb: Math.round(sizeBytes / 1024 / 1024),
    deviceEvents,
    decodedEvents: res.events,
    generateMs,
    decodeMs: Math.round(res.ms),
    eventsPerS: Math.round(res.events / (res.ms / 1000)),
    mbPerS: Math.round(sizeBytes / 1024 / 1024 / (res.ms / 1000)),
    peakRssMb,
    targetRssMb: 1024,
    tableOk,
    ok: peakRssMb < 1024 && tableOk,
    top: res.top,
    expectedTop: { name: want.topName, totalUs: want.topUs },
    stepTimeMs: res.stepTimeMs,
  }),
);
