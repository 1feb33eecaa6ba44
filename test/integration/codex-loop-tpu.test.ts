import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, events, FAST, logDir, loopEnv, runDirs, runLoopInProcess } from '../helpers/loop-harness.js';
import { TpuEmulator } from '../fakes/tpu-emulator.js';
import '../fakes/tpu-fixtures.js';

// codex-loop --hold-dev-tpu end to end in process: the fake codex commits, the real TPU client talks to the
// emulator, post-checks see GDNCTL_TPU_* and one of them preempts the node mid-run.
let emu: TpuEmulator;
before(async () => {
  emu = await TpuEmulator.start({ readyDelayMs: 30, deleteDelayMs: 20 });
});
after(() => emu.close());

const LOG = 'notes/hillclimb.md';
const entry = (n: number): string => `# log\n\n### Iteration ${n} - try\n- Date: today\n- Commit: this commit\n- Hypothesis: h\n`;

test('hold for the whole loop: fallback on capacity, preemption re-acquired, directive names the cluster, released at the end', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(repo.dir, '..', 'loop-key')]);
  emu.failCapacity('us-central1-a');
  const seen = repo.scratch('seen.txt');
  const preempt = `node -e 'fetch(process.argv[1],{method:"POST",body:JSON.stringify({node:"loop-tpu"})})' ${emu.endpoint}/_emulator/preempt`;
  const env = loopEnv(
    repo,
    [{ steps: [commitStep({ 'b.txt': '1\n', [LOG]: entry(1) })] }, { steps: [commitStep({ 'b.txt': '2\n', [LOG]: entry(2) })] }],
    {
      METADATA_SERVER_DETECTION: 'none',
      GOOGLE_CLOUD_PROJECT: 'loop-proj',
      USER: 'tester',
      GDNCTL_TPU_API_ENDPOINT: emu.endpoint,
      GDNCTL_TPU_ACCESS_TOKEN: 'fake-token',
      GDNCTL_TPU_POLL_INTERVAL_MS: '20',
      GDNCTL_SSH_KEY_FILE: join(repo.dir, '..', 'loop-key'),
    },
  );
  const r = await runLoopInProcess(
    repo,
    [
      '--iterations', '2', ...FAST, '--hillclimb-log', LOG,
      '--hold-dev-tpu', '--dev-tpu-name', 'loop-tpu', '--dev-tpu-fallback-cluster', 'us-east5-a',
      '--post-check', `echo "$GDNCTL_ITERATION $GDNCTL_TPU_PROJECT $GDNCTL_TPU_ZONE $GDNCTL_TPU_CLUSTER $GDNCTL_TPU_NAME" >> ${seen}`,
      '--post-check', `if [ "$GDNCTL_ITERATION" = 1 ]; then ${preempt}; fi`,
      '--post-check', 'true gdnctl dev-tpu-test --cluster us-central1 --tpu-name loop-tpu',
    ],
    env,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readFileSync(seen, 'utf8').trim().split('\n'), [
    '1 loop-proj us-east5-a us-east5-a loop-tpu',
    '2 loop-proj us-east5-a us-east5-a loop-tpu',
  ]);
  assert.match(r.stderr, /post-check 3 .* names cluster us-central1, but the held TPU is in us-east5-a/);
  const run = runDirs(repo)[0]!;
  const prompt = readFileSync(join(run, 'iter-001', 'prompt.md'), 'utf8');
  assert.match(prompt, /Managed dev TPU mode: gdnctl holds TPU loop-tpu .* in cluster us-east5-a/);
  assert.match(prompt, /gdnctl dev-tpu-test --cluster us-east5-a --tpu-name loop-tpu --tests both/);
  assert.match(prompt, /`\/\S+\/bin\/gdnctl dev-tpu-test --cluster us-east5-a/, 'the directive names the running gdnctl by its absolute path');
  const types = events(run).map((e) => e.type).filter((x) => String(x).startsWith('tpu-'));
  assert.deepEqual(types, ['tpu-allocate-failed', 'tpu-acquired', 'tpu-lost', 'tpu-allocate-failed', 'tpu-acquired', 'tpu-reacquired', 'tpu-released']);
  assert.equal(emu.liveNodes().some((n) => n.nodeId === 'loop-tpu'), false, 'released at the end');
  const state = JSON.parse(readFileSync(join(run, 'state.json'), 'utf8')) as { tpuLeaseFile?: string };
  assert.equal(state.tpuLeaseFile, join(logDir(repo), 'leases', 'loop-proj-us-east5-a-loop-tpu.json'));
  const leases = join(logDir(repo), 'leases');
  assert.deepEqual(existsSync(leases) ? readdirSync(leases) : [], []);
});
