import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
cat > "$d/perfetto_trace.json" <<'JSON'
{"traceEvents":[
{"ph":"M","name":"process_name","pid":3,"args":{"name":"/device:TPU:0"}},
{"ph":"M","name":"thread_name","pid":3,"tid":1,"args":{"name":"XLA Ops"}},
{"ph":"X","pid":3,"tid":1,"name":"gdn_chunk_fwd","ts":0,"dur":700},
{"ph":"X","pid":3,"tid":1,"name":"fusion.3","ts":700,"dur":300},
{"ph":"X","pid":9,"tid":1,"name":"host_op","ts":0,"dur":5000}
]}
JSON
gzip -f "$d/perfetto_trace.json"
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
    '.gitignore': '.profiles/\n',
    'gdnctl.yaml': 'profileCommand: sh tools/fake_profile.sh\n',
  });
  repo = fixture.repo;
});

after(async () => {
  await fixture.dispose();
});

const ssh = (): string[] => [...fixture.sshFlags(), '--ssh-retries', '1'];

function runDirs(): string[] {
  const d = join(repo, '.profiles');
  return existsSync(d) ? readdirSync(d).sort() : [];
}

describe('gdnctl dev-tpu-profile', () => {
  test('over ssh: env passed, w0 traces copied back (no xplane), hotspots in .profiles and GDNCTL_ITER_DIR, metric line', async () => {
    const iterDir = mkdtempSync(join(tmpdir(), 'gdnctl-iter-'));
    try {
      const before = runDirs();
      const r = await runCli(
        ['dev-tpu-profile', ...ssh(), '--size', '300m', '--num-steps', '10', '--profile-start-step', '3', '--profile-num-steps', '4', '--batch-size', '4', '--profile-env', 'EXTRA=yes'],
        { cwd: repo, env: { GDNCTL_ITER_DIR: iterDir, GDNCTL_ITERATION: '7' } },
      );
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /^\[w0\] size=300m steps=10 start=3 n=4 batch=4 prefix=gdn_tinyprof extra=yes$/m);
      assert.match(r.stdout, /^\[w1\] size=300m/m);
      assert.match(r.stdout, /^GDNCTL_METRIC \{"mfu":0\.4213,"tokens_per_s":12345\.5,"step_time_ms":250\}$/m);
      assert.match(r.stdout, /\| 1 \| `gdn_chunk_fwd` \| 0\.700 \| 1 \| 70\.0% \|/);
      const runs = runDirs().filter((d) => !before.includes(d));
      assert.equal(runs.length, 1);
      assert.match(runs[0]!, /^gdn_tinyprof_300m_10steps_iter007_\d{8}T\d{6}Z$/);
      const dir = join(repo, '.profiles', runs[0]!);
      const tsDir = join(dir, 'plugins', 'profile', '2026_11_23_12_00_00');
      assert.ok(existsSync(join(tsDir, 'perfetto_trace.json.gz')));
      assert.ok(!existsSync(join(tsDir, 'host.xplane.pb')), 'xplane copied without --include-xplane');
      const hs = JSON.parse(readFileSync(join(dir, 'hotspots.json'), 'utf8'));
      assert.deepEqual(hs.ops.map((o: { name: string }) => o.name), ['gdn_chunk_fwd', 'fusion.3']);
      assert.deepEqual(JSON.parse(readFileSync(join(iterDir, 'hotspots.json'), 'utf8')).ops, hs.ops);
    } finally {
      rmSync(iterDir, { recursive: true, force: true });
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
