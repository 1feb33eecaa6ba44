/**
 * Seed 000's whole `codex-loop` command line (the seed command, as README "The loop" shows it), nothing omitted, end to end:
 * the REAL codex against the scripted Responses-API server, --hold-dev-tpu against the TPU API emulator whose
 * primary zone (us-central1-a) has no capacity, --resilient, and the two post-checks: `gdnctl dev-tpu-test
 * --cluster us-central1 …` over real ssh to the emulator's worker (a local sshd on 127.0.0.2) and `gdnctl
 * lint-log`. Only plumbing is added: the project and the emulator through the environment, the ssh port/key/
 * known-hosts/remote dir of the test worker, --model-server, and gdnctl.yaml test suites that run a tiny command
 * on the worker instead of the GDN pytest. Iteration 3's model never answers; Ctrl-C (SIGINT to the process
 * group) then must release the node and exit 130.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startResponsesServer } from '../../scripts/model-server/responses-server.js';
import type { ScriptedServer } from '../../scripts/model-server/scripted-http.js';
import type { ModelScript } from '../../scripts/model-server/script.js';
import { TpuEmulator } from '../fakes/tpu-emulator.js';
import { startSshWorkers, type SshWorkers } from '../helpers/sshd.js';
import { TempRepo } from '../helpers/temp-repo.js';
import { CODEX_BIN, execOutput } from '../helpers/agent-cli.js';
import { ROOT, until } from '../helpers/loop-harness.js';

const GDNCTL = join(ROOT, 'bin', 'gdnctl');
const PROMPT = join(ROOT, 'prompts', 'codex_iteration_prompt.md');
const LOG = 'lib/levanter/.agents/projects/gdn_pallas_tpu_hillclimb.md'; // the default hillclimbLog: the seed names none
const USER = 'tester';
const PROJECT = 'seed-proj';

const LOG_HEAD = `# GDN Pallas TPU hill-climb log

### Iteration 0 - baseline
- Date: 2026-11-23
- Commit: none (baseline, nothing changed)
- Hypothesis: the chunked triangular inversion dominates the step.
- Change summary: none; the starting point.
- Correctness checks: kernels and layer suites pass.
- MFU/throughput delta: baseline.
- Next hypothesis: block the inversion.
`;

function session(n: number): ModelScript['sessions'][number] {
  const entry = [
    '',
    `### Iteration ${n} - blocked triangular inversion step ${n}`,
    '- Date: 2026-11-23',
    '- Commit: this commit',
    `- Hypothesis: step ${n} of blocking the inversion removes a serial dependency.`,
    '- Change summary: one more block level.',
    '- Correctness checks: gdnctl dev-tpu-test --tests both.',
    '- MFU/throughput delta: measured by the loop.',
    '- Next hypothesis: fuse the next stage.',
  ].join('\n');
  return {
    name: `iteration-${n}`,
    turns: [
      { exec: `mkdir -p work && echo ${n} > work/step.txt && cat >> ${LOG} <<'EOF'\n${entry}\nEOF` },
      { exec: `git add -A && git commit -q -m 'gdn: blocked inversion step ${n}' && git rev-parse HEAD` },
      { message: `Iteration ${n}: committed one more block level of the triangular inversion.` },
    ],
  };
}

const script: ModelScript = { model: 'gpt-5.3-codex', sessions: [session(1), session(2), { turns: [{ stall: true }] }] };

let emu: TpuEmulator;
let workers: SshWorkers;
let srv: ScriptedServer;
let scratch: string;

before(async () => {
  [workers, emu, srv] = await Promise.all([startSshWorkers({ count: 1 }), TpuEmulator.start({ readyDelayMs: 30, deleteDelayMs: 20 }), startResponsesServer({ script })]);
  scratch = mkdtempSync(join(tmpdir(), 'gdnctl-seed-'));
});

after(async () => {
  await Promise.all([workers.dispose(), emu.close(), srv.close()]);
  rmSync(scratch, { recursive: true, force: true });
});

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    out.push(join(dir, e.name));
    if (e.isDirectory()) walk(join(dir, e.name), out);
  }
  return out;
}

test("seed 000's codex-loop command: fallback hold, post-checks on the fallback node over ssh, stamped log, Ctrl-C releases", { timeout: 180_000 }, async (t) => {
  const marker = join(scratch, 'worker-marker.txt');
  // On the worker: record which suite ran on which server address (SSH_CONNECTION's third field).
  const suite = (name: string): { cwd: string; command: string; files: string[] } => ({
    cwd: '.',
    command: `set -- $SSH_CONNECTION; echo "${name} server=$3 dir=$PWD" >> ${marker}; echo '==== 1 passed in 0.01s ===='`,
    files: [],
  });
  const repo = await TempRepo.create({
    files: {
      [LOG]: LOG_HEAD,
      // JSON is YAML: the test suites `--tests both` runs (kernels + layer).
      'gdnctl.yaml': JSON.stringify({ testSuites: { kernels: suite('kernels'), layer: suite('layer') } }, null, 2) + '\n',
    },
  });
  t.after(() => repo.dispose());
  emu.failCapacity('us-central1-a');

  const tpuName = `${USER}-gdn`;
  const args = [
    'codex-loop',
    '--iterations', '3',
    '--model', 'gpt-5.3-codex',
    '--reasoning-effort', 'xhigh',
    '--resilient',
    '--directive-preset', 'triangular-inversion',
    '--dirty-policy', 'stash',
    '--no-commit-policy', 'count-failure',
    '--prompt-file', PROMPT,
    '--hold-dev-tpu',
    '--dev-tpu-cluster', 'us-central1',
    '--dev-tpu-fallback-cluster', 'us-east5-a',
    '--dev-tpu-name', tpuName,
    '--dev-tpu-type', 'v5p-8',
    '--dev-tpu-allocate-attempts', '2',
    '--dev-tpu-allocate-retry-sleep', '0',
    '--post-check', `gdnctl dev-tpu-test --cluster us-central1 --tpu-name ${tpuName} --tests both`,
    '--post-check', 'gdnctl lint-log',
    // plumbing: the scripted model behind the real codex
    '--model-server', srv.url, '--codex-bin', CODEX_BIN,
  ];
  const env: Record<string, string> = {
    ...repo.env,
    USER,
    GOOGLE_CLOUD_PROJECT: PROJECT,
    METADATA_SERVER_DETECTION: 'none',
    GDNCTL_TPU_API_ENDPOINT: emu.endpoint,
    GDNCTL_TPU_ACCESS_TOKEN: 'fake-token-for-the-emulator',
    GDNCTL_TPU_POLL_INTERVAL_MS: '20',
    GDNCTL_SSH_USER: workers.user,
    GDNCTL_SSH_PORT: String(workers.port),
    GDNCTL_SSH_KEY_FILE: workers.keyFile,
    GDNCTL_KNOWN_HOSTS_FILE: join(workers.dir, 'known_hosts'),
    GDNCTL_REMOTE_DIR: join(scratch, 'remote'),
    NO_COLOR: '1',
  };

  const t0 = Date.now();
  // detached: its own process group, so the test can send SIGINT to the whole group like a terminal's Ctrl-C.
  const child = spawn(GDNCTL, args, { cwd: repo.dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('close', (code, signal) => res({ code, signal })));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  });
  const why = (): string => `stdout:\n${stdout.slice(-1500)}\nstderr:\n${stderr.slice(-4000)}\nviolations: ${srv.violations.join('; ')}`;

  // Iteration 3's codex is waiting on the model (the stalled turn): press Ctrl-C.
  await until(() => srv.requests.some((r) => r.session === 2) || child.exitCode !== null, 120_000, 'the third agent session');
  assert.equal(child.exitCode, null, `gdnctl ended early\n${why()}`);
  assert.ok(emu.liveNodes().some((n) => n.nodeId === tpuName && n.zone === 'us-east5-a'), 'the node is held during the run');
  process.kill(-child.pid!, 'SIGINT');
  const end = await exited;
  assert.equal(end.code, 130, `exit ${end.code ?? end.signal}\n${why()}`);
  assert.ok(Date.now() - t0 < 150_000, 'the seed run stays under ~2 minutes');
  assert.deepEqual(srv.violations, [], why());

  // --- the hold fell back: a create in us-central1-a failed for capacity, the node lives(d) in us-east5-a
  assert.ok(emu.requestsMatching('POST', `/locations/us-central1-a/nodes`).length >= 1, 'the primary cluster was tried first');
  assert.ok(emu.requestsMatching('POST', `/locations/us-east5-a/nodes`).length >= 1, 'then the fallback');
  // --- Ctrl-C released the node: the emulator holds none, and got the delete for the fallback node
  await until(() => emu.liveNodes().length === 0, 5000, 'the node to be gone');
  assert.ok(emu.requestsMatching('DELETE', `/locations/us-east5-a/nodes/${tpuName}`).length >= 1, 'released with a delete');

  // --- every iteration's post-check ran on the fallback node: worker-side evidence, two suites per iteration
  const ran = readFileSync(marker, 'utf8').trim().split('\n');
  assert.equal(ran.length, 4, ran.join('\n'));
  assert.deepEqual(ran.map((l) => l.split(' ')[0]), ['kernels', 'layer', 'kernels', 'layer']);
  for (const l of ran) assert.match(l, new RegExp(` server=${workers.hosts[0]!.replace(/\./g, '\\.')} dir=${join(scratch, 'remote')}`), l);
  // … and the TPU API side: dev-tpu-test looked the node up in us-east5-a, never in the stale --cluster's zone.
  const gets = (zone: string) => emu.requestsMatching('GET', `/locations/${zone}/nodes/${tpuName}`);
  assert.ok(gets('us-east5-a').length >= 2, 'one lookup per post-check run at least');
  const firstPostCheck = Math.min(...gets('us-east5-a').map((r) => r.at));
  assert.deepEqual(gets('us-central1-a').filter((r) => r.at >= firstPostCheck), [], 'no lookup in us-central1-a once the node was held');

  // The loop itself warns once the hold fell back: the post-check's --cluster is stale, dev-tpu-test follows the hold.
  assert.match(stderr, /post-check 1 .* names cluster us-central1, but the held TPU is in us-east5-a/, why());

  const runsDir = join(repo.dir, '.agents/logs/gdn_codex_loop/runs');
  const runDir = join(runsDir, readdirSync(runsDir)[0]!);
  for (const i of [1, 2]) {
    const iter = join(runDir, `iter-00${i}`);
    const pc1 = readFileSync(join(iter, 'post-check-1.log'), 'utf8');
    assert.match(pc1, /# exit 0\n$/, `iteration ${i} dev-tpu-test passed\n${pc1}`);
    assert.match(pc1, /--cluster us-central1 ignored: the held TPU tester-gdn is in us-east5-a/, 'the stale --cluster is named in a warning');
    // --- lint-log passed as a post-check
    const pc2 = readFileSync(join(iter, 'post-check-2.log'), 'utf8');
    assert.match(pc2, /^\$ gdnctl lint-log\n[\s\S]*# exit 0\n$/, `iteration ${i} lint-log\n${pc2}`);
    const rec = JSON.parse(readFileSync(join(iter, 'record.json'), 'utf8')) as { outcome: string };
    assert.equal(rec.outcome, 'kept', `iteration ${i}`);
  }

  // --- the log was stamped with the agent's SHA (the one codex's commit call printed back to the model)
  const printed = [0, 1].map((s) => {
    const call = srv.calls.find((c) => c.session === s && c.cmd.includes('git commit'));
    assert.ok(call?.output, `session ${s}'s commit call was answered`);
    return execOutput(call.output).text.trim();
  });
  const log = repo.git('show', `HEAD:${LOG}`);
  for (const [i, sha] of printed.entries()) {
    assert.match(sha, /^[0-9a-f]{40}$/);
    assert.match(log, new RegExp(`### Iteration ${i + 1} - [^\\n]*\\n- Date: [^\\n]*\\n- Commit: ${sha}\\n`), `entry ${i + 1} stamped`);
  }
  assert.ok(!log.includes('Commit: this commit'), 'no placeholder left');
  assert.equal(repo.git('status', '--porcelain'), '', 'nothing left uncommitted after Ctrl-C');

  // --- run directory: files 0600, folders 0700; the leases folder too
  const leases = join(repo.dir, '.agents/logs/gdn_codex_loop/leases');
  for (const p of [runDir, ...walk(runDir), ...(existsSync(leases) ? [leases, ...walk(leases)] : [])]) {
    const st = statSync(p);
    assert.equal(st.mode & 0o777, st.isDirectory() ? 0o700 : 0o600, `${relative(repo.dir, p)} is ${(st.mode & 0o777).toString(8)}`);
  }
});
