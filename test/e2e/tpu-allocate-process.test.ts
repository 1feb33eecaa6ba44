import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TpuEmulator } from '../fakes/tpu-emulator.js';
import { tpuWorkspace, type TpuWorkspace } from '../fakes/tpu-fixtures.js';

// A real `gdnctl dev-tpu-*` process (src/cli/main.ts under tsx) against the in-process emulator.
const root = new URL('../..', import.meta.url).pathname;
let emu: TpuEmulator;
let ws: TpuWorkspace;
const children: ChildProcess[] = [];

before(async () => {
  emu = await TpuEmulator.start({ readyDelayMs: 50, deleteDelayMs: 30 });
});
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await emu.close();
});
afterEach(() => ws?.cleanup());

interface Run {
  child: ChildProcess;
  out: () => string;
  waitFor: (re: RegExp, ms?: number) => Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function gdnctl(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args, '--workdir', ws.dir], {
    cwd: root,
    env: { ...ws.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let text = '';
  child.stdout!.on('data', (c) => (text += String(c)));
  child.stderr!.on('data', (c) => (text += String(c)));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitFor = async (re: RegExp, ms = 20_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!re.test(text)) {
      if (Date.now() > end || child.exitCode !== null || child.signalCode !== null) {
        if (re.test(text)) return;
        throw new Error(`timed out waiting for ${re}; output:\n${text}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { child, out: () => text, waitFor, exit };
}

function leaseFiles(): string[] {
  return existsSync(ws.leaseDir) ? readdirSync(ws.leaseDir) : [];
}

function alive(name: string): boolean {
  return emu.liveNodes().some((n) => n.nodeId === name);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  test(`dev-tpu-allocate holds until ${signal}, then deletes the node and exits 130`, async () => {
    ws = tpuWorkspace(emu);
    const name = `sig-${signal.toLowerCase()}`;
    const run = gdnctl(['dev-tpu-allocate', '--dev-tpu-name', name]);
    await run.waitFor(/holding; press Ctrl-C/);
    assert.match(run.out(), /GDNCTL_TPU \{.*"name":"sig-/);
    assert.equal(alive(name), true);
    run.child.kill(signal);
    const { code } = await run.exit;
    assert.equal(code, 130, run.out());
    assert.equal(emu.requestsMatching('DELETE', `/nodes/${name}`).length, 1, 'the emulator saw the delete');
    assert.equal(alive(name), false, 'the emulator holds no node');
    assert.deepEqual(leaseFiles(), []);
  });
}

test('SIGKILL right after the create was accepted: the lease survives and dev-tpu-release deletes the node', async () => {
  ws = tpuWorkspace(emu);
  const marker = join(ws.dir, 'fault-marker');
  const name = 'crash-alloc';
  const run = gdnctl(['dev-tpu-allocate', '--dev-tpu-name', name], { GDNCTL_FAULT: 'during-tpu-allocation', GDNCTL_FAULT_MARKER: marker });
  const { signal } = await run.exit;
  assert.equal(signal, 'SIGKILL');
  assert.equal(readFileSync(marker, 'utf8').trim(), 'during-tpu-allocation');
  const [file] = leaseFiles();
  assert.ok(file, 'lease left behind');
  const lease = JSON.parse(readFileSync(join(ws.leaseDir, file), 'utf8')) as { operation?: string; ownerPid: number };
  assert.match(String(lease.operation), /operations\//);
  assert.equal(lease.ownerPid, run.child.pid);
  assert.equal(alive(name), true, 'the node exists with no process holding it');

  const status = gdnctl(['dev-tpu-status', '--json']);
  assert.equal((await status.exit).code, 0, status.out());
  const rows = JSON.parse(status.out().slice(status.out().indexOf('['))) as Array<{ node: string; ownerAlive: boolean }>;
  assert.deepEqual(rows.map((r) => [r.node, r.ownerAlive]), [[name, false]]);

  const release = gdnctl(['dev-tpu-release']);
  assert.equal((await release.exit).code, 0, release.out());
  assert.match(release.out(), new RegExp(`deleted ${name}`));
  assert.equal(alive(name), false);
  assert.deepEqual(leaseFiles(), []);
});

test('SIGKILL while holding: a rerun reattaches to the READY node (no second create) and releases it on SIGINT', async () => {
  ws = tpuWorkspace(emu);
  const name = 'crash-held';
  const first = gdnctl(['dev-tpu-allocate', '--dev-tpu-name', name]);
  await first.waitFor(/holding/);
  first.child.kill('SIGKILL');
  await first.exit;
  assert.equal(alive(name), true);
  const second = gdnctl(['dev-tpu-allocate', '--dev-tpu-name', name]);
  await second.waitFor(/holding/);
  assert.match(second.out(), /reattached/);
  assert.equal(emu.requestsMatching('POST', '/nodes').filter((r) => r.query.nodeId === name).length, 1, 'no second create');
  second.child.kill('SIGINT');
  assert.equal((await second.exit).code, 130);
  assert.equal(alive(name), false);
  assert.deepEqual(leaseFiles(), []);
});

test('SIGKILL during release (fault point): the lease stays, the rerun finds the stale node and deletes it', async () => {
  ws = tpuWorkspace(emu);
  const marker = join(ws.dir, 'fault-marker');
  const name = 'crash-release';
  const first = gdnctl(['dev-tpu-allocate', '--dev-tpu-name', name], { GDNCTL_FAULT: 'during-release', GDNCTL_FAULT_MARKER: marker });
  await first.waitFor(/holding/);
  first.child.kill('SIGTERM');
  assert.equal((await first.exit).signal, 'SIGKILL');
  assert.equal(readFileSync(marker, 'utf8').trim(), 'during-release');
  assert.equal(leaseFiles().length, 1);
  emu.preempt(name); // stale: not READY any more, so the rerun must delete rather than reattach
  const second = gdnctl(['dev-tpu-allocate', '--dev-tpu-name', name, '--dev-tpu-cluster', 'us-east5-a']);
  await second.waitFor(/holding/);
  assert.match(second.out(), /deleting stale TPU crash-release/);
  assert.deepEqual(
    emu.liveNodes().filter((n) => n.nodeId === name).map((n) => n.zone),
    ['us-east5-a'],
  );
  second.child.kill('SIGINT');
  assert.equal((await second.exit).code, 130);
  assert.equal(alive(name), false);
  assert.deepEqual(leaseFiles(), []);
});

test('bad input is exit 2 with one line, and nothing is created', async () => {
  ws = tpuWorkspace(emu);
  const before = emu.requests.length;
  const run = gdnctl(['dev-tpu-allocate', '--dev-tpu-name', 'x1', '--dev-tpu-cluster', 'nowhere'], { GOOGLE_CLOUD_PROJECT: '' });
  assert.equal((await run.exit).code, 2);
  assert.match(run.out(), /unknown TPU cluster "nowhere"/);
  assert.equal(emu.requests.length, before);
});

test('--dev-tpu-setup runs once on every worker over real ssh after READY, before "holding"', async () => {
  const { startSshWorkers } = await import('../helpers/sshd.js');
  const workers = await startSshWorkers({ count: 2 });
  ws = tpuWorkspace(emu);
  const remoteDir = join(ws.dir, 'remote-checkout');
  try {
    const name = 'setup-e2e';
    const run = gdnctl(
      ['dev-tpu-allocate', '--dev-tpu-name', name, '--dev-tpu-type', 'v4-16', '--dev-tpu-setup', 'echo "ran on $(hostname -i 2>/dev/null || echo w) $SSH_CONNECTION" >> setup.log'],
      {
        USER: 'root',
        GDNCTL_SSH_KEY_FILE: workers.keyFile,
        GDNCTL_SSH_PORT: String(workers.port),
        GDNCTL_KNOWN_HOSTS_FILE: join(ws.dir, 'known_hosts'),
        GDNCTL_SSH_RETRIES: '2',
        GDNCTL_SSH_RETRY_SLEEP_SECONDS: '0.2',
        GDNCTL_REMOTE_DIR: remoteDir,
      },
    );
    await run.waitFor(/holding/, 40_000);
    assert.ok(existsSync(join(remoteDir, 'setup.log')), run.out());
    const lines = readFileSync(join(remoteDir, 'setup.log'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 2, 'once per worker');
    assert.ok(lines.some((l) => l.includes('127.0.0.2')) && lines.some((l) => l.includes('127.0.0.3')), lines.join('\n'));
    run.child.kill('SIGINT');
    assert.equal((await run.exit).code, 130);
    assert.equal(alive(name), false);
  } finally {
    await workers.dispose();
  }
});

/** Run to completion with stdout and stderr apart. */
function gdnctlApart(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args, '--workdir', ws.dir], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += String(c)));
  child.stderr!.on('data', (c) => (stderr += String(c)));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

test('no Google credentials at all: dev-tpu-allocate exits 4 with one line saying how to log in, no stack, no lease', async () => {
  ws = tpuWorkspace(emu);
  const home = mkdtempSync(join(tmpdir(), 'gdnctl-nohome-'));
  try {
    const { GDNCTL_TPU_ACCESS_TOKEN: _token, ...withoutToken } = ws.env;
    const base = { ...withoutToken, HOME: home, METADATA_SERVER_DETECTION: 'none' };
    const before = emu.requests.length;
    const missingKey = await gdnctlApart(['dev-tpu-allocate', '--tpu-name', 'nocreds'], { ...base, GOOGLE_APPLICATION_CREDENTIALS: join(home, 'missing-key.json') });
    assert.equal(missingKey.code, 4, missingKey.stderr);
    assert.equal(missingKey.stderr.split('\n').filter(Boolean).length, 1, missingKey.stderr);
    assert.match(missingKey.stderr, /^gdnctl: Google credentials file .*missing-key\.json \(GOOGLE_APPLICATION_CREDENTIALS\) does not exist or is not a file; point GOOGLE_APPLICATION_CREDENTIALS at a service-account key file, or unset it and run "gcloud auth application-default login"\n$/);
    assert.doesNotMatch(missingKey.stderr + missingKey.stdout, /internal error|\n\s+at /);

    const noAdc = await gdnctlApart(['dev-tpu-allocate', '--tpu-name', 'nocreds'], base);
    assert.equal(noAdc.code, 4, noAdc.stderr);
    assert.equal(noAdc.stderr, 'gdnctl: no Google credentials for the TPU API; run "gcloud auth application-default login", or point GOOGLE_APPLICATION_CREDENTIALS at a service-account key file\n');
    assert.equal(emu.requests.length, before, 'nothing reached the API');
    assert.deepEqual(leaseFiles(), [], 'no lease of a node that was never requested');

    // The loop with --hold-dev-tpu: the same one line and exit 4 before the agent runs; the run is stopped, not
    // left looking interrupted (a rerun must not "resume" it).
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'init'], { cwd: ws.dir });
    const loop = await gdnctlApart(['codex-loop', '--iterations', '1', '--hold-dev-tpu', '--tpu-name', 'nocreds', '--allow-dirty', '--agent', 'command', '--agent-cmd', 'touch agent-ran', '--quiet'], base);
    assert.equal(loop.code, 4, loop.stderr);
    assert.equal(loop.stderr, 'gdnctl: no Google credentials for the TPU API; run "gcloud auth application-default login", or point GOOGLE_APPLICATION_CREDENTIALS at a service-account key file\n');
    assert.ok(!existsSync(join(ws.dir, 'agent-ran')), 'the agent never ran');
    const runs = join(ws.dir, '.agents/logs/gdn_codex_loop/runs');
    const state = JSON.parse(readFileSync(join(runs, readdirSync(runs)[0]!, 'state.json'), 'utf8')) as { status: string };
    assert.equal(state.status, 'stopped');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
