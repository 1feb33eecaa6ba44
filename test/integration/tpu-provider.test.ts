import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GcpTpuProvider } from '../../src/adapters/tpu/gcp-tpu-provider.js';
import type { TpuCreateSpec } from '../../src/ports/tpu.js';
import { RUNTIME_PORT, TpuEmulator } from '../fakes/tpu-emulator.js';
import { ResourceError } from '../../src/errors.js';
import '../fakes/tpu-fixtures.js';

// The real @google-cloud/tpu v2 client (REST) against the loopback emulator, with a fake static token.
let emu: TpuEmulator;
let provider: GcpTpuProvider;
let seq = 0;

before(async () => {
  emu = await TpuEmulator.start({ readyDelayMs: 60 });
  provider = await GcpTpuProvider.create({
    apiEndpoint: emu.endpoint,
    accessToken: 'fake-token',
    pollIntervalMs: 20,
    retries: 4,
    retryMinMs: 5,
    internalIp: false,
  });
});
afterEach(() => emu.clearFaults());
after(async () => {
  await provider.close();
  await emu.close();
});

function spec(over: Partial<TpuCreateSpec> = {}): TpuCreateSpec {
  seq += 1;
  return {
    project: 'p1',
    zone: 'us-central1-a',
    cluster: 'us-central1',
    name: `node-${seq}`,
    acceleratorType: 'v4-16',
    runtimeVersion: 'tpu-ubuntu2204-base',
    labels: { 'managed-by': 'gdnctl', 'gdnctl-owner': 'tester' },
    metadata: { 'ssh-keys': 'tester:ssh-ed25519 AAAA test' },
    ...over,
  };
}

test('create → READY → one worker per network endpoint, with the bearer token and ssh-keys metadata', async () => {
  const s = spec();
  let accepted: string | undefined;
  const out = await provider.createNode(s, { readyTimeoutMs: 5000, onAccepted: async (op) => void (accepted = op) });
  assert.equal(out.kind, 'ready');
  assert.ok(out.kind === 'ready');
  assert.equal(out.node.state, 'READY');
  assert.deepEqual(out.node.workers, [
    { index: 0, host: '127.0.0.2' },
    { index: 1, host: '127.0.0.3' },
  ]);
  assert.match(accepted ?? '', /^projects\/p1\/locations\/us-central1-a\/operations\//);
  const create = emu.requestsMatching('POST', `/nodes`).find((r) => r.query.nodeId === s.name);
  assert.ok(create, 'createNode reached the emulator');
  const body = create.body as { metadata: Record<string, string>; labels: Record<string, string>; acceleratorType: string };
  assert.equal(body.metadata['ssh-keys'], 'tester:ssh-ed25519 AAAA test');
  assert.equal(body.labels['managed-by'], 'gdnctl');
  assert.equal(body.acceleratorType, 'v4-16');
});

test('networkEndpoints[].port is the TPU runtime port and never becomes part of a worker address', async () => {
  const s = spec({ acceleratorType: 'v4-8' });
  const out = await provider.createNode(s, { readyTimeoutMs: 5000 });
  assert.ok(out.kind === 'ready');
  const raw = emu.liveNodes().find((n) => n.nodeId === s.name);
  assert.ok(raw);
  for (const w of out.node.workers) {
    assert.deepEqual(Object.keys(w).sort(), ['host', 'index'], 'a worker carries no port: ssh uses sshPort from config');
    assert.ok(!w.host.includes(String(RUNTIME_PORT)), `worker host ${w.host} must not carry the runtime port`);
  }
});

test('--internal-ip picks ipAddress', async () => {
  const emu2 = await TpuEmulator.start({ readyDelayMs: 0, workerAddress: (_n, i) => `127.0.1.${i + 10}` });
  const p2 = await GcpTpuProvider.create({ apiEndpoint: emu2.endpoint, accessToken: 't', pollIntervalMs: 10, retries: 0, retryMinMs: 1, internalIp: true });
  try {
    const out = await p2.createNode(spec({ acceleratorType: 'v4-8' }), { readyTimeoutMs: 2000 });
    assert.ok(out.kind === 'ready');
    assert.deepEqual(out.node.workers, [{ index: 0, host: '127.0.1.10' }]);
  } finally {
    await p2.close();
    await emu2.close();
  }
});

test('429 and 503 on calls are retried with backoff; the create still lands once', async () => {
  const s = spec();
  emu.failNext(503, { method: 'POST', pathIncludes: '/nodes', count: 2 });
  emu.failNext(429, { method: 'GET', pathIncludes: '/operations/', count: 1 });
  const out = await provider.createNode(s, { readyTimeoutMs: 5000 });
  assert.equal(out.kind, 'ready');
  const creates = emu.requestsMatching('POST', '/nodes').filter((r) => r.query.nodeId === s.name);
  assert.deepEqual(creates.map((r) => r.status), [503, 503, 200]);
});

test('retries give up after tpuApiRetries and surface the error as a failed create', async () => {
  const s = spec();
  emu.failNext(503, { method: 'POST', pathIncludes: '/nodes', count: 10 });
  const out = await provider.createNode(s, { readyTimeoutMs: 2000 });
  assert.equal(out.kind, 'failed');
  assert.equal(emu.requestsMatching('POST', '/nodes').filter((r) => r.query.nodeId === s.name).length, 5, '1 try + 4 retries');
  emu.clearFaults();
});

test('a capacity error in the operation is reported as capacity, not retried', async () => {
  const s = spec({ zone: 'us-east5-a' });
  emu.failCapacity('us-east5-a', 1);
  const out = await provider.createNode(s, { readyTimeoutMs: 5000 });
  assert.equal(out.kind, 'capacity');
  assert.equal(emu.requestsMatching('POST', '/us-east5-a/nodes').filter((r) => r.query.nodeId === s.name).length, 1);
});

test('ALREADY_EXISTS (HTTP 409 → code 10 over REST) returns the existing node', async () => {
  const s = spec();
  assert.equal((await provider.createNode(s, { readyTimeoutMs: 5000 })).kind, 'ready');
  const again = await provider.createNode(s, { readyTimeoutMs: 5000 });
  assert.equal(again.kind, 'already-exists');
  assert.ok(again.kind === 'already-exists' && again.node?.state === 'READY');
});

test('slow READY past the timeout is a timeout outcome', async () => {
  emu.setReadyDelay('europe-west4-a', 10_000);
  const out = await provider.createNode(spec({ zone: 'europe-west4-a' }), { readyTimeoutMs: 150 });
  assert.equal(out.kind, 'timeout');
});

test('delete waits for the operation; a missing node is not an error', async () => {
  const s = spec();
  assert.equal((await provider.createNode(s, { readyTimeoutMs: 5000 })).kind, 'ready');
  assert.deepEqual((await provider.deleteNode(s)).existed, true);
  assert.equal(await provider.getNode(s), undefined);
  assert.deepEqual(await provider.deleteNode(s), { existed: false });
});

test('queued resources: create through createQueuedResource, delete with force', async () => {
  const s = spec({ acceleratorType: 'v4-8' });
  const out = await provider.createNode(s, { readyTimeoutMs: 5000, queued: true });
  assert.equal(out.kind, 'ready');
  assert.equal(emu.requestsMatching('POST', '/queuedResources').length, 1);
  await provider.deleteNode(s, { queued: true });
  assert.equal(await provider.getNode(s), undefined);
  const del = emu.requestsMatching('DELETE', '/queuedResources/');
  assert.equal(del[0]?.query.force, 'true');
});

test('preempted state reads back as PREEMPTED (numeric enums normalised)', async () => {
  const s = spec();
  assert.equal((await provider.createNode(s, { readyTimeoutMs: 5000 })).kind, 'ready');
  emu.preempt(s.name);
  assert.equal((await provider.getNode(s))?.state, 'PREEMPTED');
  assert.equal(emu.requests.at(-1)?.query.$alt, 'json;enum-encoding=int', 'the emulator answered with numeric enums');
});

test('queued resources wait for capacity instead of failing, up to the ready timeout', async () => {
  const s = spec({ acceleratorType: 'v4-8', zone: 'asia-east1-c' });
  emu.failCapacity('asia-east1-c', 1);
  const out = await provider.createNode(s, { readyTimeoutMs: 200, queued: true });
  assert.equal(out.kind, 'timeout');
  assert.match(out.kind === 'timeout' ? out.message : '', /not ACTIVE/);
  await provider.deleteNode(s, { queued: true });
  assert.equal(emu.queuedResources.size, 0);
});

test('access errors become one-line ResourceErrors with the fix; a missing node stays "undefined"', async () => {
  const s = spec({ project: 'p-access' });
  const rejects = async (fn: () => Promise<unknown>, re: RegExp): Promise<void> =>
    assert.rejects(fn, (e: unknown) => {
      assert.ok(e instanceof ResourceError, String(e));
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'), e.message);
      return true;
    });
  emu.failNext(401, { pathIncludes: '/p-access/', message: 'Request had invalid authentication credentials.' });
  await rejects(() => provider.getNode(s), /refused the Google credentials .*expired, revoked or invalid; run "gcloud auth application-default login" again, or point GOOGLE_APPLICATION_CREDENTIALS/);
  emu.failNext(403, { pathIncludes: '/p-access/', message: "Permission 'tpu.nodes.get' denied on resource" });
  await rejects(() => provider.getNode(s), /^permission denied by the TPU API on projects\/p-access\/locations\/us-central1-a\/nodes\/node-\d+ .*roles\/tpu\.admin.*--project/);
  emu.failNext(403, { pathIncludes: '/p-access/', message: 'Cloud TPU API has not been used in project 12 before or it is disabled.', reason: 'SERVICE_DISABLED' });
  await rejects(() => provider.listNodes('p-access', 'us-central1-a', 'us-central1'), /Cloud TPU API is not enabled in project "p-access"; run "gcloud services enable tpu\.googleapis\.com --project p-access"/);
  emu.failNext(404, { pathIncludes: '/p-access/', message: "Project 'p-access' not found." });
  await rejects(() => provider.getNode(s), /^Google Cloud project "p-access" does not exist or these credentials cannot see it .*check --project/);
  // Not retried: each fault above was answered once.
  assert.equal(emu.requestsMatching('GET', '/p-access/').length, 4);
  assert.equal(await provider.getNode(s), undefined, 'a plain 404 for the node is still "no such node"');
});

test('an unknown project (403 CONSUMER_INVALID, as the API answers it) stops createNode instead of failing one cluster', async () => {
  emu.failUnknownProject('no-such-proj');
  await assert.rejects(provider.createNode(spec({ project: 'no-such-proj' }), { readyTimeoutMs: 2000 }), (e: unknown) => {
    assert.ok(e instanceof ResourceError);
    assert.match(e.message, /^Google Cloud project "no-such-proj" does not exist or these credentials cannot see it \(Permission denied on resource project no-such-proj\.\); check --project/);
    return true;
  });
});
