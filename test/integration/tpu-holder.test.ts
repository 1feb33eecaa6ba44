import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { checkoutHash, encodeTime, hostLabel } from '../../src/adapters/tpu/holder-labels.js';
import { checkoutOf, createTpuHold, providerFactory } from '../../src/adapters/tpu/tpu-hold-factory.js';
import type { LeasedTpuHold } from '../../src/adapters/tpu/tpu-hold.js';
import type { HolderIdentity } from '../../src/adapters/tpu/tpu-holder.js';
import { processStartTime } from '../../src/adapters/process/liveness.js';
import { ResourceError } from '../../src/errors.js';
import type { TpuProvider } from '../../src/ports/tpu.js';
import { runProgram } from '../helpers/cli.js';
import { TpuEmulator } from '../fakes/tpu-emulator.js';
import { captureLogger, tpuConfig, tpuWorkspace, type TpuWorkspace } from '../fakes/tpu-fixtures.js';

// Two checkouts (two temp repositories) with the same node name, through TpuHold in process. The first holder
// stands in for another process (a live `sleep` child's pid and start time) or another host (its host label).
let emu: TpuEmulator;
const workspaces: TpuWorkspace[] = [];
const providers: Array<() => Promise<TpuProvider>> = [];
const children: ChildProcess[] = [];
const HERE = hostLabel(hostname());

before(async () => {
  emu = await TpuEmulator.start({ readyDelayMs: 30, deleteDelayMs: 20 });
});
after(async () => {
  for (const p of providers) await (await p()).close();
  for (const c of children) c.kill('SIGKILL');
  await emu.close();
});
afterEach(() => {
  emu.clearFaults();
  for (const w of workspaces.splice(0)) w.cleanup();
});

async function checkout(name: string, flags: Record<string, unknown> = {}, opts: { self?: HolderIdentity; env?: NodeJS.ProcessEnv; ws?: TpuWorkspace } = {}) {
  const ws = opts.ws ?? tpuWorkspace(emu, opts.env);
  if (!opts.ws) workspaces.push(ws);
  const values = tpuConfig(ws, { devTpuName: name, ...flags });
  const { log, lines } = await captureLogger();
  const provider = providerFactory(values, log);
  providers.push(provider);
  const hold = createTpuHold(values, { log, env: ws.env, provider, ...(opts.self ? { holderSelf: opts.self } : {}) });
  return { ws, hold, lines, checkout: checkoutOf(ws.dir) };
}

/** A live process on this host to stand in for the first checkout's holder. */
async function liveProcess(): Promise<{ identity: HolderIdentity; kill: () => Promise<void> }> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((r) => child.once('spawn', r));
  const pid = child.pid!;
  return {
    identity: { host: HERE, pid, pidStart: processStartTime(pid) },
    kill: async () => {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

const creates = (name: string): number[] => emu.requestsMatching('POST', '/nodes').filter((r) => r.query.nodeId === name).map((r) => r.status);
const deletes = (name: string): number => emu.requestsMatching('DELETE', `/nodes/${name}`).length;
const leases = (ws: TpuWorkspace): string[] => (existsSync(ws.leaseDir) ? readdirSync(ws.leaseDir) : []);

async function refused(hold: LeasedTpuHold, re: RegExp): Promise<void> {
  await assert.rejects(hold.acquire(), (e: unknown) => {
    assert.ok(e instanceof ResourceError, String(e));
    assert.doesNotMatch(e.message, /\n/, 'one line');
    assert.match(e.message, re);
    return true;
  });
}

test('same host: a second checkout refuses the node a live process of the first holds (exit 4 naming it), and takes it once that process is gone', async () => {
  const other = await liveProcess();
  const a = await checkout('shared-a', {}, { self: other.identity });
  const node = await a.hold.acquire();
  assert.equal(node?.state, 'READY');
  const labels = emu.labelsOf('shared-a')!;
  assert.equal(labels['gdnctl-pid'], String(other.identity.pid));
  assert.equal(labels['gdnctl-checkout'], a.checkout);
  assert.equal(labels['gdnctl-host'], HERE);

  const b = await checkout('shared-a');
  assert.notEqual(b.checkout, a.checkout, 'two checkouts, two hashes');
  await refused(b.hold, new RegExp(`^TPU shared-a in us-central1-a is held by pid ${other.identity.pid} on ${hostname().toLowerCase()} \\(checkout ${a.checkout}\\) since \\S+Z, which is alive; stop that process`));
  assert.deepEqual(creates('shared-a'), [200, 409], 'one create, then ALREADY_EXISTS for the second checkout');
  assert.equal(deletes('shared-a'), 0, 'never deleted');
  assert.deepEqual(emu.labelsOf('shared-a'), labels, 'the holder labels are untouched');
  assert.deepEqual(leases(b.ws), [], 'the refused checkout keeps no lease');
  await b.hold.release();
  assert.equal(deletes('shared-a'), 0, 'a refused hold releases nothing');

  await other.kill();
  // The same checkout again (a new command: a hold is released once).
  const b2 = await checkout('shared-a', {}, { ws: b.ws });
  const again = await b2.hold.acquire();
  assert.equal(again?.name, 'shared-a');
  assert.deepEqual(creates('shared-a'), [200, 409, 409], 'reused, not re-created');
  assert.equal(emu.labelsOf('shared-a')!['gdnctl-pid'], String(process.pid), 'the labels name the new holder');
  assert.equal(emu.labelsOf('shared-a')!['gdnctl-checkout'], b.checkout);
  assert.ok(b2.lines().some((l) => /its holder pid \d+ .* is gone; taking it over/.test(l.msg)));

  // The first checkout's hold, released now, sees that the node is someone else's and leaves it alone.
  await a.hold.release();
  assert.equal(deletes('shared-a'), 0);
  assert.deepEqual(leases(a.ws), []);
  assert.ok(a.lines().some((l) => /TPU shared-a was taken over by pid \d+ .*; leaving it to that holder/.test(l.msg)));
  await b2.hold.release();
  assert.equal(deletes('shared-a'), 1);
  assert.equal(emu.liveNodes().some((n) => n.nodeId === 'shared-a'), false);
});

test('another host: a fresh heartbeat is alive; a stale one is refused without --take-over and taken over with it', async () => {
  const far: HolderIdentity = { host: 'build-07_example_com', pid: 4242 };
  const a = await checkout('shared-b', {}, { self: far });
  await a.hold.acquire();
  const b = await checkout('shared-b');
  await refused(b.hold, /is held by pid 4242 on build-07\.example\.com \(checkout [0-9a-f]{12}\) since \S+, which is alive/);

  emu.setLabels('shared-b', { 'gdnctl-heartbeat': encodeTime(Date.now() - 16 * 60_000) });
  await refused(b.hold, /whose heartbeat is stale \(last heartbeat 16 min ago, more than 3 × 5 min\); pass --take-over to take it over, or stop that process/);
  assert.equal(emu.labelsOf('shared-b')!['gdnctl-pid'], '4242', 'not taken over silently');

  const c = await checkout('shared-b', { takeOver: true });
  assert.equal((await c.hold.acquire())?.name, 'shared-b');
  assert.equal(emu.labelsOf('shared-b')!['gdnctl-pid'], String(process.pid));
  assert.equal(emu.labelsOf('shared-b')!['gdnctl-host'], HERE);
  assert.ok(c.lines().some((l) => /taking over TPU shared-b from pid 4242 .* stale \(--take-over\)/.test(l.msg)));
  assert.equal(deletes('shared-b'), 0);

  // The old holder, back from the stale spell: its next liveness check finds the node taken, deletes nothing.
  await assert.rejects(a.hold.ensureAlive(), (e: unknown) => e instanceof ResourceError && /was taken over by pid \d+ on /.test(e.message));
  assert.equal(a.hold.current(), undefined);
  assert.deepEqual(leases(a.ws), []);
  await a.hold.release();
  assert.equal(deletes('shared-b'), 0);
  await c.hold.release();
  assert.equal(deletes('shared-b'), 1);
});

test("a dead run's lease does not let its checkout delete a node another live holder has taken since", async () => {
  const other = await liveProcess();
  const a = await checkout('shared-c', {}, { self: other.identity });
  await a.hold.acquire();
  const b = await checkout('shared-c');
  mkdirSync(b.ws.leaseDir, { recursive: true });
  const lease = join(b.ws.leaseDir, 'test-proj-us-central1-a-shared-c.json');
  const dead = spawnSync('true').pid!;
  writeFileSync(lease, JSON.stringify({ schemaVersion: 1, project: 'test-proj', zone: 'us-central1-a', cluster: 'us-central1', node: 'shared-c', ownerPid: dead, ownerHost: hostname(), phase: 'held', owner: 'tester', createdAt: '', updatedAt: '' }));
  await refused(b.hold, new RegExp(`held by pid ${other.identity.pid} .*which is alive`));
  assert.equal(deletes('shared-c'), 0);
  assert.deepEqual(leases(b.ws), ['test-proj-us-central1-a-shared-c.json'], 'the lease stays for dev-tpu-status to show');
  await other.kill();
  await a.hold.release();
});

test('dev-tpu-release in the second checkout refuses the live node (exit 4, one line naming the holder); with a stale holder only --take-over deletes it', async () => {
  const other = await liveProcess();
  const a = await checkout('shared-d', {}, { self: other.identity });
  await a.hold.acquire();
  const b = await checkout('shared-d');
  const release = (...flags: string[]) => runProgram(['dev-tpu-release', '--tpu-name', 'shared-d', '--cluster', 'us-central1', ...flags, '--workdir', b.ws.dir], { cwd: b.ws.dir, env: b.ws.env });
  // In process the ResourceError reaches the caller; main.ts makes it exit 4 with the line (test/e2e/tpu-cross-checkout.test.ts).
  const refusedWith = async (re: RegExp, ...flags: string[]) =>
    assert.rejects(release(...flags), (e: unknown) => e instanceof ResourceError && re.test(e.message) && !e.message.includes('\n'));
  await refusedWith(new RegExp(`^TPU shared-d in us-central1-a is held by pid ${other.identity.pid} on \\S+ \\(checkout ${a.checkout}\\) since \\S+, which is alive; stop that process \\(Ctrl-C\\) and it releases the TPU; nothing was deleted$`));
  assert.equal(deletes('shared-d'), 0);

  const status = await runProgram(['dev-tpu-status', '--tpu-name', 'shared-d', '--cluster', 'us-central1', '--json', '--workdir', b.ws.dir], { cwd: b.ws.dir, env: b.ws.env });
  assert.equal(status.code, 0, status.stderr);
  const [row] = JSON.parse(status.stdout) as Array<{ holder?: { pid: number; checkout: string; state: string } }>;
  assert.deepEqual([row!.holder!.pid, row!.holder!.checkout, row!.holder!.state], [other.identity.pid, a.checkout, 'alive']);

  emu.setLabels('shared-d', { 'gdnctl-host': 'far-away', 'gdnctl-heartbeat': encodeTime(Date.now() - 3_600_000) });
  await refusedWith(/whose heartbeat is stale \(last heartbeat 60 min ago, .*\); pass --take-over to delete it anyway/);
  assert.equal(deletes('shared-d'), 0);
  const taken = await release('--take-over');
  assert.equal(taken.code, 0, taken.stderr);
  assert.match(taken.stdout, /deleted shared-d in us-central1-a/);
  assert.equal(emu.liveNodes().some((n) => n.nodeId === 'shared-d'), false);
  await other.kill();
  await a.hold.release();
});

test('the heartbeat is refreshed every interval through nodes.patch, survives a failed patch with a warning, and stops on release', async () => {
  const a = await checkout('beat', {}, { env: { GDNCTL_TPU_HEARTBEAT_MS: '100' } });
  await a.hold.acquire();
  const first = emu.labelsOf('beat')!;
  assert.equal(first['gdnctl-beat-ms'], '100');
  const patches = () => emu.requestsMatching('PATCH', '/nodes/beat');
  emu.failNext(500, { method: 'PATCH', pathIncludes: '/nodes/beat', count: 1 });
  // Labels hold seconds: wait until the heartbeat label has moved past the create's, over several beats.
  const ok = () => patches().filter((p) => p.status === 200).length;
  const until = Date.now() + 5000;
  while ((emu.labelsOf('beat')!['gdnctl-heartbeat'] === first['gdnctl-heartbeat'] || ok() < 2) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  assert.notEqual(emu.labelsOf('beat')!['gdnctl-heartbeat'], first['gdnctl-heartbeat'], 'the heartbeat moved');
  assert.equal(emu.labelsOf('beat')!['gdnctl-since'], first['gdnctl-since'], 'since stays');
  assert.ok(ok() >= 2, `several beats: ${patches().length}`);
  assert.equal(patches()[0]!.status, 500, 'the first beat failed');
  assert.ok(a.lines().some((l) => l.level === 40 && /TPU beat: heartbeat not recorded/.test(l.msg)), 'a warning, not a failure');
  assert.equal(a.hold.current()?.name, 'beat', 'still held');
  await a.hold.release();
  const after = patches().length;
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(patches().length, after, 'no beat after the release');
});

test('the heartbeat timer never keeps a process alive', () => {
  const script = `
    import { NodeHolder } from './src/adapters/tpu/tpu-holder.ts';
    const log = { warn() {}, info() {} };
    const provider = { getNode: async () => undefined, setLabels: async () => ({ existed: true }) };
    new NodeHolder({ checkout: 'c', heartbeatMs: 60000, takeOver: false }, log).start(provider, { project: 'p', zone: 'z', cluster: 'c', name: 'n' });
    console.log('started');
  `;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: new URL('../..', import.meta.url).pathname, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'started');
  assert.ok(Date.now() - t0 < 20_000, `exited on its own, not after the 60 s beat (${Date.now() - t0} ms)`);
});

test('checkoutOf hashes the real path: a symlinked workdir is the same checkout', async () => {
  const ws = tpuWorkspace(emu);
  workspaces.push(ws);
  const { symlinkSync, realpathSync } = await import('node:fs');
  const link = `${ws.dir}-link`;
  symlinkSync(ws.dir, link);
  try {
    assert.equal(checkoutOf(link), checkoutOf(ws.dir));
    assert.equal(checkoutOf(join(ws.dir, 'sub', 'dir')), checkoutHash(realpathSync(ws.dir)), 'a folder inside the repository is the repository');
  } finally {
    (await import('node:fs')).rmSync(link);
  }
});
