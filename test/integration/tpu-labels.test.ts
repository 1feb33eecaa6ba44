import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GcpTpuProvider } from '../../src/adapters/tpu/gcp-tpu-provider.js';
import type { TpuCreateSpec, TpuNodeRef } from '../../src/ports/tpu.js';
import { TpuEmulator } from '../fakes/tpu-emulator.js';
import '../fakes/tpu-fixtures.js';

// nodes.patch (the v2 client's updateNode, REST PATCH /v2/{name}?updateMask=labels) through the real client
// against the emulator, and the emulator's label rules on patch and create.
let emu: TpuEmulator;
let provider: GcpTpuProvider;
let seq = 0;

before(async () => {
  emu = await TpuEmulator.start({ readyDelayMs: 10 });
  provider = await GcpTpuProvider.create({ apiEndpoint: emu.endpoint, accessToken: 'fake-token', pollIntervalMs: 20, retries: 2, retryMinMs: 5, internalIp: false });
});
afterEach(() => emu.clearFaults());
after(async () => {
  await provider.close();
  await emu.close();
});

async function made(labels: Record<string, string> = { 'managed-by': 'gdnctl' }): Promise<TpuNodeRef> {
  seq += 1;
  const spec: TpuCreateSpec = { project: 'p1', zone: 'us-central1-a', cluster: 'us-central1', name: `lab-${seq}`, acceleratorType: 'v4-8', runtimeVersion: 'r', labels, metadata: { 'ssh-keys': 'u:k' } };
  const out = await provider.createNode(spec, { readyTimeoutMs: 5000 });
  assert.equal(out.kind, 'ready');
  return spec;
}

test('setLabels sends PATCH ?updateMask=labels, replaces the whole map, leaves metadata alone and waits for the operation', async () => {
  const ref = await made({ 'managed-by': 'gdnctl', old: 'x' });
  assert.deepEqual(await provider.setLabels(ref, { 'managed-by': 'gdnctl', 'gdnctl-pid': '42' }), { existed: true });
  const patch = emu.requestsMatching('PATCH', `/nodes/${ref.name}`);
  assert.equal(patch.length, 1);
  assert.equal(patch[0]!.path, `/v2/projects/p1/locations/us-central1-a/nodes/${ref.name}`);
  assert.equal(patch[0]!.query.updateMask, 'labels');
  assert.equal(patch[0]!.status, 200);
  assert.ok(emu.requestsMatching('GET', '/operations/').some((r) => r.at >= patch[0]!.at), 'the operation was polled');
  assert.deepEqual(emu.labelsOf(ref.name), { 'managed-by': 'gdnctl', 'gdnctl-pid': '42' }, 'the old label is gone: labels is replaced whole');
  assert.equal((await provider.getNode(ref))?.labels['gdnctl-pid'], '42');
  const live = emu.liveNodes().find((n) => n.nodeId === ref.name)!;
  assert.deepEqual(live.body.metadata, { 'ssh-keys': 'u:k' }, 'metadata, outside the mask, is untouched');
});

test('invalid labels are refused with 400 INVALID_ARGUMENT (code 3), and the node keeps its labels', async () => {
  const ref = await made();
  const bad: Array<[string, Record<string, string>]> = [
    ['uppercase key', { Owner: 'x' }],
    ['key starting with a digit', { '1x': 'y' }],
    ['empty key', { '': 'y' }],
    ['64-character key', { [`k${'a'.repeat(63)}`]: 'y' }],
    ['uppercase value', { owner: 'Alice' }],
    ['dot in value', { host: 'a.example.com' }],
    ['colon in value', { since: '2026-05-01T12:00:00Z' }],
    ['64-character value', { v: 'a'.repeat(64) }],
    ['65 labels', Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']))],
  ];
  for (const [what, labels] of bad) {
    await assert.rejects(provider.setLabels(ref, labels), (e: unknown) => {
      assert.equal((e as { code?: number }).code, 3, `${what}: ${String(e)}`);
      assert.match(String((e as Error).message), /label/, what);
      return true;
    });
  }
  assert.deepEqual(emu.labelsOf(ref.name), { 'managed-by': 'gdnctl' });
  assert.deepEqual(emu.requestsMatching('PATCH', `/nodes/${ref.name}`).map((r) => r.status), bad.map(() => 400));
  // The limits themselves are allowed: a 63-character key and value, an empty value, 64 labels.
  const edge = { [`k${'a'.repeat(62)}`]: 'v'.repeat(63), empty: '', ...Object.fromEntries(Array.from({ length: 62 }, (_, i) => [`k${i}`, 'v'])) };
  assert.deepEqual(await provider.setLabels(ref, edge), { existed: true });
  assert.deepEqual(emu.labelsOf(ref.name), edge);
});

test('create with an invalid label is refused the same way, and no node is made', async () => {
  const out = await provider.createNode(
    { project: 'p1', zone: 'us-central1-a', cluster: 'us-central1', name: 'lab-badcreate', acceleratorType: 'v4-8', runtimeVersion: 'r', labels: { Team: 'x' }, metadata: {} },
    { readyTimeoutMs: 2000 },
  );
  assert.equal(out.kind, 'failed');
  assert.ok(out.kind === 'failed');
  assert.equal(out.code, 3);
  assert.equal(emu.liveNodes().some((n) => n.nodeId === 'lab-badcreate'), false);
});

test('a patch of a missing node is not an error; an unsupported mask and a node being deleted are refused', async () => {
  assert.deepEqual(await provider.setLabels({ project: 'p1', zone: 'us-central1-a', cluster: 'x', name: 'lab-none' }, { a: 'b' }), { existed: false });
  const ref = await made();
  const res = await fetch(`${emu.endpoint}/v2/projects/p1/locations/us-central1-a/nodes/${ref.name}?updateMask=acceleratorType`, { method: 'PATCH', body: '{"acceleratorType":"v5p-8"}' });
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as { error: { status: string } }).error.status, 'INVALID_ARGUMENT');
  const noMask = await fetch(`${emu.endpoint}/v2/projects/p1/locations/us-central1-a/nodes/${ref.name}`, { method: 'PATCH', body: '{"labels":{}}' });
  assert.equal(noMask.status, 400);
  emu.deleteDelayMs = 500;
  try {
    await provider.deleteNode(ref, { wait: false });
    await assert.rejects(provider.setLabels(ref, { a: 'b' }), /is being deleted/);
  } finally {
    emu.deleteDelayMs = 20;
  }
});

test('a transient 503 on the patch is retried inside the provider', async () => {
  const ref = await made();
  emu.failNext(503, { method: 'PATCH', count: 1 });
  assert.deepEqual(await provider.setLabels(ref, { 'managed-by': 'gdnctl', x: 'y' }), { existed: true });
  assert.deepEqual(emu.requestsMatching('PATCH', `/nodes/${ref.name}`).map((r) => r.status), [503, 200]);
});
