import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { makeRayRepo } from '../helpers/ray-repo.js';
import { RayEmulator } from '../fakes/ray-emulator.js';
import { StorageEmulator } from '../fakes/storage-emulator.js';

/** Stand-in for tiny_profile: writes a small JAX-like trace under $GDNCTL_PROFILE_DIR and prints throughput. */
const FAKE_PROFILE = `#!/bin/sh
set -e
echo "size=$GDN_PROFILE_SIZE steps=$GDN_PROFILE_NUM_STEPS variant=$GDN_PROFILE_TPU_VARIANT"
d="$GDNCTL_PROFILE_DIR/plugins/profile/2026_12_01_12_00_00"
mkdir -p "$d"
cat > "$d/trace.json" <<'JSON'
{"traceEvents":[
{"ph":"M","name":"process_name","pid":3,"args":{"name":"/device:TPU:0"}},
{"ph":"M","name":"thread_name","pid":3,"tid":1,"args":{"name":"XLA Ops"}},
{"ph":"X","pid":3,"tid":1,"name":"gdn_chunk_fwd","ts":0,"dur":700},
{"ph":"X","pid":3,"tid":1,"name":"fusion.3","ts":700,"dur":300}
]}
JSON
gzip -c "$d/trace.json" > "$d/perfetto_trace.json.gz" && rm -f "$d/trace.json"
echo "not a trace" > "$GDNCTL_PROFILE_DIR/notes.txt"
echo "tokens_per_s=12345.5"
`;

/** The job's upload step: a plain media upload of every file to the storage emulator (gcloud's job in real life). */
const UPLOAD = `import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
const root = process.env.GDNCTL_PROFILE_DIR;
const [, bucket, prefix] = /^gs:\\/\\/([^/]+)\\/(.*)$/.exec(process.env.GDNCTL_ARTIFACT_URI);
const walk = (d) => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
for (const f of walk(root)) {
  const name = prefix + '/' + relative(root, f);
  const r = await fetch(process.env.STORAGE_EMULATOR_HOST + '/upload/storage/v1/b/' + bucket + '/o?uploadType=media&name=' + encodeURIComponent(name), { method: 'POST', body: readFileSync(f) });
  if (!r.ok) process.exit(1);
}
`;

let ray: RayEmulator;
let gcs: StorageEmulator;
let fixture: { repo: string; dispose(): void };
let home: string;

before(async () => {
  ray = await RayEmulator.start();
  gcs = await StorageEmulator.start();
  fixture = makeRayRepo('gdnctl-rayprof-', {
    'tools/fake_profile.sh': FAKE_PROFILE,
    'tools/upload.mjs': UPLOAD,
    'gdnctl.yaml': 'profileCommand: sh tools/fake_profile.sh\nrayArtifactUpload: node tools/upload.mjs\n',
  });
  home = mkdtempSync(join(tmpdir(), 'gdnctl-rayhome-'));
});

after(async () => {
  await ray.stop();
  await gcs.stop();
  fixture.dispose();
  rmSync(home, { recursive: true, force: true });
});

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ HOME: home, STORAGE_EMULATOR_HOST: gcs.endpoint, ...extra });
const args = (): string[] => ['ray-profile', '--ray-address', ray.address, '--ray-artifact-uri', 'gs://team-bucket/gdnctl', '-e', `STORAGE_EMULATOR_HOST=${gcs.endpoint}`, '--tpu', 'v5p-8', '--ray-poll-seconds', '0.2'];

test('ray-profile: traces go to rayArtifactUri in the job and come back into the ledger with hotspots (in a loop: the iteration folder)', async () => {
  const runDir = mkdtempSync(join(tmpdir(), 'gdnctl-rayrun-'));
  const iterDir = join(runDir, 'iter-002');
  mkdirSync(iterDir);
  try {
    const r = await runCli([...args(), '--json'], { cwd: fixture.repo, env: env({ GDNCTL_ITER_DIR: iterDir, GDNCTL_RUN_DIR: runDir, GDNCTL_ITERATION: '2' }) });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.status, 'SUCCEEDED');
    assert.match(report.runName, /^gdn_tinyprof_130m_20steps_iter002_/);
    assert.equal(report.dir, join(iterDir, 'profile'));
    assert.deepEqual(report.traces, [join(iterDir, 'profile', 'plugins/profile/2026_12_01_12_00_00/perfetto_trace.json.gz')]);
    assert.equal(report.hotspots.ops[0].name, 'gdn_chunk_fwd');
    assert.equal(report.metrics.tokens_per_s, 12345.5);
    assert.match(r.stderr, /^\[ray\] size=130m steps=20 variant=v5p-8$/m);
    assert.ok(existsSync(join(iterDir, 'hotspots.json')));
    assert.ok(gcs.objects.has(`team-bucket/gdnctl/${report.runName}/notes.txt`), 'the job did not upload');
    assert.ok(!existsSync(join(iterDir, 'profile', 'notes.txt')), 'a non-trace file was copied');
    assert.equal(JSON.parse(readFileSync(join(iterDir, 'ray-profile.json'), 'utf8')).state, 'ended');
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
});

test('a resumed ray-profile re-attaches to the earlier attempt\'s job under its run name and fetches its traces', async () => {
  const runDir = mkdtempSync(join(tmpdir(), 'gdnctl-rayrun-'));
  const iterDir = join(runDir, 'iter-005');
  mkdirSync(iterDir);
  try {
    const loop = env({ GDNCTL_ITER_DIR: iterDir, GDNCTL_RUN_DIR: runDir, GDNCTL_ITERATION: '5' });
    const first = await runCli([...args(), '--no-wait'], { cwd: fixture.repo, env: loop });
    assert.equal(first.code, 0, first.stderr);
    const id = /submission_id=(\S+)/.exec(first.stdout)![1]!;
    const jobs = ray.jobs.size;
    const again = await runCli([...args(), '--json'], { cwd: fixture.repo, env: loop });
    assert.equal(again.code, 0, again.stderr);
    const report = JSON.parse(again.stdout);
    assert.deepEqual([report.submissionId, report.reattached, report.traces.length], [id, true, 1]);
    assert.equal(ray.jobs.size, jobs, 'submitted twice');
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
});

test('ray-profile without rayArtifactUri is exit 2; a job that uploads no trace fails', async () => {
  const r = await runCli(['ray-profile', '--ray-address', ray.address], { cwd: fixture.repo, env: env() });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /ray-profile needs --ray-artifact-uri gs:\/\/BUCKET\/PREFIX/);
  const none = await runCli([...args(), '--profile-command', 'echo no traces'], { cwd: fixture.repo, env: env() });
  assert.equal(none.code, 1, none.stderr);
  assert.match(none.stderr, /no trace files .* under gs:\/\/team-bucket\/gdnctl\/gdn_tinyprof_/);
});
