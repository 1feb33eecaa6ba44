import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTpuHold, providerFactory } from '../../src/adapters/tpu/tpu-hold-factory.js';
import type { LeasedTpuHold } from '../../src/adapters/tpu/tpu-hold.js';
import { withoutHolder } from '../../src/adapters/tpu/holder-labels.js';
import { ResourceError, UsageError } from '../../src/errors.js';
import type { TpuProvider } from '../../src/ports/tpu.js';
import { TpuEmulator } from '../fakes/tpu-emulator.js';
import { captureLogger, tpuConfig, tpuWorkspace, type TpuWorkspace } from '../fakes/tpu-fixtures.js';

let emu: TpuEmulator;
let ws: TpuWorkspace;
const providers: Array<() => Promise<TpuProvider>> = [];

before(async () => {
  emu = await TpuEmulator.start({ readyDelayMs: 40, deleteDelayMs: 20 });
});
after(async () => {
  for (const p of providers) await (await p()).close();
  await emu.close();
});
afterEach(() => {
  emu.clearFaults();
  ws?.cleanup();
});

async function hold(flags: Record<string, unknown>, extra: { policy?: 'required' | 'best-effort'; sleeps?: number[] } = {}) {
  ws = tpuWorkspace(emu);
  const values = tpuConfig(ws, { devTpuName: `n${Math.floor(Math.random() * 1e6)}`, ...flags });
  const { log, lines } = await captureLogger();
  const provider = providerFactory(values, log);
  providers.push(provider);
  const events: Array<{ type: string; data: Record<string, unknown> }> = [];
  const h = createTpuHold(values, {
    log,
    env: ws.env,
    provider,
    ...(extra.policy ? { policy: extra.policy } : {}),
    sleep: async (ms) => void extra.sleeps?.push(ms),
    onEvent: (type, data) => void events.push({ type, data }),
  });
  return { h, values, lines, events, name: values.devTpuName! };
}

function leases(): string[] {
  return existsSync(ws.leaseDir) ? readdirSync(ws.leaseDir) : [];
}

function creates(name: string): string[] {
  return emu.requestsMatching('POST', '/nodes').filter((r) => r.query.nodeId === name && r.status === 200).map((r) => r.path.split('/')[5]!);
}

async function release(h: LeasedTpuHold): Promise<void> {
  await h.release();
}

test('acquire: READY node with workers, labelled ours, ssh key in metadata; release deletes it and drops the lease', async () => {
  const { h, name } = await hold({});
  const node = await h.acquire();
  assert.equal(node?.state, 'READY');
  assert.equal(node?.cluster, 'us-central1');
  assert.equal(node?.zone, 'us-central1-a');
  assert.deepEqual(node?.workers, [{ index: 0, host: '127.0.0.2' }]);
  const live = emu.liveNodes().find((n) => n.nodeId === name)!;
  // Besides gdnctl's two labels, only the holder labels (docs/tpu.md "Who holds a node"), naming this process.
  const labels = live.body.labels as Record<string, string>;
  assert.deepEqual(withoutHolder(labels), { 'managed-by': 'gdnctl', 'gdnctl-owner': 'tester' });
  assert.equal(labels['gdnctl-pid'], String(process.pid));
  const pub = readFileSync(`${ws.keyFile}.pub`, 'utf8').trim();
  assert.equal((live.body.metadata as Record<string, string>)['ssh-keys'], `tester:${pub}`);
  assert.equal(live.body.runtimeVersion, 'v2-alpha-tpuv5');
  assert.deepEqual(leases(), [`test-proj-us-central1-a-${name}.json`]);
  await release(h);
  assert.equal(emu.liveNodes().some((n) => n.nodeId === name), false, 'node deleted');
  assert.deepEqual(leases(), [], 'lease removed after the delete completed');
});

test('the lease is on disk, with the operation name, before createNode returns', async () => {
  const { h, name } = await hold({ devTpuReadyTimeout: 5 });
  emu.setReadyDelay('us-central1-a', 400);
  const pending = h.acquire();
  let seen: Record<string, unknown> | undefined;
  for (let i = 0; i < 100 && !seen?.operation; i++) {
    await new Promise((r) => setTimeout(r, 10));
    const files = leases();
    if (files[0]) seen = JSON.parse(readFileSync(join(ws.leaseDir, files[0]), 'utf8'));
  }
  assert.equal(emu.liveNodes().find((n) => n.nodeId === name)?.state, 'CREATING', 'still creating while the lease exists');
  assert.match(String(seen?.operation), /operations\//);
  assert.equal(seen?.ownerPid, process.pid);
  assert.equal(seen?.node, name);
  await pending;
  await release(h);
});

test('fallback order: capacity in the primary moves on to the fallback (de-duplicated), recorded as an event', async () => {
  emu.failCapacity('us-central1-a');
  const { h, name, events } = await hold({ devTpuFallbackCluster: ['us-central1', 'us-east5-a'] });
  const node = await h.acquire();
  assert.equal(node?.cluster, 'us-east5-a');
  assert.deepEqual(creates(name), ['us-central1-a', 'us-east5-a']);
  assert.deepEqual(events.map((e) => e.type), ['tpu-allocate-failed', 'tpu-acquired']);
  assert.deepEqual(leases(), [`test-proj-us-east5-a-${name}.json`], 'the failed zone left no lease');
  await release(h);
});

test('attempts and sleeps: N passes over the clusters with the retry sleep between them, then ResourceError', async () => {
  emu.failCapacity('us-central1-a');
  emu.failCapacity('us-east5-a');
  const sleeps: number[] = [];
  const { h, name } = await hold({ devTpuFallbackCluster: ['us-east5-a'], devTpuAllocateAttempts: 3, devTpuAllocateRetrySleep: 7 }, { sleeps });
  await assert.rejects(h.acquire(), (e: unknown) => e instanceof ResourceError && /us-east5-a/.test(e.message));
  assert.deepEqual(creates(name), ['us-central1-a', 'us-east5-a', 'us-central1-a', 'us-east5-a', 'us-central1-a', 'us-east5-a']);
  assert.deepEqual(sleeps, [7000, 7000]);
  assert.deepEqual(leases(), []);
});

test('best-effort: no capacity anywhere → warn and run without a TPU', async () => {
  emu.failCapacity('us-central1-a');
  const { h, lines } = await hold({}, { policy: 'best-effort' });
  assert.equal(await h.acquire(), undefined);
  assert.ok(lines().some((l) => /continuing without a held TPU/.test(l.msg)));
});

test('a second pass succeeds once capacity frees up', async () => {
  emu.failCapacity('us-central1-a', 1);
  const sleeps: number[] = [];
  const { h, name } = await hold({ devTpuAllocateAttempts: 2, devTpuAllocateRetrySleep: 1 }, { sleeps });
  assert.equal((await h.acquire())?.state, 'READY');
  assert.deepEqual(creates(name), ['us-central1-a', 'us-central1-a']);
  assert.deepEqual(sleeps, [1000]);
  await release(h);
});

test('ALREADY_EXISTS: our READY node is reused without a second create', async () => {
  const first = await hold({});
  await first.h.acquire();
  const { name } = first;
  const values = tpuConfig(ws, { devTpuName: name });
  const { log } = await captureLogger();
  const provider = providerFactory(values, log);
  providers.push(provider);
  // Same owner, no lease (e.g. created by another checkout): the create hits 409 and the node is reused.
  const second = createTpuHold({ ...values, logDir: join(ws.dir, 'other-logs') } as typeof values, { log, env: ws.env, provider });
  const node = await second.acquire();
  assert.equal(node?.name, name);
  assert.equal(emu.requestsMatching('POST', '/nodes').filter((r) => r.query.nodeId === name && r.status === 409).length, 1);
  assert.equal(creates(name).length, 1);
  await release(second);
});

test('ALREADY_EXISTS: a node that is not ours is refused with a clear error, never deleted', async () => {
  const { h, name } = await hold({});
  const provider = await providerFactory(tpuConfig(ws, {}), undefined)();
  await provider.createNode(
    { project: 'test-proj', zone: 'us-central1-a', cluster: 'x', name, acceleratorType: 'v4-8', runtimeVersion: 'r', labels: { team: 'other' }, metadata: {} },
    { readyTimeoutMs: 2000 },
  );
  await assert.rejects(h.acquire(), (e: unknown) => e instanceof ResourceError && /not gdnctl's/.test(e.message));
  assert.equal(emu.liveNodes().find((n) => n.nodeId === name)?.state, 'READY', 'the foreign node is untouched');
  assert.deepEqual(leases(), []);
  await provider.deleteNode({ project: 'test-proj', zone: 'us-central1-a', cluster: 'x', name });
  await provider.close();
});

test('preemption → ensureAlive deletes the remains and re-acquires, recording both', async () => {
  const { h, name, events } = await hold({});
  await h.acquire();
  assert.deepEqual(await h.ensureAlive().then((r) => r.reacquired), false);
  emu.preempt(name);
  const r = await h.ensureAlive();
  assert.equal(r.reacquired, true);
  assert.equal(r.node?.state, 'READY');
  assert.equal(emu.requestsMatching('DELETE', `/nodes/${name}`).length, 1, 'the preempted node was deleted first');
  assert.equal(creates(name).length, 2);
  assert.deepEqual(
    events.map((e) => e.type),
    ['tpu-acquired', 'tpu-lost', 'tpu-acquired', 'tpu-reacquired'],
  );
  assert.equal(leases().length, 1);
  await release(h);
});

test('a node deleted behind our back counts as missing and is re-created', async () => {
  const { h, name } = await hold({});
  await h.acquire();
  const provider = await providerFactory(tpuConfig(ws, {}))();
  await provider.deleteNode({ project: 'test-proj', zone: 'us-central1-a', cluster: 'us-central1', name });
  await provider.close();
  const r = await h.ensureAlive();
  assert.equal(r.reacquired, true);
  assert.equal(r.node?.state, 'READY');
  await release(h);
});

test('release with hurry sends the delete without waiting and records the operation in the lease', async () => {
  emu.deleteDelayMs = 300;
  try {
    const { h, name } = await hold({});
    await h.acquire();
    await h.release({ hurry: true });
    const lease = JSON.parse(readFileSync(join(ws.leaseDir, leases()[0]!), 'utf8')) as Record<string, unknown>;
    assert.equal(lease.phase, 'releasing');
    assert.match(String(lease.deleteOperation), /operations\//);
    assert.equal(emu.liveNodes().find((n) => n.nodeId === name)?.state, 'DELETING');
    // The next holder of the name waits for that delete (no second delete), then creates afresh.
    const { log } = await captureLogger();
    const values = tpuConfig(ws, { devTpuName: name });
    const next = createTpuHold(values, { log, env: ws.env, provider: providers.at(-1)! });
    assert.equal((await next.acquire())?.state, 'READY');
    assert.equal(emu.requestsMatching('DELETE', `/nodes/${name}`).length, 1);
    assert.equal(creates(name).length, 2);
    await next.release();
    assert.deepEqual(leases(), []);
  } finally {
    emu.deleteDelayMs = 20;
  }
});

test('--keep-dev-tpu skips the delete on purpose and keeps the lease', async () => {
  const { h, name } = await hold({ keepDevTpu: true });
  await h.acquire();
  await h.release();
  assert.equal(emu.liveNodes().find((n) => n.nodeId === name)?.state, 'READY');
  assert.equal(JSON.parse(readFileSync(join(ws.leaseDir, leases()[0]!), 'utf8')).kept, true);
  const provider = await providerFactory(tpuConfig(ws, {}))();
  await provider.deleteNode({ project: 'test-proj', zone: 'us-central1-a', cluster: 'us-central1', name });
  await provider.close();
});

test('a lease held by a live process refuses a second holder (exit 2)', async () => {
  const { h, name } = await hold({});
  mkdirSync(ws.leaseDir, { recursive: true });
  const file = join(ws.leaseDir, `test-proj-us-central1-a-${name}.json`);
  const { hostname } = await import('node:os');
  writeFileSync(file, JSON.stringify({ schemaVersion: 1, project: 'test-proj', zone: 'us-central1-a', cluster: 'us-central1', node: name, ownerPid: process.ppid, ownerHost: hostname(), phase: 'held', owner: 'tester', createdAt: '', updatedAt: '' }));
  await assert.rejects(h.acquire(), (e: unknown) => e instanceof UsageError && /held by pid/.test(e.message));
  assert.deepEqual(creates(name), []);
});

test('setup runs once on the READY node; a failing setup releases the node', async () => {
  ws = tpuWorkspace(emu);
  const values = tpuConfig(ws, { devTpuName: 'setup-node', devTpuSetup: 'uv sync --extra=tpu' });
  const { log } = await captureLogger();
  const provider = providerFactory(values, log);
  providers.push(provider);
  const ran: string[] = [];
  const h = createTpuHold(values, {
    log,
    env: ws.env,
    provider,
    runSetup: async (node, cmd) => {
      ran.push(`${node.name}:${node.workers.length}:${cmd}`);
      return { ok: false, detail: 'worker 0 exited 1' };
    },
  });
  await assert.rejects(h.acquire(), /setup failed: worker 0 exited 1/);
  assert.deepEqual(ran, ['setup-node:1:uv sync --extra=tpu']);
  assert.equal(emu.liveNodes().some((n) => n.nodeId === 'setup-node'), false, 'the node was released');
  assert.deepEqual(leases(), []);
});

test('an access error stops the hold with exit-4 ResourceError even under best-effort, and leaves no lease behind', async () => {
  for (const policy of ['required', 'best-effort'] as const) {
    const { h, name } = await hold({ project: 'gone-proj', devTpuFallbackCluster: ['us-east5-a'] }, { policy });
    emu.failUnknownProject('gone-proj');
    await assert.rejects(h.acquire(), (e: unknown) => {
      assert.ok(e instanceof ResourceError, String(e));
      assert.match(e.message, /project "gone-proj" does not exist or these credentials cannot see it/);
      return true;
    });
    assert.deepEqual(leases(), [], policy);
    assert.deepEqual(creates(name), [], `${policy}: nothing was created`);
    const tried = emu.requestsMatching('POST', '/gone-proj/').filter((r) => r.query.nodeId === name);
    assert.deepEqual(tried.map((r) => r.status), [403], `${policy}: one refused create, the fallback cluster not tried`);
    await h.release();
    emu.clearFaults();
    ws.cleanup();
  }
});
