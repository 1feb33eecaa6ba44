import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { startDevTpuRepo, type DevTpuRepo } from '../helpers/dev-tpu-repo.js';
import { runCli } from '../helpers/cli.js';

let fixture: DevTpuRepo;
let repo: string;

/** Stand-in for tiny_profile: echoes its GDN_PROFILE_* env, writes a small JAX-like trace, prints throughput. */
const FAKE_PROFILE = `#!/bin/sh
set -e
echo "size=$GDN_PROFILE_SIZE steps=$GDN_PROFILE_NUM_STEPS start=$GDN_PROFILE_PROFILE_START_STEP n=$GDN_PROFILE_PROFILE_NUM_STEPS batch=$GDN_PROFILE_BATCH_SIZE prefix=$GDN_PROFILE_RUN_NAME_PREFIX extra=$EXTRA"
d="$GDNCTL_PROFILE_DIR/plugins/profile/2026_11_23_12_00_00"
mkdir -p "$d"
cat > "$d/trace.$$.json" <<'JSON'
{"traceEvents":[
{"ph":"M","name":"process_name","pid":3,"args":{"name":"/device:TPU:0"}},
{"ph":"M","name":"thread_name","pid":3,"tid":1,"args":{"name":"XLA Ops"}},
{"ph":"X","pid":3,"tid":1,"name":"gdn_chunk_fwd","ts":0,"dur":700},
{"ph":"X","pid":3,"tid":1,"name":"fusion.3","ts":700,"dur":300},
{"ph":"X","pid":9,"tid":1,"name":"host_op","ts":0,"dur":5000}
]}
JSON
# The loopback workers share one filesystem: write under a per-process name, then rename (atomic).
gzip -c "$d/trace.$$.json" > "$d/trace.$$.json.gz" && rm -f "$d/trace.$$.json" && mv -f "$d/trace.$$.json.gz" "$d/perfetto_trace.json.gz"
echo xplane > "$d/host.xplane.pb"
echo "throughput/mfu: 0.4213"
echo "tokens_per_s=12345.5"
echo "step_time_s: 0.25"
`;

before(async () => {
  fixture = await startDevTpuRepo('gdnctl-devprof-', {
    'tools/fake_profile.sh': FAKE_PROFILE,
    // Prints what the Python tool's flags become, then behaves like tiny_profile.
    'tools/show_env.sh': 'env | grep -E "^(GDN_PROFILE_|LEVANTER_|WANDB_MODE=|MARIN_PREFIX=)" | sort | sed "s/^/env: /"\necho "args: $*"\nexec sh tools/fake_profile.sh\n',
    'gdnctl.yaml': 'profileCommand: sh tools/fake_profile.sh\n',
  });
  repo = fixture.repo;
});

after(async () => {
  await fixture.dispose();
});

const ssh = (): string[] => [...fixture.sshFlags(), '--ssh-retries', '1'];

const HOME = process.env.HOME ?? '/root';
/** A home-relative worker path (`~/…`) as a path on this machine, where the loopback workers live. */
const onWorker = (p: string): string => join(HOME, p.replace(/^~\//, ''));
const profilesRoot = (): string => join(repo, '.agents', 'logs', 'gdn_codex_loop', 'profiles');

function runDirs(): string[] {
  const d = profilesRoot();
  return existsSync(d) ? readdirSync(d).sort() : [];
}

/** A loop run folder with one iteration folder, as the loop gives a post-check ($GDNCTL_RUN_DIR, $GDNCTL_ITER_DIR). */
function loopRun(iterations: number[]): { runDir: string; iterDir: (n: number) => string; dispose: () => void } {
  const runDir = mkdtempSync(join(tmpdir(), 'gdnctl-run-'));
  const iterDir = (n: number): string => join(runDir, `iter-${String(n).padStart(3, '0')}`);
  for (const n of iterations) mkdirSync(iterDir(n), { recursive: true });
  return { runDir, iterDir, dispose: () => rmSync(runDir, { recursive: true, force: true }) };
}

describe('gdnctl dev-tpu-profile', () => {
  test('over ssh in a loop: env passed, w0 traces copied into $GDNCTL_ITER_DIR/profile/ (not the tree), hotspots next to them, metric line', async () => {
    const run = loopRun([7]);
    try {
      const before = runDirs();
      const r = await runCli(
        ['dev-tpu-profile', ...ssh(), '--size', '300m', '--num-steps', '10', '--profile-start-step', '3', '--profile-num-steps', '4', '--batch-size', '4', '--profile-env', 'EXTRA=yes', '--no-include-xplane', '--json'],
        { cwd: repo, env: { GDNCTL_RUN_DIR: run.runDir, GDNCTL_ITER_DIR: run.iterDir(7), GDNCTL_ITERATION: '7' } },
      );
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stderr, /^\[w0\] size=300m steps=10 start=3 n=4 batch=4 prefix=gdn_tinyprof extra=yes$/m);
      assert.match(r.stderr, /^\[w1\] size=300m/m);
      assert.match(r.stderr, /^GDNCTL_METRIC \{"mfu":0\.4213,"tokens_per_s":12345\.5,"step_time_ms":250\}$/m);
      const report = JSON.parse(r.stdout);
      assert.match(report.runName, /^gdn_tinyprof_300m_10steps_iter007_\d{8}T\d{6}Z$/);
      const dir = join(run.iterDir(7), 'profile');
      assert.equal(report.dir, dir);
      assert.deepEqual(runDirs(), before, 'nothing under the repository');
      const tsDir = join(dir, 'plugins', 'profile', '2026_11_23_12_00_00');
      assert.ok(existsSync(join(tsDir, 'perfetto_trace.json.gz')));
      assert.ok(!existsSync(join(tsDir, 'host.xplane.pb')), 'xplane copied despite --no-include-xplane');
      assert.equal(JSON.parse(readFileSync(join(dir, 'profile.json'), 'utf8')).runName, report.runName);
      const hs = JSON.parse(readFileSync(join(dir, 'hotspots.json'), 'utf8'));
      assert.deepEqual(hs.ops.map((o: { name: string }) => o.name), ['gdn_chunk_fwd', 'fusion.3']);
      assert.deepEqual(JSON.parse(readFileSync(join(run.iterDir(7), 'hotspots.json'), 'utf8')).ops, hs.ops);
      // On the workers: under the remote user's home, one folder per run (not a fixed /tmp folder).
      assert.match(report.workerDir, new RegExp(`^~/\\.gdnctl/profiles/[^/]+/${basename(run.runDir)}/${report.runName}$`));
      assert.ok(existsSync(join(onWorker(report.workerDir), 'plugins', 'profile', '2026_11_23_12_00_00', 'perfetto_trace.json.gz')));
      assert.equal(execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' }), '');
    } finally {
      run.dispose();
    }
  });

  test('outside a loop: <logDir>/profiles/<run-name>/ with the XSpace copied by default, kept out of git status', async () => {
    const before = runDirs();
    const r = await runCli(['dev-tpu-profile', ...ssh(), '--json'], { cwd: repo });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    const runs = runDirs().filter((d) => !before.includes(d));
    assert.deepEqual(runs, [report.runName]);
    assert.equal(report.dir, join(profilesRoot(), report.runName));
    assert.ok(existsSync(join(report.dir, 'plugins', 'profile', '2026_11_23_12_00_00', 'host.xplane.pb')), 'the XSpace is copied by default');
    // The fake XSpace is not one: the table falls back to the JSON trace and says why.
    assert.match(r.stderr, /host\.xplane\.pb.*(not a readable XSpace|no TPU device plane)/);
    assert.equal(report.hotspots.ops[0].name, 'gdn_chunk_fwd');
    assert.match(report.workerDir, /^~\/\.gdnctl\/profiles\/[^/]+\/adhoc\//);
    assert.equal(execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' }), '');
    assert.match(readFileSync(join(repo, '.git', 'info', 'exclude'), 'utf8'), /^\/\.agents\/logs\/gdn_codex_loop\/$/m);
  });

  test('--keep-profiles in a loop: the champion lineage stays, the last N others stay, the rest goes here and on the workers', async () => {
    const run = loopRun([1, 2, 3, 4]);
    try {
      writeFileSync(join(run.runDir, 'ledger.json'), JSON.stringify({ rows: [{ iteration: 1, outcome: 'promoted' }, { iteration: 2, outcome: 'regression' }, { iteration: 3, outcome: 'kept-within-noise' }] }));
      const reports: Array<{ runName: string; workerDir: string }> = [];
      for (const n of [1, 2, 3, 4]) {
        const r = await runCli(['dev-tpu-profile', ...ssh(), '--keep-profiles', '1', '--no-include-xplane', '--json'], {
          cwd: repo,
          env: { GDNCTL_RUN_DIR: run.runDir, GDNCTL_ITER_DIR: run.iterDir(n), GDNCTL_ITERATION: String(n) },
        });
        assert.equal(r.code, 0, r.stderr);
        reports.push(JSON.parse(r.stdout));
        // Run names are stamped to the second; keep them apart.
        await new Promise((res) => setTimeout(res, 1100));
      }
      const kept = [1, 2, 3, 4].filter((n) => existsSync(join(run.iterDir(n), 'profile')));
      assert.deepEqual(kept, [1, 4], 'iteration 1 (promoted) and the current one');
      for (const n of [2, 3]) assert.ok(existsSync(join(run.iterDir(n), 'hotspots.json')), `iter ${n} keeps its hotspots.json`);
      const onWorkers = readdirSync(dirname(onWorker(reports[0]!.workerDir))).sort();
      assert.deepEqual(onWorkers, [reports[0]!.runName, reports[3]!.runName].sort());
    } finally {
      run.dispose();
    }
  });

  test('--keep-profiles outside a loop: the last N runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gdnctl-profiles-'));
    try {
      const names: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await runCli(['dev-tpu-profile', '--accelerator', 'local', '--profiles-dir', dir, '--keep-profiles', '2', '--run-name-prefix', 'keep', '--json'], { cwd: repo });
        assert.equal(r.code, 0, r.stderr);
        names.push(JSON.parse(r.stdout).runName);
        await new Promise((res) => setTimeout(res, 1100));
      }
      assert.deepEqual(readdirSync(dir).sort(), names.slice(1).sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--accelerator local with --include-xplane and --json', async () => {
    const r = await runCli(['dev-tpu-profile', '--accelerator', 'local', '--include-xplane', '--json', '--run-name-prefix', 'localrun'], { cwd: repo });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.metrics.mfu, 0.4213);
    assert.ok(report.traces.some((t: string) => t.endsWith('host.xplane.pb')));
    assert.equal(report.hotspots.ops[0].name, 'gdn_chunk_fwd');
    assert.match(r.stderr, /^\[local\] size=130m steps=20 start=2 n=6 batch=8 prefix=localrun/m);
    assert.match(r.stderr, /^GDNCTL_METRIC /m);
  });

  test('a profile that leaves no trace is exit 1; a window past --num-steps is exit 2', async () => {
    const none = await runCli(['dev-tpu-profile', '--accelerator', 'local', '--profile-command', 'echo nothing'], { cwd: repo });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no trace files/);
    const bad = await runCli(['dev-tpu-profile', '--accelerator', 'local', '--num-steps', '5', '--profile-env', 'X'], { cwd: repo });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /does not fit in --num-steps 5/);
  });
});

describe('the Python tool\'s dev-tpu-profile flags', () => {
  const shown = (out: string): string[] => [...out.matchAll(/^\[local\] (env|args): (.*)$/gm)].map((m) => `${m[1]}: ${m[2]}`);

  test('--tpu, batch/chunk/segment and block sizes, --all-transformer, CE, W&B, MARIN_PREFIX and --dry-run reach the run', async () => {
    const r = await runCli(
      [
        'dev-tpu-profile', '--accelerator', 'local', '--profile-command', 'sh tools/show_env.sh',
        '--tpu', 'v5p-8', '--size', '300m', '--num-steps', '12', '--profile-start-step', '2', '--profile-num-steps', '4', '--batch-size', '4',
        '--chunk-size', '64', '--segment-size', '16', '--gdn-layers-per-block', '3', '--gdn-block-size', '4', '--all-transformer',
        '--ce-implementation', 'pallas_tpu', '--ce-bwd-mode', 'xla_streaming', '--wandb-mode', 'offline',
        '--marin-prefix', 'gs://marin-us-east5', '--run-name-prefix', 'gdn_anchor', '--dry-run', '--no-sync',
      ],
      { cwd: repo },
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(shown(r.stdout), [
      'env: GDN_PROFILE_ALL_TRANSFORMER=1',
      'env: GDN_PROFILE_BATCH_SIZE=4',
      'env: GDN_PROFILE_CHUNK_SIZE=64',
      'env: GDN_PROFILE_GDN_BLOCK_SIZE=4',
      'env: GDN_PROFILE_GDN_LAYERS_PER_BLOCK=3',
      'env: GDN_PROFILE_NUM_STEPS=12',
      'env: GDN_PROFILE_PROFILE_NUM_STEPS=4',
      'env: GDN_PROFILE_PROFILE_START_STEP=2',
      'env: GDN_PROFILE_RUN_NAME_PREFIX=gdn_anchor',
      'env: GDN_PROFILE_SEGMENT_SIZE=16',
      'env: GDN_PROFILE_SIZE=300m',
      'env: GDN_PROFILE_TPU_VARIANT=v5p-8',
      'env: LEVANTER_FUSED_CE_IMPLEMENTATION=pallas_tpu',
      'env: LEVANTER_PALLAS_TPU_BWD_USE_XLA_STREAMING_BENCH=1',
      'env: MARIN_PREFIX=gs://marin-us-east5',
      'env: WANDB_MODE=offline',
      'args: --dry_run true',
    ]);
  });

  test('defaults: CE auto is not exported, the backward mode is (0), W&B online; unset sizes and --dry-run stay off', async () => {
    const r = await runCli(['dev-tpu-profile', '--accelerator', 'local', '--profile-command', 'sh tools/show_env.sh'], { cwd: repo });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const got = shown(r.stdout);
    assert.ok(got.includes('env: LEVANTER_PALLAS_TPU_BWD_USE_XLA_STREAMING_BENCH=0') && got.includes('env: WANDB_MODE=online'), got.join('\n'));
    assert.ok(!got.some((l) => /CHUNK_SIZE|SEGMENT_SIZE|GDN_LAYERS|GDN_BLOCK|ALL_TRANSFORMER|FUSED_CE|MARIN_PREFIX|TPU_VARIANT/.test(l)), got.join('\n'));
    assert.ok(got.includes('args: '), got.join('\n'));
  });
});
