/**
 * A codex-loop SIGKILLed while its Ray job runs (a post-check under --validation ray, or a --bench-on ray bench),
 * then run again with the same command: the resume re-attaches to the job it recorded, still running or
 * finished meanwhile, and never submits it twice (docs/ray.md "In the loop"). The post-checks run the built
 * bin/gdnctl: `npm run build` first.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, FAST, loopEnv, readJson, ROOT, runDirs, spawnLoop, until } from '../helpers/loop-harness.js';
import { RayEmulator, type EmulatedJob } from '../fakes/ray-emulator.js';

let emu: RayEmulator;
let gates: string;
before(async () => {
  emu = await RayEmulator.start();
  gates = mkdtempSync(join(tmpdir(), 'gdnctl-raygate-'));
});
after(async () => {
  await emu.stop();
  rmSync(gates, { recursive: true, force: true });
});

const jobsOf = (kind: string): EmulatedJob[] => [...emu.jobs.values()].filter((j) => j.metadata.gdnctl_kind === kind);

type Site = 'post-check' | 'bench';
type When = 'running' | 'finished';

async function killAndResume(t: { after: (fn: () => void) => void }, site: Site, when: When): Promise<void> {
  const gate = join(gates, `${site}-${when}`);
  const wait = `while [ ! -e ${gate} ]; do sleep 0.1; done`;
  const repo = await TempRepo.create({
    files: {
      'speed.txt': '100\n',
      'bench.sh': `v=$(cat speed.txt)\nif [ "$v" = 80 ]; then ${wait}; fi\necho "GDNCTL_METRIC {\\"step_ms\\": $v}"\n`,
      'tests/check.sh': `echo "check started"\n${wait}\necho "==== 1 passed in 0.01s ===="\n`,
      'gdnctl.yaml': 'testSuites:\n  kernels: { cwd: tests, command: "sh check.sh", files: [] }\n',
    },
  });
  t.after(() => repo.dispose());
  const ray = ['--ray-address', emu.address, '--ray-poll-seconds', '0.2'];
  const args = [
    '--iterations', '1', ...FAST, ...ray,
    ...(site === 'bench'
      ? ['--bench', 'bash bench.sh', '--metric', 'step_ms', '--direction', 'lower', '--baseline-runs', '3', '--max-bench-runs', '5', '--bench-on', 'ray']
      : ['--validation', 'ray', '--post-check', 'gdnctl dev-tpu-test --tests kernels']),
  ];
  const kind = site === 'bench' ? 'bench' : 'test';
  const before = jobsOf(kind).length;
  // The same change on every agent invocation, so the redone iteration packages the same tree.
  const env = loopEnv(repo, [{ steps: [commitStep({ 'speed.txt': '80\n' }, 'Fuse kernels')] }]);
  const first = spawnLoop(repo, args, env);
  t.after(() => first.child.kill('SIGKILL'));
  const started = site === 'bench' ? '"begin":"candidate"' : 'check started';
  const job = (): EmulatedJob | undefined => jobsOf(kind).slice(before).find((j) => j.metadata.gdnctl_iteration === '1');
  await until(() => job()?.status === 'RUNNING' && job()!.logs.includes(started), 60_000, `the ${site} job to run`);
  const id = job()!.submissionId;
  first.child.kill('SIGKILL');
  assert.equal((await first.done).code, 137);
  assert.equal(emu.jobs.get(id)!.status, 'RUNNING', 'the job outlives the loop');
  if (when === 'finished') {
    writeFileSync(gate, '');
    assert.equal((await emu.settled(id)).status, 'SUCCEEDED');
  }
  const second = spawnLoop(repo, args, env);
  t.after(() => second.child.kill('SIGKILL'));
  if (when === 'running') {
    const iterDir = (): string => join(runDirs(repo).at(-1)!, 'iter-001');
    const reattached = (): boolean =>
      /re-attaching to/.test(second.output()) || (existsSync(join(iterDir(), 'post-check-1.log')) && /re-attaching to/.test(readFileSync(join(iterDir(), 'post-check-1.log'), 'utf8')));
    await until(reattached, 60_000, 're-attaching');
    assert.equal(emu.jobs.get(id)!.status, 'RUNNING', 'the resume left the job running');
    writeFileSync(gate, '');
  }
  const r = await second.done;
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /resum/);
  assert.deepEqual(jobsOf(kind).slice(before).filter((j) => j.metadata.gdnctl_iteration === '1').map((j) => j.submissionId), [id], 'one submission');
  assert.equal(emu.jobs.get(id)!.status, 'SUCCEEDED');
  const iterDir = join(runDirs(repo).at(-1)!, 'iter-001');
  assert.equal(readJson(join(iterDir, 'record.json')).outcome, 'kept');
  if (site === 'bench') {
    const b = readJson(join(iterDir, 'bench.json'));
    assert.deepEqual([b.outcome, b.rayJobs], ['promoted', [id]]);
  } else {
    assert.equal(readJson(join(iterDir, 'ray-test.json')).submissionId, id);
  }
}

for (const site of ['post-check', 'bench'] as const) {
  for (const when of ['running', 'finished'] as const) {
    test(`kill -9 during a ${site} Ray job, ${when === 'running' ? 'still running' : 'finished meanwhile'}: the resume re-attaches, one submission`, async (t) => {
      assert.ok(existsSync(join(ROOT, 'dist')), 'dist/ is missing: run npm run build');
      await killAndResume(t, site, when);
    });
  }
}
