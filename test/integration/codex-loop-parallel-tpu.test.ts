import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { events, FAST, logDir, loopEnv, readJson, runDirs, runLoopInProcess, spawnLoop, until, type Invocation } from '../helpers/loop-harness.js';
import { TpuEmulator } from '../fakes/tpu-emulator.js';
import '../fakes/tpu-fixtures.js';

// codex-loop --parallel 3 --hold-dev-tpu against the TPU emulator: K named nodes, each its own hold; candidate
// k's post-checks see only node k; every node released at the end and on a signal.
let emu: TpuEmulator;
before(async () => {
  emu = await TpuEmulator.start({ readyDelayMs: 30, deleteDelayMs: 20 });
});
after(() => emu.close());

const LOG = 'notes/hillclimb.md';
const COMMIT = 'slot=$(basename "$PWD"); n=$(git rev-list --count HEAD); echo "$slot $n" > "work-$slot.txt"; mkdir -p notes; printf "# log\\n\\n### Iteration %s - try\\n- Commit: this commit\\n" "$n" >> notes/hillclimb.md; git add -A && git commit -qm "agent change in $slot"';

function tpuEnv(repo: TempRepo, scenario: Invocation[]): Record<string, string> {
  const key = join(repo.dir, '..', 'ptpu-key');
  if (!existsSync(key)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  return loopEnv(repo, scenario, {
    METADATA_SERVER_DETECTION: 'none', GOOGLE_CLOUD_PROJECT: 'ptpu-proj', USER: 'tester',
    GDNCTL_TPU_API_ENDPOINT: emu.endpoint, GDNCTL_TPU_ACCESS_TOKEN: 'fake-token', GDNCTL_TPU_POLL_INTERVAL_MS: '20', GDNCTL_SSH_KEY_FILE: key,
  });
}

const live = (prefix: string): string[] => emu.liveNodes().map((n) => n.nodeId).filter((id) => id.startsWith(prefix));

test('--parallel 3 --hold-dev-tpu: nodes <name>-1…3, candidate k\'s post-checks see only node k, a preempted one re-acquired, all released', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  const seen = repo.scratch('seen.txt');
  const preempt = `node -e 'fetch(process.argv[1],{method:"POST",body:JSON.stringify({node:"ptpu-2"})})' ${emu.endpoint}/_emulator/preempt`;
  const r = await runLoopInProcess(repo, [
    '--iterations', '6', '--parallel', '3', ...FAST, '--hillclimb-log', LOG, '--hold-dev-tpu', '--dev-tpu-name', 'ptpu',
    '--post-check', `echo "$GDNCTL_ITERATION $GDNCTL_TPU_NAME" >> ${seen}`,
    '--post-check', `if [ "$GDNCTL_ITERATION" = 2 ]; then ${preempt}; fi`,
  ], tpuEnv(repo, [{ steps: [{ do: 'shell', cmd: COMMIT }] }]));
  assert.equal(r.code, 0, r.stderr);
  const lines = readFileSync(seen, 'utf8').trim().split('\n').sort();
  assert.deepEqual(lines, ['1 ptpu-1', '2 ptpu-2', '3 ptpu-3', '4 ptpu-1', '5 ptpu-2', '6 ptpu-3']);
  const run = runDirs(repo)[0]!;
  const tpuEvents = events(run).filter((e) => String(e.type).startsWith('tpu-'));
  assert.equal(tpuEvents.filter((e) => e.type === 'tpu-acquired' && e.slot !== undefined).length >= 3, true);
  assert.ok(tpuEvents.some((e) => e.type === 'tpu-reacquired' && e.slot === 2), 'slot 2\'s node re-acquired before round 2');
  assert.equal(tpuEvents.filter((e) => e.type === 'tpu-released').length, 3);
  assert.deepEqual(live('ptpu'), [], 'all three released');
  const leases = join(logDir(repo), 'leases');
  assert.deepEqual(existsSync(leases) ? readdirSync(leases) : [], []);
  const prompt = readFileSync(join(run, 'iter-002', 'prompt.md'), 'utf8');
  assert.match(prompt, /gdnctl holds TPU ptpu-2 /);
  assert.equal(readJson(join(run, 'state.json')).status, 'done');
});

test('SIGTERM mid-round with --hold-dev-tpu: every slot\'s node released, exit 130', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  const pids = repo.scratch('pids');
  mkdirSync(pids);
  const child = spawnLoop(repo, ['--iterations', '3', '--parallel', '3', ...FAST, '--hillclimb-log', LOG, '--hold-dev-tpu', '--dev-tpu-name', 'stpu'],
    tpuEnv(repo, [{ steps: [{ do: 'shell', cmd: `echo $$ > "${pids}/$(basename "$PWD")"; sleep 60` }] }]));
  t.after(() => child.child.kill('SIGKILL'));
  await until(() => readdirSync(pids).length === 3, 30_000, 'three agents on three nodes');
  assert.equal(live('stpu').length, 3);
  child.child.kill('SIGTERM');
  const r = await child.done;
  assert.equal(r.code, 130, r.stdout + r.stderr);
  assert.deepEqual(live('stpu'), [], 'all three released');
});

test('kill -9 mid-round with --hold-dev-tpu, then the same command: the slots\' nodes are taken back, the round completes, all released', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  const pids = repo.scratch('pids');
  mkdirSync(pids);
  const args = ['--iterations', '3', '--parallel', '3', ...FAST, '--hillclimb-log', LOG, '--hold-dev-tpu', '--dev-tpu-name', 'ktpu'];
  const child = spawnLoop(repo, args, tpuEnv(repo, [{ steps: [{ do: 'shell', cmd: `echo $$ > "${pids}/$(basename "$PWD")"; sleep 60` }] }]));
  t.after(() => child.child.kill('SIGKILL'));
  await until(() => readdirSync(pids).length === 3, 30_000, 'three agents on three nodes');
  child.child.kill('SIGKILL');
  await child.done;
  assert.equal(live('ktpu').length, 3, 'a killed run leaves its nodes held');
  const r = await runLoopInProcess(repo, args, tpuEnv(repo, [{ steps: [{ do: 'shell', cmd: COMMIT }] }]));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(runDirs(repo).length, 1, 'resumed, not a new run');
  const state = readJson<{ status: string; completed: unknown[] }>(join(runDirs(repo)[0]!, 'state.json'));
  assert.equal(state.status, 'done');
  assert.equal(state.completed.length, 3);
  assert.deepEqual(live('ktpu'), [], 'all three released');
  const leases = join(logDir(repo), 'leases');
  assert.deepEqual(existsSync(leases) ? readdirSync(leases) : [], []);
});

test('K nodes over the project\'s quota: one line naming the quota and got/needed, exit 4, no agent started, the nodes it got released', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  emu.setNodeQuota('quota-proj', 2);
  t.after(() => emu.clearFaults());
  const started = repo.scratch('started');
  const env = { ...tpuEnv(repo, [{ steps: [{ do: 'shell', cmd: `touch ${started}; ${COMMIT}` }] }]), GOOGLE_CLOUD_PROJECT: 'quota-proj' };
  const t0 = Date.now();
  // A real process: the refusal reaches the operator through the CLI's own exit path.
  const child = spawnLoop(repo, ['--iterations', '3', '--parallel', '3', ...FAST, '--hillclimb-log', LOG, '--hold-dev-tpu', '--dev-tpu-name', 'qtpu'], env);
  t.after(() => child.child.kill('SIGKILL'));
  const r = await child.done;
  assert.equal(r.code, 4, r.stdout + r.stderr);
  const lines = r.stderr.trim().split('\n').filter((l) => /quota/.test(l));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /--parallel 3 needs 3 TPU nodes but the project's quota TPUV5PPerProjectPerRegionForTPUAPI \(limit 2 in [a-z0-9-]+\) ran out: got 2 \(qtpu-\d, qtpu-\d\), released; pass --parallel 2 or lower, or raise the quota/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.ok(!existsSync(started), 'no agent started');
  assert.deepEqual(live('qtpu'), [], 'the two it got are released');
  assert.ok(Date.now() - t0 < 20_000, 'a quota limit is not retried');
});
