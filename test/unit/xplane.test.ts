import { test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs/light.js';
import { summarizeXSpace, XSpaceHotspots } from '../../src/core/xplane/xspace-hotspots.js';
import { CorruptProtobufError } from '../../src/core/xplane/wire-stream.js';
import { opName, pallasKernelFromNameStack } from '../../src/core/xplane/kernel-name.js';
import { FIELD, xplaneNamespace, xplaneType } from '../../src/core/xplane/schema.js';
import { GOLDEN_SIZES, GOLDEN_XSPACE } from '../fixtures/xspace-golden.js';
import { encodeXSpace, type PlaneSpec } from '../helpers/xspace-writer.js';

const table = (s: { ops: Array<{ name: string; totalUs: number; count: number; share: number }> }) => s.ops.map((o) => [o.name, o.totalUs, o.count, o.share]);

test('golden: the hand-encoded XSpace gives the expected table (device plane only, Pallas kernel named, 64-bit step)', () => {
  assert.equal(GOLDEN_XSPACE.length, GOLDEN_SIZES.total, 'the hand-counted lengths add up');
  const s = summarizeXSpace(GOLDEN_XSPACE, 'golden.xplane.pb');
  assert.deepEqual(s.deviceProcesses, [{ pid: 2, name: '/device:TPU:0' }]);
  assert.deepEqual(s.countedThreads, ['XLA Ops']);
  assert.deepEqual(table(s), [
    ['fusion.1', 4, 2, 0.7273],
    ['gdn_chunk_fwd', 1.5, 1, 0.2727],
  ]);
  assert.equal(s.totalUs, 5.5);
  assert.equal(s.stepTimeMs, 5);
  assert.equal(s.events, 4, 'the host plane is not walked');
});

test('golden: protobufjs reads the hand-encoded bytes with the schema the same way (the schema has the right numbers)', () => {
  const XSpace = protobuf.Root.fromJSON(xplaneNamespace()).lookupType(xplaneType('XSpace'));
  const o = XSpace.toObject(XSpace.decode(GOLDEN_XSPACE), { longs: Number }) as {
    planes: Array<{ id: number; name: string; lines: Array<{ name: string; events: Array<{ metadata_id: number; offset_ps?: number; duration_ps: number }> }> }>;
    hostnames: string[];
  };
  assert.deepEqual(o.hostnames, ['w0']);
  assert.deepEqual(o.planes.map((p) => [p.id, p.name]), [[1, '/host:CPU'], [2, '/device:TPU:0']]);
  assert.deepEqual(o.planes[1]!.lines.map((l) => l.name), ['Steps', 'XLA Ops']);
  assert.deepEqual(o.planes[1]!.lines[1]!.events.map((e) => [e.metadata_id, e.duration_ps]), [[2, 3_000_000], [3, 1_500_000], [2, 1_000_000]]);
  assert.equal(o.planes[1]!.lines[1]!.events[1]!.offset_ps, 3_000_000);
  assert.equal(o.planes[1]!.lines[0]!.events[0]!.duration_ps, 5_000_000_000);
});

test('the field numbers match the public XPlane format', () => {
  assert.deepEqual(FIELD.XSpace, { planes: 1, errors: 2, warnings: 3, hostnames: 4 });
  assert.deepEqual(FIELD.XPlane, { id: 1, name: 2, lines: 3, event_metadata: 4, stat_metadata: 5, stats: 6 });
  assert.deepEqual(FIELD.XLine, { id: 1, name: 2, timestamp_ns: 3, events: 4, duration_ps: 9, display_id: 10, display_name: 11 });
  assert.deepEqual(FIELD.XEvent, { metadata_id: 1, offset_ps: 2, num_occurrences: 5, duration_ps: 3, stats: 4 });
  assert.deepEqual(FIELD.XStat, { metadata_id: 1, double_value: 2, uint64_value: 3, int64_value: 4, str_value: 5, bytes_value: 6, ref_value: 7 });
  assert.deepEqual(FIELD.XEventMetadata, { id: 1, name: 2, metadata: 3, display_name: 4, stats: 5, child_id: 6 });
  assert.deepEqual(FIELD.XStatMetadata, { id: 1, name: 2, description: 3 });
});

/** Two TPU cores and a busy host: the shape of a JAX profile of a training step. */
function realistic(): PlaneSpec[] {
  const us = 1e6;
  const core = (id: number, name: string, scale: number): PlaneSpec => ({
    id,
    name,
    statNames: { 1: 'tf_op', 2: 'long_name', 3: 'flops', 4: 'hlo_category', 5: 'convolution' },
    ops: {
      1: { name: 'jit_train_step' },
      2: { name: '%fusion.12 = bf16[8,128]{1,0} fusion(...)', displayName: 'fusion.12', stats: [{ stat: 4, ref: 5 }, { stat: 3, int: 123456 }] },
      3: { name: 'custom-call.3', stats: [{ stat: 1, str: 'jit(train_step)/jvp(model)/gdn_chunk_fwd/pallas_call' }] },
      4: { name: 'custom-call.4', stats: [{ stat: 2, str: '%custom-call.4 = f32[8] custom-call(%p), custom_call_target="tpu_custom_call", metadata={op_name="jit(train_step)/transpose(jvp(model))/gdn_chunk_bwd/pallas_call"}' }] },
      5: { name: 'custom-call.5', stats: [{ stat: 1, str: 'jit(train_step)/sharding_constraint' }] },
      6: { name: 'all-reduce.1' },
      7: { name: '7' },
      8: { name: '8' },
    },
    lines: [
      { name: 'Steps', events: [{ op: 7, durPs: 2000 * us * scale }, { op: 8, durPs: 3000 * us * scale }] },
      { name: 'XLA Modules', events: [{ op: 1, durPs: 4900 * us * scale }] },
      {
        name: 'XLA Ops',
        events: [
          { op: 2, durPs: 600 * us * scale, offsetPs: 10 },
          { op: 3, durPs: 1500 * us * scale },
          { op: 3, durPs: 1500 * us * scale },
          { op: 4, durPs: 900 * us * scale },
          { op: 5, durPs: 100 * us * scale },
          { op: 6, durPs: 400 * us * scale, occurrences: 4 },
        ],
      },
    ],
  });
  return [
    { id: 100, name: '/host:CPU', ops: { 1: { name: 'PjitFunction(train_step)' } }, lines: [{ name: 'python3', events: Array.from({ length: 50 }, () => ({ op: 1, durPs: 9e9 })) }] },
    core(1, '/device:TPU:0', 1),
    core(2, '/device:TPU:1', 1),
    { id: 101, name: '/host:metadata', ops: {}, lines: [] },
  ];
}

test('a protobufjs-written XSpace: cores summed, nesting not double counted, custom calls renamed after their Pallas kernel', () => {
  const s = summarizeXSpace(encodeXSpace(realistic()), 'w0.xplane.pb', { top: 10 });
  assert.deepEqual(s.deviceProcesses, [{ pid: 1, name: '/device:TPU:0' }, { pid: 2, name: '/device:TPU:1' }]);
  assert.deepEqual(s.countedThreads, ['XLA Ops']);
  assert.equal(s.totalUs, 2 * 5000);
  assert.deepEqual(table(s), [
    ['gdn_chunk_fwd', 6000, 4, 0.6],
    ['gdn_chunk_bwd', 1800, 2, 0.18],
    ['fusion.12', 1200, 2, 0.12],
    ['all-reduce.1', 800, 8, 0.08],
    ['custom-call.5', 200, 2, 0.02],
  ]);
  assert.equal(s.stepTimeMs, 2.5);
  assert.equal(s.distinctOps, 5);
  assert.equal(s.events, 2 * 9);
});

test('fed in chunks of any size the table is the same (headers and events split across chunks)', () => {
  const bytes = encodeXSpace(realistic());
  const whole = summarizeXSpace(bytes, 'x');
  for (const size of [1, 2, 3, 7, 19, 64, 1000]) {
    const w = new XSpaceHotspots();
    for (let i = 0; i < bytes.length; i += size) w.push(bytes.subarray(i, i + size));
    assert.deepEqual(w.finish('x'), whole, `chunks of ${size}`);
  }
});

test('a plane whose name comes after its lines is still judged by its name', () => {
  const planes = realistic().map((p) => ({ ...p, nameLast: true }));
  const s = summarizeXSpace(encodeXSpace(planes), 'x', { top: 10 });
  assert.equal(s.totalUs, 10000);
  assert.equal(s.deviceProcesses.length, 2);
});

test('a device plane without an "XLA Ops" line counts all its lines, like the JSON path', () => {
  const s = summarizeXSpace(
    encodeXSpace([{ id: 3, name: '/device:TPU:0', ops: { 1: { name: 'a' } }, lines: [{ name: 'x', events: [{ op: 1, durPs: 10e6 }] }, { name: 'y', events: [{ op: 1, durPs: 5e6 }] }] }]),
    'x',
  );
  assert.deepEqual(table(s), [['a', 15, 2, 1]]);
  assert.deepEqual(s.countedThreads, ['x', 'y']);
});

test('truncated, corrupt or empty input: an error or an empty table, never a partial one', () => {
  const bytes = encodeXSpace(realistic());
  for (const cut of [1, 10, bytes.length - 1, Math.floor(bytes.length / 2)]) {
    assert.throws(() => summarizeXSpace(bytes.subarray(0, cut), 'x'), CorruptProtobufError, `cut at ${cut}`);
  }
  assert.throws(() => summarizeXSpace(Buffer.from('xplane\n'), 'x'), CorruptProtobufError);
  assert.throws(() => summarizeXSpace(Buffer.from('{"traceEvents":[]}'), 'x'), CorruptProtobufError);
  // An event whose duration varint never ends, inside well-framed messages.
  const badEvent = [0x18, 0xff, 0xff];
  const badLine = [0x22, badEvent.length, ...badEvent];
  const badPlane = [0x12, 0x0d, ...Buffer.from('/device:TPU:0'), 0x1a, badLine.length, ...badLine];
  assert.throws(() => summarizeXSpace(Uint8Array.from([0x0a, badPlane.length, ...badPlane]), 'x'), (e: unknown) => e instanceof CorruptProtobufError && /bad message at byte 21: varint runs past/.test(e.message));
  // A plane claiming 4 GB whose name claims 256 MB: refused before anything that size is allocated.
  assert.throws(() => summarizeXSpace(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0xff, 0xff, 0xff, 0x7f]), 'x'), /field 2 at byte 6 claims 268435455 bytes/);
  const empty = summarizeXSpace(new Uint8Array(), 'x');
  assert.deepEqual([empty.deviceProcesses, empty.ops, empty.totalUs], [[], [], 0]);
});

test('kernel names: from kernel_name, tf_op or the HLO op_name; other custom calls keep their HLO name', () => {
  assert.equal(opName({ name: 'custom-call.9', displayName: '', stats: [['kernel_name', 'flash_fwd']] }), 'flash_fwd');
  assert.equal(opName({ name: '%custom-call.9 = f32[] custom-call(), metadata={op_name="jit(f)/k1/pallas_call"}', displayName: 'custom-call.9', stats: [] }), 'k1');
  assert.equal(opName({ name: 'gdn_fwd.1', displayName: '', stats: [['tf_op', 'jit(f)/other/pallas_call']] }), 'gdn_fwd.1', 'a kernel XLA already named keeps its name');
  assert.equal(opName({ name: 'fusion.3', displayName: 'fusion.3', stats: [] }), 'fusion.3');
  assert.equal(pallasKernelFromNameStack('jit(f)/jvp(g)/my_kernel/pallas_call'), 'my_kernel');
  assert.equal(pallasKernelFromNameStack('jit(f)/pallas_call[name=attn_bwd grid=(2,)]'), 'attn_bwd');
  assert.equal(pallasKernelFromNameStack('jit(f)/pallas_call'), undefined, 'no kernel name in the stack');
  assert.equal(pallasKernelFromNameStack('jit(f)/dot_general'), undefined);
  assert.equal(pallasKernelFromNameStack('jit(f)/k/pallas_call:CustomCall'), 'k');
});
