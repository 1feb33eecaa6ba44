import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { hotspotsMarkdown } from '../../src/core/hotspots.js';
import { summarizeTrace } from '../../src/adapters/profile/trace-file.js';
import { TraceEventScanner } from '../../src/core/trace-event-scanner.js';

const dir = mkdtempSync(join(tmpdir(), 'gdnctl-trace-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A small JAX-like trace: a host process, one TPU device with Steps / XLA Modules / XLA Ops threads. */
function trace(metadataLast = false): string {
  const meta = [
    { ph: 'M', name: 'process_name', pid: 1, args: { name: '/host:CPU' } },
    { ph: 'M', name: 'process_name', pid: 7, args: { name: '/device:TPU:0' } },
    { ph: 'M', name: 'thread_name', pid: 7, tid: 1, args: { name: 'Steps' } },
    { ph: 'M', name: 'thread_name', pid: 7, tid: 2, args: { name: 'XLA Modules' } },
    { ph: 'M', name: 'thread_name', pid: 7, tid: 3, args: { name: 'XLA Ops' } },
  ];
  const ev = [
    { ph: 'X', pid: 7, tid: 1, name: '0', ts: 0, dur: 1000 },
    { ph: 'X', pid: 7, tid: 1, name: '1', ts: 1000, dur: 3000 },
    { ph: 'X', pid: 7, tid: 2, name: 'jit_train_step', ts: 0, dur: 3900 },
    { ph: 'X', pid: 7, tid: 3, name: 'fusion.1 {"odd": [name]}', ts: 0, dur: 600 },
    { ph: 'X', pid: 7, tid: 3, name: 'gdn_chunk_fwd', ts: 600, dur: 1500.5 },
    { ph: 'X', pid: 7, tid: 3, name: 'gdn_chunk_fwd', ts: 2100, dur: 1499.5 },
    { ph: 'X', pid: 7, tid: 3, name: 'copy "q\\"uoted"', ts: 3600, dur: 400, args: { long_name: 'x}]{['.repeat(50) } },
    { ph: 'X', pid: 1, tid: 9, name: 'host_only_op', ts: 0, dur: 99999 },
    { ph: 'B', pid: 7, tid: 3, name: 'ignored_begin', ts: 0 },
    { ph: 'i', pid: 7, tid: 3, name: 'instant', ts: 5 },
  ];
  const events = metadataLast ? [...ev, ...meta] : [...meta, ...ev];
  return JSON.stringify({ displayTimeUnit: 'ns', metadata: { traceEvents: 'decoy' }, traceEvents: events, otherData: { a: [1, { b: 2 }] } });
}

test('sums X events on TPU device ops threads by name (plain JSON)', async () => {
  const f = join(dir, 'plain.trace.json');
  writeFileSync(f, trace());
  const s = await summarizeTrace(f, { top: 10 });
  assert.deepEqual(s.deviceProcesses, [{ pid: 7, name: '/device:TPU:0' }]);
  assert.deepEqual(s.countedThreads, ['XLA Ops']);
  assert.equal(s.totalUs, 4000);
  assert.deepEqual(
    s.ops.map((o) => [o.name, o.totalUs, o.count, o.share]),
    [
      ['gdn_chunk_fwd', 3000, 2, 0.75],
      ['fusion.1 {"odd": [name]}', 600, 1, 0.15],
      ['copy "q\\"uoted"', 400, 1, 0.1],
    ],
  );
  assert.equal(s.stepTimeMs, 2);
  assert.equal(s.events, 15);
});

test('gzip input and metadata after the events give the same answer; top limits the list', async () => {
  const f = join(dir, 'perfetto_trace.json.gz');
  writeFileSync(f, gzipSync(trace(true)));
  const s = await summarizeTrace(f, { top: 1 });
  assert.equal(s.totalUs, 4000);
  assert.deepEqual(s.ops.map((o) => o.name), ['gdn_chunk_fwd']);
  assert.equal(s.distinctOps, 3);
  const md = hotspotsMarkdown(s);
  assert.match(md, /\| 1 \| `gdn_chunk_fwd` \| 3\.000 \| 2 \| 75\.0% \|/);
});

test('a device without an "XLA Ops" thread counts all its threads; a bare array trace works', async () => {
  const f = join(dir, 'bare.json');
  writeFileSync(
    f,
    JSON.stringify([
      { ph: 'M', name: 'process_name', pid: 2, args: { name: 'TPU:0' } },
      { ph: 'X', pid: 2, tid: 5, name: 'a', dur: 10 },
      { ph: 'X', pid: 2, tid: 6, name: 'a', dur: 5 },
      { ph: 'X', pid: 3, tid: 6, name: 'b', dur: 500 },
    ]),
  );
  const s = await summarizeTrace(f);
  assert.deepEqual(s.ops.map((o) => [o.name, o.totalUs, o.count]), [['a', 15, 2]]);
});

test('not a trace is an error, not an empty table', async () => {
  const f = join(dir, 'nope.json');
  writeFileSync(f, JSON.stringify({ hello: 'world' }));
  await assert.rejects(summarizeTrace(f), /not a Chrome trace-event JSON file/);
});

test('scanner: events split at every byte boundary parse the same', () => {
  const text = Buffer.from(trace());
  const whole: unknown[] = [];
  new TraceEventScanner((e) => whole.push(e)).push(text);
  const pieces: unknown[] = [];
  const sc = new TraceEventScanner((e) => pieces.push(e));
  for (let i = 0; i < text.length; i += 7) sc.push(text.subarray(i, Math.min(text.length, i + 7)));
  assert.equal(whole.length, 15);
  assert.deepEqual(pieces, whole);
});

test('shallowEvent reads the same fields JSON.parse does', async () => {
  const { shallowEvent } = await import('../../src/core/trace-event-scanner.js');
  const events = [
    { ph: 'X', name: 'a\\"b\\u00e9 \\n', pid: -3, tid: 12, dur: 1.5e3, ts: 1.25, args: { name: 'nested', x: [1, { y: '}' }] } },
    { name: 'ünïcødé op', dur: 0.001, ph: 'X', pid: 7, tid: 0, cat: 'Op', s: null, flag: true },
    { ph: 'M', name: 'process_name', pid: 4, args: { name: '/device:TPU:1' } },
    { ph: 'X', pid: '9', tid: 'main', name: 'str ids', dur: 123456789012 },
  ];
  for (const e of events) {
    const text = JSON.stringify(e, null, e.ph === 'M' ? 2 : 0);
    const got = shallowEvent(Buffer.from(text))!;
    for (const k of ['ph', 'name', 'pid', 'tid', 'dur'] as const) assert.deepEqual(got[k], (e as Record<string, unknown>)[k], `${k} of ${text}`);
    if (e.ph === 'M') assert.deepEqual(got.args, e.args);
  }
  assert.equal(shallowEvent(Buffer.from('{"ph":"X", "name": "unterminated}')), undefined);
  assert.equal(shallowEvent(Buffer.from('{"ph" "X"}')), undefined);
});
