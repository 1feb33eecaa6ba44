import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { RUNTIME_PORT, TpuEmulator } from '../fakes/tpu-emulator.js';
import { startSshWorkers, type SshWorkers } from '../helpers/sshd.js';
import { runCli } from '../helpers/cli.js';
import { processesWithEnv } from '../helpers/proc.js';
import { newLease, writeLease } from '../../src/adapters/tpu/tpu-lease.js';
import { workerProfileScope } from '../../src/core/profile-plan.js';

/**
 * dev-tpu-test/profile end to end: the real @google-cloud/tpu client asks the emulator for the node, whose
 * networkEndpoints are our sshd addresses (127.0.0.2, 127.0.0.3) with the runtime port 8470, and real ssh/rsync
 * run the suites there. Nothing listens on 8470, so using the endpoint's port for ssh would fail the run.
 */
let workers: SshWorkers;
let emu: TpuEmulator;
let repo: string;
const PROJECT = 'proj-e2e';

const FAKE = `#!/bin/sh
me=\${SSH_CONNECTION#* * }
echo "server=$me variant=$GDN_PROFILE_TPU_VARIANT"
d="$GDNCTL_PROFILE_DIR/plugins/profile/t"; mkdir -p "$d" 2>/dev/null || true
echo '{"traceEvents":[{"ph":"M","name":"process_name","pid":1,"args":{"name":"/device:TPU:0"}},{"ph":"X","pid":1,"tid":1,"name":"op_a","dur":5}]}' | gzip > "$d/perfetto_trace.json.gz" 2>/dev/null || true
echo "==== 4 passed in 0.05s ===="
`;

async function createNode(zone: string, name: string, acceleratorType = 'v5p-16'): Promise<void> {
  const r = await fetch(`${emu.endpoint}/v2/projects/${PROJECT}/locations/${zone}/nodes?nodeId=${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ acceleratorType, runtimeVersion: 'v2-alpha-tpuv5' }),
  });
  assert.equal(r.status, 200);
  await new Promise((res) => setTimeout(res, 20));
}

before(async () => {
  workers = await startSshWorkers({ count: 2 });
  emu = await TpuEmulator.start({ readyDelayMs: 0 });
  repo = mkdtempSync(join(tmpdir(), 'gdnctl-e2e-devtpu-'));
  const git = (...a: string[]) => execFileSync('git', a, { cwd: repo });
  git('init', '-q');
  writeFileSync(join(repo, 'fake.sh'), FAKE);
  writeFileSync(
    join(repo, 'gdnctl.yaml'),
    [
      `project: ${PROJECT}`,
      'testSuites:',
      '  kernels: { cwd: ., command: "sh fake.sh", files: [] }',
      '  layer: { cwd: ., command: "true", files: [] }',
      'profileCommand: sh fake.sh',
      '',
    ].join('\n'),
  );
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-qm', 'init');
  await createNode('us-east5-a', 'alice-gdn');
});

after(async () => {
  await workers.dispose();
  await emu.close();
  rmSync(repo, { recursive: true, force: true });
  rmSync(join(process.env.HOME ?? '/root', basename(repo)), { recursive: true, force: true });
  // dev-tpu-profile's worker folders (~/.gdnctl/profiles/<repo>-<hash>/…) on the same (local) workers.
  rmSync(join(process.env.HOME ?? '/root', dirname(workerProfileScope(repo, undefined)).slice(2)), { recursive: true, force: true });
});

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    GDNCTL_TPU_API_ENDPOINT: emu.endpoint,
    GDNCTL_TPU_ACCESS_TOKEN: 'fake-token',
    GDNCTL_TPU_API_RETRIES: '0',
    METADATA_SERVER_DETECTION: 'none',
    GDNCTL_SSH_USER: workers.user,
    GDNCTL_SSH_PORT: String(workers.port),
    GDNCTL_SSH_KEY_FILE: workers.keyFile,
    GDNCTL_KNOWN_HOSTS_FILE: join(workers.dir, 'kh'),
    GDNCTL_SSH_RETRIES: '1',
    GDNCTL_SSH_RETRY_SLEEP_SECONDS: '0',
    ...extra,
  };
}

const HELD = { GDNCTL_TPU_PROJECT: PROJECT, GDNCTL_TPU_ZONE: 'us-east5-a', GDNCTL_TPU_CLUSTER: 'us-east5-a', GDNCTL_TPU_NAME: 'alice-gdn' };

describe('dev-tpu-test against the TPU API emulator and real sshd workers', () => {
  test("the seed's post-check after a fallback: --cluster us-central1 reaches the held node in us-east5-a over sshPort", async () => {
    const r = await runCli(['dev-tpu-test', '--cluster', 'us-central1', '--tpu-name', 'alice-gdn', '--tests', 'both', '--json'], {
      cwd: repo,
      env: env(HELD),
    });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.target.source, 'held');
    assert.deepEqual(report.target.node.zone, 'us-east5-a');
    assert.deepEqual(report.workers.map((w: { host: string }) => w.host), workers.hosts);
    // sshd saw our connections on the configured ssh port, never the runtime port from networkEndpoints.
    for (const i of [0, 1]) assert.match(r.stderr, new RegExp(`^\\[w${i}\\] server=${workers.hosts[i]!.replace(/\./g, '\\.')} ${workers.port} `, 'm'));
    assert.ok(!r.stderr.includes(` ${RUNTIME_PORT}`));
    assert.equal(report.workers[0].summary.passed, 4);
    const gets = emu.requestsMatching('GET', `/locations/us-east5-a/nodes/alice-gdn`);
    assert.ok(gets.length >= 1, 'getNode went to the held zone');
  });

  test('as a post-check process: the real CLI exits on its own with the workers\' code and leaves no ssh behind', async () => {
    // Asynchronous spawn: the emulator lives in this process and must keep answering while the CLI runs.
    const { execa } = await import('execa');
    const main = new URL('../../src/cli/main.ts', import.meta.url).pathname;
    const tsx = new URL('../../node_modules/tsx/dist/esm/index.mjs', import.meta.url).href;
    const mark = `${process.pid}-${Date.now()}`;
    const t0 = Date.now();
    const p = await execa(process.execPath, ['--import', tsx, main, 'dev-tpu-test', '--tests', 'kernels', '-e', 'EXTRA=1'], {
      cwd: repo,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, GDNCTL_TEST_MARK: mark, ...env(HELD) },
      extendEnv: false,
      reject: false,
      timeout: 60_000,
      forceKillAfterDelay: 2000,
    });
    const r = { status: p.exitCode, stdout: p.stdout, stderr: p.stderr };
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^\[w1\] ==== 4 passed in 0\.05s ====$/m);
    assert.ok(Date.now() - t0 < 60_000);
    // Only this command's processes count (other tests' ssh may run beside it): they carry its marker variable.
    const left = processesWithEnv(`GDNCTL_TEST_MARK=${mark}`);
    assert.deepEqual(left, [], 'an ssh process outlived the command');
  });

  test('no flags and no GDNCTL_TPU_*: the lease file names the node', async () => {
    const logDir = join(repo, '.agents', 'logs', 'gdn_codex_loop');
    mkdirSync(logDir, { recursive: true });
    const lease = writeLease(newLease(logDir, { project: PROJECT, zone: 'us-east5-a', cluster: 'us-east5-a', name: 'alice-gdn' }, { owner: 'alice' }));
    try {
      const r = await runCli(['dev-tpu-test', '--tests', 'kernels', '--no-sync', '--json'], { cwd: repo, env: env() });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).target.source, 'lease');
    } finally {
      rmSync(lease.file, { force: true });
    }
  });

  test('a node that does not exist, or is preempted, is exit 4', async () => {
    const missing = await runCli(['dev-tpu-test', '--cluster', 'us-east5-a', '--tpu-name', 'ghost', '--tests', 'kernels'], { cwd: repo, env: env() });
    assert.equal(missing.code, 4, missing.stderr);
    assert.match(missing.stderr, /TPU ghost in proj-e2e\/us-east5-a .*not found/);
    await createNode('us-east5-a', 'bob-gdn');
    emu.preempt('bob-gdn');
    const pre = await runCli(['dev-tpu-test', '--cluster', 'us-east5-a', '--tpu-name', 'bob-gdn', '--tests', 'kernels'], { cwd: repo, env: env() });
    assert.equal(pre.code, 4, pre.stderr);
    assert.match(pre.stderr, /is PREEMPTED, not READY/);
  });

  test('dev-tpu-profile on the held node passes the accelerator type and copies w0 traces back', async () => {
    const r = await runCli(['dev-tpu-profile', '--json'], { cwd: repo, env: env(HELD) });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.hotspots.ops[0].name, 'op_a');
    assert.match(r.stderr, /^\[w0\] server=127\.0\.0\.2 \d+ variant=v5p-16$/m);
  });
});
