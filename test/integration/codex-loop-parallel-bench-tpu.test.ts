/**
 * codex-loop --parallel 2 --hold-dev-tpu --bench-on tpu: the emulator's node <name>-k has its one worker on its own
 * sshd (127.0.0.(1+k)); the fake agents make the kernel faster by different amounts; the bench appends a marker
 * line (the worker it ran on and the module it imported) per run, which is how the test knows where it ran.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { events, FAST, loopEnv, readJson, runDirs, runLoopInProcess, spawnLoop } from '../helpers/loop-harness.js';
import { startSshWorkers, type SshWorkers } from '../helpers/sshd.js';
import { TpuEmulator } from '../fakes/tpu-emulator.js';
import { emulatorEnv } from '../fakes/tpu-fixtures.js';

const BENCH = `import os, sys, time
sys.path.insert(0, os.getcwd())
import kern
conn = os.environ.get("SSH_CONNECTION", "")
host = conn.split()[2] if conn else "local"
ts = []
for _ in range(3):
    t = time.perf_counter()
    time.sleep(kern.DELAY_MS * (1.5 if os.environ.get("GDNCTL_TPU_TYPE", "").startswith("v4") else 1.0) / 1000)
    ts.append((time.perf_counter() - t) * 1000)
with open(os.environ["BENCH_MARKS"], "a") as f:
    f.write(host + " " + os.environ.get("GDNCTL_TPU_NAME", "") + " " + kern.__file__ + "\\n")
print('GDNCTL_METRIC {"step_ms": %.3f}' % (sum(ts) / len(ts)))
`;

const CLUSTERS = JSON.stringify({
  main: { zone: 'us-central1-a', acceleratorType: 'v5p-8', runtimeVersion: 'v2-alpha-tpuv5' },
  alt: { zone: 'us-east5-a', acceleratorType: 'v4-8', runtimeVersion: 'tpu-ubuntu2204-base' },
});
const LOG = 'notes/hillclimb.md';
// Candidate 1 makes the kernel 30 ms, candidate 2 45 ms: both beat the champion's 80, candidate 1 ranks first.
const AGENT = 'slot=$(basename "$PWD"); if [ "$slot" = c1 ]; then d=30; else d=45; fi; printf "DELAY_MS = %s\\n" "$d" > kern.py; n=$(git rev-list --count HEAD); mkdir -p notes; printf "# log\\n\\n### Iteration %s - faster\\n- Commit: this commit\\n" "$n" >> notes/hillclimb.md; git add -A && git commit -qm "kernel at $d ms in $slot"';

let emu: TpuEmulator;
let workers: SshWorkers;
before(async () => {
  // Node <name>-k's one worker is 127.0.0.(1+k): each node its own sshd.
  [emu, workers] = await Promise.all([
    TpuEmulator.start({ readyDelayMs: 30, deleteDelayMs: 20, workerAddress: (id) => `127.0.0.${1 + Number(/-(\d+)$/.exec(id)?.[1] ?? 1)}` }),
    startSshWorkers({ count: 2 }),
  ]);
});
after(async () => {
  await Promise.all([emu.close(), workers.dispose()]);
});

/** A repository with the kernel and its bench, a remote root of its own, and the loop's flags. */
async function world(t: { after: (fn: () => unknown) => void }) {
  emu.clearFaults();
  const repo = await TempRepo.create({ files: { 'kern.py': 'DELAY_MS = 80\n', 'bench.py': BENCH, '.gitignore': '__pycache__/\n', 'gdnctl.yaml': 'forwardEnv: [BENCH_MARKS]\n' } });
  const name = `gdnctl-pbench-${Math.random().toString(36).slice(2, 8)}`;
  // sshd's user expands ~ to this user's home: both "nodes" share this machine's file system.
  const remoteRoot = join(userInfo().homedir, name);
  t.after(() => {
    rmSync(remoteRoot, { recursive: true, force: true });
    return repo.dispose();
  });
  const marks = repo.scratch('marks.txt');
  writeFileSync(marks, '');
  const env = loopEnv(repo, [{ steps: [{ do: 'shell', cmd: AGENT }] }], { ...emulatorEnv(emu, 'pbench-proj', workers.keyFile), GDNCTL_TPU_POLL_INTERVAL_MS: '20', BENCH_MARKS: marks });
  const args = [
    '--iterations', '2', '--parallel', '2', ...FAST, '--hillclimb-log', LOG,
    '--hold-dev-tpu', '--dev-tpu-name', 'pb', '--clusters', CLUSTERS, '--dev-tpu-cluster', 'main', '--bench-on', 'tpu',
    '--ssh-user', workers.user, '--ssh-port', String(workers.port), '--ssh-key-file', workers.keyFile,
    '--known-hosts-file', join(workers.dir, 'kh'), '--ssh-retries', '2', '--ssh-retry-sleep-seconds', '0', '--ssh-connect-timeout-seconds', '3',
    '--remote-dir', `~/${name}`,
    '--bench', 'python3 bench.py', '--metric', 'step_ms', '--direction', 'lower', '--baseline-runs', '3', '--accept-noise',
    '--max-bench-runs', '12', '--min-improvement-pct', '5', '--max-regression-pct', '15',
  ];
  return { repo, remoteRoot, marks, env, args };
}

test('--parallel 2 --bench-on tpu: each candidate measured on its own node, the baseline on node 1 after both are held, the finalists ranked on node 1', async (t) => {
  const { repo, remoteRoot, marks, env, args } = await world(t);
  const r = await runLoopInProcess(repo, args, env);
  assert.equal(r.code, 0, r.stderr);
  const run = runDirs(repo)[0]!;

  // Where each run happened: node k's worker, in node k's own trees; the finalists on node 1 only.
  const lines = readFileSync(marks, 'utf8').trim().split('\n');
  const where = (re: RegExp): string[] => lines.filter((l) => re.test(l));
  for (const l of lines) {
    assert.match(l, new RegExp(`^(127\\.0\\.0\\.2 pb-1 ${remoteRoot}/(c1/(champion|candidate)|finalists/c[12]/candidate)|127\\.0\\.0\\.3 pb-2 ${remoteRoot}/c2/(champion|candidate))/kern\\.py$`), l);
  }
  assert.ok(where(/ pb-2 .*\/c2\/candidate\//).length >= 3, 'candidate 2 measured on node 2');
  assert.ok(where(/ pb-2 .*\/c2\/champion\//).length >= 3, 'against the champion in node 2\'s own champion tree');
  assert.ok(where(/ pb-1 .*\/c1\/candidate\//).length >= 6, 'the baseline and candidate 1 on node 1');
  assert.equal(where(/\/finalists\/c1\//).length, 3, 'three ranking passes of finalist 1, on node 1');
  assert.equal(where(/\/finalists\/c2\//).length, 3, 'three ranking passes of finalist 2, on node 1');

  // The trees on the workers hold what the candidates committed.
  assert.equal(readFileSync(join(remoteRoot, 'c1', 'candidate', 'kern.py'), 'utf8'), 'DELAY_MS = 30\n');
  assert.equal(readFileSync(join(remoteRoot, 'c2', 'candidate', 'kern.py'), 'utf8'), 'DELAY_MS = 45\n');
  assert.equal(readFileSync(join(remoteRoot, 'finalists', 'c2', 'candidate', 'kern.py'), 'utf8'), 'DELAY_MS = 45\n');
  assert.equal(readFileSync(join(remoteRoot, 'c2', 'champion', 'kern.py'), 'utf8'), 'DELAY_MS = 80\n');
  const bench = (i: number) => readJson(join(run, `iter-00${i}`, 'bench.json'));
  assert.match(String(bench(1).where), /pb-1 in us-central1-a/);
  assert.match(String(bench(2).where), /pb-2 in us-central1-a/);
  assert.equal(bench(1).benchOn, 'tpu');

  // The baseline: node 1, measured once both nodes were held.
  assert.match(readFileSync(join(run, 'baseline', 'env-snapshot.txt'), 'utf8'), /^Accelerator: TPU v5p-8 pb-1 in us-central1-a/m);
  const ev = events(run);
  const acquired = ev.filter((e) => e.type === 'tpu-acquired').map((e) => Date.parse(String(e.ts)));
  assert.equal(acquired.length, 2, JSON.stringify(ev.map((e) => e.type)));
  const baseAt = Date.parse(String(readJson(join(run, 'baseline', 'baseline.json')).createdAt));
  assert.ok(baseAt >= Math.max(...acquired), `baseline at ${baseAt}, nodes held at ${acquired.join(', ')}`);

  // Candidate 1 (30 ms) won the ranking; candidate 2 stays on its branch, explored.
  const promoted = ev.filter((e) => e.type === 'candidate-promoted');
  assert.equal(promoted.length, 1);
  assert.equal(promoted[0]!.slot, 1);
  assert.equal(readFileSync(join(repo.dir, 'kern.py'), 'utf8'), 'DELAY_MS = 30\n');
  assert.equal(readJson(join(run, 'iter-002', 'record.json')).status, 'explored');
  assert.deepEqual(emu.liveNodes().filter((n) => n.nodeId.startsWith('pb-')), [], 'both nodes released');
});

test('--parallel 2 --bench-on tpu, one node from the fallback cluster (another type): said once, that candidate re-baselined on its own node', async (t) => {
  const { repo, env, args } = await world(t);
  // The first create in the main zone finds no capacity: that slot's node comes from the v4 fallback.
  emu.failCapacity('us-central1-a', 1);
  t.after(() => emu.clearFaults());
  const r = await runLoopInProcess(repo, [...args, '--dev-tpu-fallback-cluster', 'alt'], env);
  assert.equal(r.code, 0, r.stderr);
  const run = runDirs(repo)[0]!;
  const types = new Map(events(run).filter((e) => e.type === 'tpu-acquired').map((e) => [Number(e.slot), e.cluster === 'alt' ? 'v4-8' : 'v5p-8']));
  assert.deepEqual([...types.values()].sort(), ['v4-8', 'v5p-8'], JSON.stringify([...types]));
  const [t1, t2] = [types.get(1)!, types.get(2)!];
  assert.equal(r.stderr.match(/candidate 2\) is a/g)?.length, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`node pb-2 \\(candidate 2\\) is a ${t2}, node 1 \\(pb-1\\) a ${t1}: candidate 2's baseline and champion are measured again on its own node`));
  const runBase = readJson<{ envLabel: string }>(join(run, 'baseline', 'baseline.json'));
  const c2Base = readJson<{ envLabel: string; replaced?: { envLabel: string } }>(join(run, 'candidates', 'c2', 'baseline', 'baseline.json'));
  assert.ok(runBase.envLabel.startsWith(`${t1} `), runBase.envLabel);
  assert.ok(c2Base.envLabel.startsWith(`${t2} `), `candidate 2's baseline measured on its own ${t2}: ${c2Base.envLabel}`);
  assert.ok(c2Base.replaced?.envLabel.startsWith(`${t1} `), 'it replaced the copy of node 1\'s');
  assert.deepEqual(emu.liveNodes().filter((n) => n.nodeId.startsWith('pb-')), [], 'both nodes released');
});

test('--parallel 2 --bench-on tpu, kill -9 after the promotion, the same command: nodes taken back, nothing measured, ranked or promoted again', async (t) => {
  const { repo, remoteRoot, marks, env, args } = await world(t);
  const marker = repo.scratch('fault-marker');
  const child = spawnLoop(repo, args, { ...env, GDNCTL_FAULT: 'after-promotion', GDNCTL_FAULT_MARKER: marker });
  t.after(() => child.child.kill('SIGKILL'));
  const killed = await child.done;
  assert.equal(readFileSync(marker, 'utf8').trim(), 'after-promotion', killed.stderr);
  assert.equal(emu.liveNodes().filter((n) => n.nodeId.startsWith('pb-')).length, 2, 'a killed run leaves its nodes held');
  const run = runDirs(repo)[0]!;
  const baseAt = readJson(join(run, 'baseline', 'baseline.json')).createdAt;
  const head = repo.head();
  const runsBefore = readFileSync(marks, 'utf8').trim().split('\n').length;

  const r = await runLoopInProcess(repo, args, env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(runDirs(repo).length, 1, 'resumed, not a new run');
  assert.equal(repo.head(), head, 'the promotion is not applied again');
  assert.equal(readJson(join(run, 'baseline', 'baseline.json')).createdAt, baseAt, 'the baseline is not measured again');
  // The resume ran nothing on the nodes but the env snapshot's look: no bench, no finalist pass.
  assert.equal(readFileSync(marks, 'utf8').trim().split('\n').length, runsBefore);
  assert.equal(readFileSync(join(remoteRoot, 'c1', 'candidate', 'kern.py'), 'utf8'), 'DELAY_MS = 30\n');
  const promoted = events(run).filter((e) => e.type === 'candidate-promoted');
  assert.equal(promoted.length, 1);
  assert.equal(readJson(join(run, 'state.json')).status, 'done');
  assert.deepEqual(emu.liveNodes().filter((n) => n.nodeId.startsWith('pb-')), [], 'both nodes released');
});
