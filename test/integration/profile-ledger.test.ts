/**
 * Profiles belong to the ledger: codex-loop --hold-dev-tpu against the TPU API emulator and two real sshd workers,
 * a `gdnctl dev-tpu-profile` post-check, an agent that also profiles by hand and commits with `git add -A`, and a
 * benchmark that reports FLOPs and a step time (--metric mfu). No trace reaches a commit; each iteration's traces
 * are in its iter-NNN/profile/; the candidate's summary.md shows the per-op diff against the champion's profile.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, FAST, logDir, loopEnv, readJson, ROOT, runDirs, runLoopInProcess } from '../helpers/loop-harness.js';
import { startSshWorkers, type SshWorkers } from '../helpers/sshd.js';
import { TpuEmulator } from '../fakes/tpu-emulator.js';
import { workerProfileScope, workerPruneScript } from '../../src/core/profile-plan.js';
import '../fakes/tpu-fixtures.js';

let emu: TpuEmulator;
let workers: SshWorkers;
before(async () => {
  emu = await TpuEmulator.start({ readyDelayMs: 0, deleteDelayMs: 0 });
  workers = await startSshWorkers({ count: 2 });
});
after(async () => {
  await workers.dispose();
  await emu.close();
});

/** The workers are this machine's user over ssh: their home is the passwd one, not the loop's private HOME. */
const WORKER_HOME = userInfo().homedir;
const onWorker = (p: string): string => join(WORKER_HOME, p.replace(/^~\//, ''));

// v5p-16: 8 chips × 459 TFLOP/s. FLOPs chosen so that 30 ms per step is 30 % MFU.
const PEAK = 8 * 459e12;
const FLOPS = 0.3 * 0.03 * PEAK;
const BENCH = `v=$(cat speed.txt)\nprintf 'GDNCTL_METRIC {"step_ms": %s.00%03d, "flops": ${FLOPS}}\\n' "$v" "$((RANDOM % 1000))"\n`;
/** tiny_profile's stand-in: the chunk kernel's time follows speed.txt in the synced tree, fusion.3 does not move. */
const FAKE_PROFILE = `#!/bin/sh
set -e
s=$(cat speed.txt)
d="$GDNCTL_PROFILE_DIR/plugins/profile/2026_11_23_12_00_00"
mkdir -p "$d"
cat > "$d/trace.$$.json" <<JSON
{"traceEvents":[
{"ph":"M","name":"process_name","pid":3,"args":{"name":"/device:TPU:0"}},
{"ph":"M","name":"thread_name","pid":3,"tid":1,"args":{"name":"XLA Ops"}},
{"ph":"X","pid":3,"tid":1,"name":"gdn_chunk_fwd","ts":0,"dur":$((s * 20))},
{"ph":"X","pid":3,"tid":1,"name":"fusion.3","ts":700,"dur":300}
]}
JSON
# The loopback workers share one filesystem: write under a per-process name, then rename (atomic).
gzip -c "$d/trace.$$.json" > "$d/trace.$$.json.gz" && rm -f "$d/trace.$$.json" && mv -f "$d/trace.$$.json.gz" "$d/perfetto_trace.json.gz"
head -c 200000 /dev/urandom > "$d/host.xplane.pb"
echo "step_time_s: 0.$s"
`;

const LOG = 'notes/hillclimb.md';
const entry = (n: number): string => `# log\n\n### Iteration ${n} - try\n- Date: today\n- Commit: this commit\n- Hypothesis: h\n`;

test('a profile post-check and an agent that runs git add -A: traces stay in the ledger, never in a commit', { timeout: 180_000 }, async (t) => {
  const repo = await TempRepo.create({
    files: { 'speed.txt': '30\n', 'bench.sh': BENCH, 'tools/fake_profile.sh': FAKE_PROFILE, 'gdnctl.yaml': 'profileCommand: sh tools/fake_profile.sh\n', [LOG]: '# log\n' },
  });
  t.after(() => {
    repo.dispose();
    rmSync(join(WORKER_HOME, basename(repo.dir)), { recursive: true, force: true });
    rmSync(onWorker(dirname(workerProfileScope(repo.dir, undefined))), { recursive: true, force: true });
  });
  const gdnctl = join(ROOT, 'bin', 'gdnctl');
  const env = loopEnv(
    repo,
    [
      { steps: [commitStep({ 'speed.txt': '20\n', [LOG]: entry(1) }, 'Fuse the chunk kernel')] },
      // By hand inside the loop (the lease names the held TPU), then the commit every agent makes: git add -A.
      { steps: [{ do: 'shell', cmd: `${gdnctl} dev-tpu-profile --run-name-prefix byhand` }, commitStep({ 'speed.txt': '19\n', [LOG]: entry(2) }, 'Retile the chunk kernel')] },
    ],
    {
      METADATA_SERVER_DETECTION: 'none',
      GOOGLE_CLOUD_PROJECT: 'ledger-proj',
      USER: 'tester',
      GDNCTL_TPU_API_ENDPOINT: emu.endpoint,
      GDNCTL_TPU_ACCESS_TOKEN: 'fake-token',
      GDNCTL_TPU_POLL_INTERVAL_MS: '20',
      GDNCTL_SSH_USER: workers.user,
      GDNCTL_SSH_PORT: String(workers.port),
      GDNCTL_SSH_KEY_FILE: workers.keyFile,
      GDNCTL_KNOWN_HOSTS_FILE: join(workers.dir, 'kh'),
      GDNCTL_SSH_RETRIES: '1',
      GDNCTL_SSH_RETRY_SLEEP_SECONDS: '0',
    },
  );
  const r = await runLoopInProcess(
    repo,
    [
      '--iterations', '2', ...FAST, '--hillclimb-log', LOG,
      '--hold-dev-tpu', '--dev-tpu-name', 'ledger-tpu', '--dev-tpu-cluster', 'us-east5-a', '--tpu-type', 'v5p-16',
      '--post-check', 'gdnctl dev-tpu-profile',
      '--bench', 'bash bench.sh', '--metric', 'mfu', '--direction', 'higher', '--target', '0.9',
      '--baseline-runs', '3', '--max-bench-runs', '5', '--accept-noise', '--max-failures', '-1',
    ],
    env,
  );
  assert.equal(r.code, 0, r.stderr);
  const run = runDirs(repo).at(-1)!;

  // Every commit of every ref: no trace, no hotspots, nothing of the ledger.
  const committed = repo.git('log', '--all', '--format=', '--name-only').split('\n').filter(Boolean);
  assert.ok(committed.includes('speed.txt'), committed.join('\n'));
  assert.deepEqual(committed.filter((p) => /profile\/|\.json\.gz$|\.xplane\.pb$|hotspots|\.agents\//.test(p)), []);
  assert.equal(repo.git('status', '--porcelain').trim(), '');

  for (const n of [1, 2]) {
    const dir = join(run, `iter-00${n}`, 'profile');
    assert.ok(existsSync(join(dir, 'plugins', 'profile', '2026_11_23_12_00_00', 'perfetto_trace.json.gz')), `iter ${n} traces`);
    assert.ok(existsSync(join(dir, 'plugins', 'profile', '2026_11_23_12_00_00', 'host.xplane.pb')), `iter ${n} XSpace (copied by default)`);
    assert.ok(existsSync(join(run, `iter-00${n}`, 'hotspots.json')));
  }
  const byHand = readdirSync(join(logDir(repo), 'profiles'));
  assert.equal(byHand.length, 1);
  assert.match(byHand[0]!, /^byhand_130m_20steps_\d{8}T\d{6}Z$/);
  // On the workers: one folder per run under the remote user's home, this loop's runs apart from the by-hand one.
  const scope = onWorker(workerProfileScope(repo.dir, basename(run)));
  assert.equal(readdirSync(scope).length, 2, 'the two post-check profiles of this loop run');
  assert.equal(readdirSync(onWorker(workerProfileScope(repo.dir, undefined))).length, 1);

  const outcomes = [1, 2].map((i) => (readJson(join(run, `iter-00${i}`, 'record.json')) as { decision?: { outcome: string } }).decision?.outcome);
  assert.equal(outcomes[0], 'promoted');
  const summary = readFileSync(join(run, 'iter-002', 'summary.md'), 'utf8');
  assert.match(summary, /## Profile\n\nProfile of iter-002 against the champion iter-001: device time 0\.700 → 0\.680 ms \(−2\.9 %\)/);
  assert.match(summary, /\| `gdn_chunk_fwd` \| 0\.400 \| 0\.380 \| −0\.020 \| 57\.1% \| 55\.9% \| −1\.3 pp \|/);
  assert.match(summary, /Dominant op unchanged: `gdn_chunk_fwd` tops both profiles\.\n/);
  assert.match(summary, /- MFU: 4\d\.\d %/);
  if (process.env.GDNCTL_KEEP_SUMMARY) execFileSync('cp', [join(run, 'iter-002', 'summary.md'), process.env.GDNCTL_KEEP_SUMMARY]);

  // --metric mfu from the bench's flops and step_ms against 8 × 459 TFLOP/s: 30 ms is 30 %, 20 ms 45 %.
  const rows = (readJson(join(run, 'ledger.json')) as { rows: Array<{ mfu?: number; value?: number }> }).rows;
  assert.ok(Math.abs(rows[0]!.mfu! - 0.45) < 0.0005, JSON.stringify(rows[0]));
  const board = readFileSync(join(run, 'leaderboard.md'), 'utf8');
  assert.match(board, /\| Rank \| Iteration \| Result \| MFU \| Delta \|/);
  assert.match(board, /\| baseline \| 0\.\d+ \| 30\.0 % \|/);
  assert.match(readFileSync(join(run, 'report.html'), 'utf8'), /id="mfu-trajectory"/);
});

test('the worker prune script removes exactly the runs not kept, names matched literally', () => {
  const home = mkdtempSync(join(tmpdir(), 'gdnctl-prune-'));
  try {
    const scope = join(home, '.gdnctl', 'profiles', 'repo-1', 'adhoc');
    for (const n of ['keep_1', 'keep*', 'drop_1', 'drop 2', "it's"]) mkdirSync(join(scope, n), { recursive: true });
    execFileSync('bash', ['-c', workerPruneScript('~/.gdnctl/profiles/repo-1/adhoc', ['keep_1', 'keep*', 'absent'])], { env: { HOME: home, PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    assert.deepEqual(readdirSync(scope).sort(), ['keep*', 'keep_1']);
    execFileSync('bash', ['-c', workerPruneScript('~/.gdnctl/profiles/none/adhoc', ['x'])], { env: { HOME: home } });
    assert.ok(!existsSync(join(home, '.gdnctl', 'profiles', 'none')), 'a scope that does not exist yet is left alone');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
