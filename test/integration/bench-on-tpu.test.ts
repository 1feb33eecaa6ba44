/**
 * The benchmark runs where the kernel runs (--bench-on): codex-loop holds a TPU from the emulator whose two
 * workers are real sshd daemons on 127.0.0.2 and 127.0.0.3; the fake codex changes the kernel's speed; every
 * decision runs champion and candidate side by side in trees on the workers. The bench appends a marker line
 * (its host and the path of the module it imported) for each run, which is how the test knows where it ran.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, events, FAST, loopEnv, readJson, runDirs, runLoopInProcess } from '../helpers/loop-harness.js';
import { startSshWorkers, type SshWorkers } from '../helpers/sshd.js';
import { runCli } from '../helpers/cli.js';
import { TpuEmulator } from '../fakes/tpu-emulator.js';
import { emulatorEnv } from '../fakes/tpu-fixtures.js';
import type { SampleLogEntry } from '../../src/core/measure/sampling.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { createTpuHold } from '../../src/adapters/tpu/tpu-hold-factory.js';
import { silentLogger } from '../../src/log.js';

/** The "kernel": a step takes DELAY_MS, 1.5 times longer on a v4 than on a v5p. */
const BENCH = `import json, os, sys, time, urllib.request
sys.path.insert(0, os.getcwd())
import kern
conn = os.environ.get("SSH_CONNECTION", "")
host = conn.split()[2] if conn else "local"
arm = os.environ.get("BENCH_ARM", "")
if arm and os.path.exists(arm) and host == "127.0.0.2":
    left = int(open(arm).read().strip() or "0") - 1
    if left <= 0:
        os.remove(arm)
        def post(path, body):
            urllib.request.urlopen(urllib.request.Request(os.environ["BENCH_EMU"] + path, data=json.dumps(body).encode(), method="POST"))
        post("/_emulator/faults", {"capacityZone": "us-central1-a"})
        post("/_emulator/preempt", {"node": "bench-tpu"})
        print("the node went away under us")
        sys.exit(1)
    open(arm, "w").write(str(left))
slow = 1.5 if os.environ.get("GDNCTL_TPU_TYPE", "").startswith("v4") else 1.0
ts = []
for _ in range(3):
    t = time.perf_counter()
    time.sleep(kern.DELAY_MS * slow / 1000)
    ts.append((time.perf_counter() - t) * 1000)
with open(os.environ["BENCH_MARKS"], "a") as f:
    f.write(host + " " + kern.__file__ + "\\n")
print("bench-module", kern.__file__, "host", host, "type", os.environ.get("GDNCTL_TPU_TYPE", ""), "chips", os.environ.get("GDNCTL_TPU_CHIPS", ""))
print('GDNCTL_METRIC {"step_ms": %.3f}' % (sum(ts) / len(ts)))
`;

const CLUSTERS = JSON.stringify({
  main: { zone: 'us-central1-a', acceleratorType: 'v5p-16', runtimeVersion: 'v2-alpha-tpuv5' },
  alt: { zone: 'us-east5-a', acceleratorType: 'v4-16', runtimeVersion: 'tpu-ubuntu2204-base' },
});

let emu: TpuEmulator;
let workers: SshWorkers;
before(async () => {
  [emu, workers] = await Promise.all([TpuEmulator.start({ readyDelayMs: 30, deleteDelayMs: 20 }), startSshWorkers({ count: 2 })]);
});
after(async () => {
  await Promise.all([emu.close(), workers.dispose()]);
});

/** A repository with the kernel and its bench, a remote root of its own on the workers, the loop's env and flags. */
async function world(t: { after: (fn: () => unknown) => void }, scenario: Parameters<typeof loopEnv>[1]) {
  // A preemption test leaves its capacity fault behind.
  emu.clearFaults();
  // forwardEnv is read from gdnctl.yaml by the loop (as a flag it is dev-tpu-test's and baseline's).
  const gdnctlYaml = 'forwardEnv: [BENCH_MARKS, BENCH_ARM, BENCH_EMU]\n';
  const repo = await TempRepo.create({ files: { 'kern.py': 'DELAY_MS = 80\n', 'bench.py': BENCH, '.gitignore': '__pycache__/\n', 'gdnctl.yaml': gdnctlYaml } });
  const name = `gdnctl-bench-tpu-${Math.random().toString(36).slice(2, 8)}`;
  // sshd's user (root) expands ~ to its passwd home, which is this user's too: the workers share this machine.
  const remoteRoot = join(userInfo().homedir, name);
  const marks = repo.scratch('marks.txt');
  const arm = repo.scratch('arm.txt');
  writeFileSync(marks, '');
  t.after(() => {
    rmSync(remoteRoot, { recursive: true, force: true });
    return repo.dispose();
  });
  const env = loopEnv(repo, scenario, {
    ...emulatorEnv(emu, 'bench-proj', workers.keyFile),
    GDNCTL_TPU_POLL_INTERVAL_MS: '20',
    BENCH_MARKS: marks,
    BENCH_ARM: arm,
    BENCH_EMU: emu.endpoint,
  });
  const flags = [
    ...FAST, '--hold-dev-tpu', '--dev-tpu-name', 'bench-tpu', '--clusters', CLUSTERS, '--dev-tpu-cluster', 'main',
    '--ssh-user', workers.user, '--ssh-port', String(workers.port), '--ssh-key-file', workers.keyFile,
    '--known-hosts-file', join(workers.dir, 'kh'), '--ssh-retries', '2', '--ssh-retry-sleep-seconds', '0', '--ssh-connect-timeout-seconds', '3',
    '--remote-dir', `~/${name}`,
    '--bench', 'python3 bench.py', '--metric', 'step_ms', '--direction', 'lower', '--baseline-runs', '3', '--accept-noise',
    '--max-bench-runs', '10', '--min-improvement-pct', '5', '--max-regression-pct', '15',
  ];
  return { repo, env, flags, remoteRoot, marks, arm };
}

const samples = (file: string): SampleLogEntry[] => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SampleLogEntry);
const outcome = (run: string, i: number): string | undefined =>
  existsSync(join(run, `iter-00${i}`, 'record.json')) ? (readJson(join(run, `iter-00${i}`, 'record.json')) as { decision?: { outcome: string } }).decision?.outcome : 'no record';

test('codex-loop on a held TPU: decisions measured on the workers, champion and candidate trees side by side', async (t) => {
  const w = await world(t, [
    { steps: [commitStep({ 'kern.py': 'DELAY_MS = 40\n' }, 'Fuse the chunk loop')] },
    { steps: [commitStep({ 'kern.py': '# tidy\nDELAY_MS = 40\n' }, 'Tidy the kernel')] },
    { steps: [commitStep({ 'kern.py': 'DELAY_MS = 80\n' }, 'Unfuse again')] },
  ]);
  const r = await runLoopInProcess(w.repo, ['--iterations', '3', ...w.flags], w.env);
  assert.ok(r.code === 0 || r.code === 1, `${r.code}\n${r.stderr}`);
  const run = runDirs(w.repo).at(-1)!;
  assert.deepEqual([1, 2, 3].map((i) => outcome(run, i)), ['promoted', 'kept-within-noise', 'regression'], r.stderr);

  // Every run of the bench happened on a worker, never on this machine, each side in its own tree.
  const lines = readFileSync(w.marks, 'utf8').trim().split('\n');
  assert.ok(lines.length > 20, `${lines.length} bench runs`);
  for (const l of lines) assert.match(l, new RegExp(`^127\\.0\\.0\\.[23] ${w.remoteRoot}/(champion|candidate)/kern\\.py$`));
  assert.ok(lines.some((l) => l.startsWith('127.0.0.3 ')), 'worker 1 ran it too');
  const s1 = samples(join(run, 'iter-001', 'bench-samples.jsonl'));
  for (const e of s1) {
    assert.match(e.workers![0]!.tail, new RegExp(`bench-module ${w.remoteRoot}/${e.side}/kern\\.py host 127\\.0\\.0\\.2 type v5p-16 chips 8`));
    assert.match(e.workers![1]!.tail, /host 127\.0\.0\.3/, 'the other worker\'s output is kept');
  }
  assert.deepEqual(s1.filter((e) => e.warmup).map((e) => e.side).sort(), ['candidate', 'champion'], 'one warm-up per side, excluded');
  const bench1 = readJson(join(run, 'iter-001', 'bench.json'));
  assert.equal(bench1.benchOn, 'tpu');
  assert.equal(bench1.interleaved, true);
  assert.match(String(bench1.where), /^TPU v5p-16: 8 chips of TPU v5p on 2 hosts, bench-tpu in us-central1-a, 2 worker\(s\)$/);

  // The trees sit side by side; the champion tree holds the promoted commit, the candidate the last one.
  const promoted = readJson(join(run, 'champion.json')).sha as string;
  assert.equal(readFileSync(join(w.remoteRoot, 'champion', '.gdnctl', 'tree'), 'utf8').trim(), promoted);
  assert.equal(readFileSync(join(w.remoteRoot, 'champion', 'kern.py'), 'utf8'), 'DELAY_MS = 40\n');
  assert.equal(readFileSync(join(w.remoteRoot, 'candidate', 'kern.py'), 'utf8'), 'DELAY_MS = 80\n');
  assert.ok(existsSync(join(w.remoteRoot, 'candidate', '.gdnctl', 'jax-cache')), 'each tree has its own JAX cache');
  assert.ok(existsSync(join(w.remoteRoot, 'champion', '.gdnctl', 'jax-cache')));
  // Synced once per move: the baseline commit for iteration 1, the promoted one for iteration 2, none for 3.
  assert.equal(r.stderr.match(/sync: champion tree/g)?.length, 2, r.stderr);
  assert.equal(r.stderr.match(/sync: candidate tree/g)?.length, 4, 'baseline and 3 candidates');

  const snap = readFileSync(join(run, 'baseline', 'env-snapshot.txt'), 'utf8');
  assert.match(snap, /^Accelerator: TPU v5p-16 bench-tpu in us-central1-a \(project bench-proj\)$/m);
  assert.match(snap, /^Chips: v5p-16: 8 chips of TPU v5p on 2 hosts$/m);
  assert.match(snap, /^TPU runtime: v2-alpha-tpuv5$/m);
  assert.doesNotMatch(snap, /^Accelerator: none detected/m);
  assert.equal(w.repo.git('status', '--porcelain').trim(), '');
});

test('a preemption mid-decision: re-acquired onto another type, samples discarded, baseline and champion re-measured', async (t) => {
  const w = await world(t, [
    { steps: [commitStep({ 'kern.py': 'DELAY_MS = 40\n' }, 'Fuse the chunk loop')] },
    { steps: [commitStep({ 'kern.py': '# tidy\nDELAY_MS = 40\n' }, 'Tidy the kernel')] },
  ]);
  // In iteration 2 the 4th bench run (after both warm-ups and one run per side) takes the node away.
  const flags = [...w.flags, '--dev-tpu-fallback-cluster', 'alt', '--post-check', `if [ "$GDNCTL_ITERATION" = 2 ]; then echo 4 > ${w.arm}; fi`];
  const r = await runLoopInProcess(w.repo, ['--iterations', '2', ...flags], w.env);
  assert.ok(r.code === 0 || r.code === 1, `${r.code}\n${r.stderr}`);
  const run = runDirs(w.repo).at(-1)!;
  assert.deepEqual([1, 2].map((i) => outcome(run, i)), ['promoted', 'kept-within-noise'], r.stderr);
  const b2 = readJson(join(run, 'iter-002', 'bench.json'));
  const reason = String(b2.reason);
  assert.match(reason, /the TPU changed \(v5p-16 \(8 chips, 2 hosts\), runtime v2-alpha-tpuv5 → v4-16 \(8 chips, 2 hosts\), runtime tpu-ubuntu2204-base\); baseline and champion re-measured first/);
  assert.match(reason, /the TPU was lost during the decision \(re-acquired bench-tpu in us-east5-a, v4-16\); its runs were discarded and both sides measured again/);
  assert.match(readFileSync(join(run, 'iter-002', 'summary.md'), 'utf8'), /the TPU changed/, 'the report says so');

  const s2 = samples(join(run, 'iter-002', 'bench-samples.jsonl'));
  assert.ok(s2.some((e) => e.attempt === 1 && e.discarded && !e.ok), 'the failed run is kept, discarded');
  assert.ok(s2.filter((e) => e.attempt === 1).every((e) => e.discarded));
  assert.ok(s2.filter((e) => e.attempt === 2 && !e.warmup && e.side === 'candidate').length >= 5);

  const base = readJson(join(run, 'baseline', 'baseline.json')) as { envLabel: string; median: number; replaced: { envLabel: string; median: number; envFingerprint: string } };
  assert.match(base.envLabel, /^v4-16 /);
  assert.match(base.replaced.envLabel, /^v5p-16 /);
  assert.ok(base.median > base.replaced.median * 1.3, `the baseline commit is slower on the v4: ${base.replaced.median} → ${base.median}`);
  assert.ok(existsSync(join(run, 'baseline', `replaced-${base.replaced.envFingerprint}`, 'baseline.json')), 'the old baseline is kept');
  const champ = readJson(join(run, 'champion.json'));
  assert.equal(champ.source, 'env-changed');
  assert.ok((champ.median as number) > 50, `the champion re-measured on the v4: ${String(champ.median)}`);
  const types = events(run).map((e) => String(e.type)).filter((x) => x.startsWith('tpu-'));
  assert.ok(types.includes('tpu-lost') && types.includes('tpu-reacquired'), types.join(' '));
  assert.match(readFileSync(join(run, 'baseline', 'env-snapshot.txt'), 'utf8'), /^Accelerator: TPU v4-16 bench-tpu in us-east5-a/m);
});

test('gdnctl baseline on the TPU the loop names in GDNCTL_TPU_*: measured on its workers, the warm-up excluded, the TPU in its key', async (t) => {
  const w = await world(t, []);
  // A node the way a loop holds it; a post-check (or a shell) sees it through GDNCTL_TPU_*.
  const values = resolveConfig({ command: 'codex-loop', cwd: w.repo.dir, env: w.env, flags: { workdir: w.repo.dir, holdDevTpu: true, devTpuName: 'named-tpu', devTpuType: 'v5p-16', iterations: 1 } }).values;
  const log = await silentLogger();
  const hold = createTpuHold(values, { log, env: w.env });
  const node = (await hold.acquire())!;
  t.after(() => hold.release());
  const held = { GDNCTL_TPU_PROJECT: node.project, GDNCTL_TPU_ZONE: node.zone, GDNCTL_TPU_CLUSTER: node.cluster, GDNCTL_TPU_NAME: node.name };
  const args = [
    'baseline', '--ssh-user', workers.user, '--ssh-port', String(workers.port), '--ssh-key-file', workers.keyFile,
    '--known-hosts-file', join(workers.dir, 'kh'), '--remote-dir', w.flags[w.flags.indexOf('--remote-dir') + 1]!, '--forward-env', 'BENCH_MARKS',
    '--bench', 'python3 bench.py', '--metric', 'step_ms', '--direction', 'lower', '--baseline-runs', '3', '--accept-noise',
  ];
  const r = await runCli(args, { cwd: w.repo.dir, env: { ...w.env, ...held } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^baseline [0-9a-f]{16}: median [\d.]+ over 3 runs/m);
  assert.match(r.stdout, /\(warm-up excluded: [\d.]+\)/);
  assert.match(r.stdout, /^ {2}on the TPU: v5p-16 \(8 chips, 2 hosts\), runtime v2-alpha-tpuv5$/m);
  const lines = readFileSync(w.marks, 'utf8').trim().split('\n');
  assert.equal(lines.length, 8, '4 runs (1 warm-up + 3) on each of 2 workers');
  for (const l of lines) assert.match(l, new RegExp(`^127\\.0\\.0\\.[23] ${w.remoteRoot}/candidate/kern\\.py$`));
  const key = /^baseline ([0-9a-f]{16})/m.exec(r.stdout)![1]!;
  const stored = join(w.repo.dir, '.agents', 'logs', 'gdn_codex_loop', 'baselines', key);
  assert.match(readFileSync(join(stored, 'env-snapshot.txt'), 'utf8'), /^Accelerator: TPU v5p-16 named-tpu in us-central1-a/m);
  assert.ok(existsSync(join(stored, 'samples.jsonl')));
  // The same command with --bench-on local runs here, where there is no ssh connection, and is keyed apart.
  writeFileSync(w.marks, '');
  const local = await runCli([...args, '--bench-on', 'local'], { cwd: w.repo.dir, env: { ...w.env, ...held } });
  assert.equal(local.code, 0, local.stderr);
  assert.match(readFileSync(w.marks, 'utf8'), new RegExp(`^local ${w.repo.dir}/kern\\.py$`, 'm'));
  assert.notEqual(/^baseline ([0-9a-f]{16})/m.exec(local.stdout)![1], key);
});
