import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { encodeTime } from '../../src/adapters/tpu/holder-labels.js';
import { checkoutOf } from '../../src/adapters/tpu/tpu-hold-factory.js';
import { TpuEmulator } from '../fakes/tpu-emulator.js';
import { tpuWorkspace, type TpuWorkspace } from '../fakes/tpu-fixtures.js';

// Two checkouts with the same node name, as real `gdnctl` processes (src/cli/main.ts under tsx) against the
// in-process emulator: the case, a second checkout's loop reusing and deleting a live allocate's node.
const root = new URL('../..', import.meta.url).pathname;
let emu: TpuEmulator;
const children: ChildProcess[] = [];
const spaces: TpuWorkspace[] = [];

before(async () => {
  emu = await TpuEmulator.start({ readyDelayMs: 50, deleteDelayMs: 30 });
});
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const w of spaces) w.cleanup();
  await emu.close();
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  waitFor: (re: RegExp, ms?: number) => Promise<void>;
  exit: Promise<number | null>;
}

function gdnctl(ws: TpuWorkspace, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args, '--workdir', ws.dir], {
    cwd: root,
    env: { ...ws.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += String(c)));
  child.stderr!.on('data', (c) => (err += String(c)));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const waitFor = async (re: RegExp, ms = 20_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!re.test(out + err)) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`timed out waiting for ${re}; output:\n${out}${err}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { child, stdout: () => out, stderr: () => err, waitFor, exit };
}

function workspace(): TpuWorkspace {
  const ws = tpuWorkspace(emu);
  spaces.push(ws);
  return ws;
}

const deletes = (name: string): number => emu.requestsMatching('DELETE', `/nodes/${name}`).length;
const alive = (name: string): boolean => emu.liveNodes().some((n) => n.nodeId === name);

test('a live dev-tpu-allocate in one checkout: the other checkout\'s allocate, release and loop all exit 4 naming it, and the node survives', async () => {
  const a = workspace();
  const b = workspace();
  const name = 'shared-live';
  const holder = gdnctl(a, ['dev-tpu-allocate', '--tpu-name', name], { GDNCTL_TPU_HEARTBEAT_MS: '200' });
  await holder.waitFor(/holding; press Ctrl-C/);
  const pid = holder.child.pid!;
  const labels = emu.labelsOf(name)!;
  assert.equal(labels['gdnctl-pid'], String(pid));
  assert.equal(labels['gdnctl-checkout'], checkoutOf(a.dir));
  const line = new RegExp(
    `^gdnctl: TPU ${name} in us-central1-a is held by pid ${pid} on ${hostname().toLowerCase().replace(/\./g, '\\.')} \\(checkout ${checkoutOf(a.dir)}\\) since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ, which is alive; `,
  );

  const second = gdnctl(b, ['dev-tpu-allocate', '--tpu-name', name]);
  assert.equal(await second.exit, 4, second.stderr());
  assert.equal(second.stderr().split('\n').filter(Boolean).length, 1, second.stderr());
  assert.match(second.stderr(), line);
  assert.match(second.stderr(), /stop that process, or use another node name \(--tpu-name\)\n$/);

  const release = gdnctl(b, ['dev-tpu-release', '--tpu-name', name, '--cluster', 'us-central1']);
  assert.equal(await release.exit, 4, release.stderr());
  assert.equal(release.stderr().split('\n').filter(Boolean).length, 1, release.stderr());
  assert.match(release.stderr(), line);

  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'init'], { cwd: b.dir });
  const loop = gdnctl(b, ['codex-loop', '--iterations', '1', '--hold-dev-tpu', '--dev-tpu-name', name, '--allow-dirty', '--agent', 'command', '--agent-cmd', 'touch agent-ran', '--quiet']);
  assert.equal(await loop.exit, 4, loop.stderr());
  assert.equal(loop.stderr().split('\n').filter(Boolean).length, 1, loop.stderr());
  assert.match(loop.stderr(), line);
  assert.ok(!existsSync(join(b.dir, 'agent-ran')), 'the agent never ran');
  const bLeases = join(b.dir, '.agents/logs/gdn_codex_loop/leases');
  assert.deepEqual(existsSync(bLeases) ? readdirSync(bLeases) : [], [], 'the refused checkout keeps no lease');

  assert.equal(deletes(name), 0, 'nobody deleted the live node');
  assert.ok(alive(name));
  // Meanwhile the holder's heartbeat moved on the node (labels carry seconds).
  const until = Date.now() + 5000;
  while (emu.labelsOf(name)!['gdnctl-heartbeat'] === labels['gdnctl-heartbeat'] && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  assert.notEqual(emu.labelsOf(name)!['gdnctl-heartbeat'], labels['gdnctl-heartbeat'], 'heartbeat refreshed');
  assert.ok(emu.requestsMatching('PATCH', `/nodes/${name}`).length >= 1);

  holder.child.kill('SIGINT');
  assert.equal(await holder.exit, 130, holder.stderr());
  assert.equal(deletes(name), 1, 'the holder deleted its own node on the way out');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(name), false);
});

test('a holder on another host with a stale heartbeat: refused without --take-over, taken over and released with it', async () => {
  const b = workspace();
  const name = 'shared-stale';
  const old = Date.now() - 2 * 3_600_000;
  const labels = {
    'managed-by': 'gdnctl',
    'gdnctl-owner': 'tester',
    'gdnctl-host': 'far-host_example_com',
    'gdnctl-checkout': 'abcdef012345',
    'gdnctl-pid': '777',
    'gdnctl-since': encodeTime(old),
    'gdnctl-heartbeat': encodeTime(old),
    'gdnctl-beat-ms': '300000',
  };
  const res = await fetch(`${emu.endpoint}/v2/projects/test-proj/locations/us-central1-a/nodes?nodeId=${name}`, {
    method: 'POST',
    body: JSON.stringify({ acceleratorType: 'v4-8', runtimeVersion: 'tpu-ubuntu2204-base', labels }),
  });
  assert.equal(res.status, 200);
  await new Promise((r) => setTimeout(r, 100));

  const refused = gdnctl(b, ['dev-tpu-allocate', '--tpu-name', name]);
  assert.equal(await refused.exit, 4, refused.stderr());
  assert.equal(refused.stderr().split('\n').filter(Boolean).length, 1, refused.stderr());
  assert.match(
    refused.stderr(),
    /^gdnctl: TPU shared-stale in us-central1-a is held by pid 777 on far-host\.example\.com \(checkout abcdef012345\) since \S+Z, whose heartbeat is stale \(last heartbeat 2 h ago, more than 3 × 5 min\); pass --take-over to take it over, or /,
  );
  assert.equal(emu.labelsOf(name)!['gdnctl-pid'], '777', 'untouched');

  const taker = gdnctl(b, ['dev-tpu-allocate', '--tpu-name', name, '--take-over']);
  await taker.waitFor(/holding; press Ctrl-C/);
  assert.match(taker.stderr(), /taking over TPU shared-stale from pid 777 on far-host\.example\.com/);
  assert.equal(emu.labelsOf(name)!['gdnctl-pid'], String(taker.child.pid));
  assert.equal(emu.labelsOf(name)!['gdnctl-checkout'], checkoutOf(b.dir));
  assert.equal(emu.requestsMatching('POST', '/nodes').filter((r) => r.query.nodeId === name && r.status === 200).length, 1, 'reused, not re-created');
  taker.child.kill('SIGINT');
  assert.equal(await taker.exit, 130, taker.stderr());
  assert.equal(deletes(name), 1);
});
