/**
 * Protected by default (docs/codex-loop.md "Protected paths"): what the benchmark and the checks are made of.
 * An agent that "speeds up" by editing a helper the benchmark imports is reverted; --no-protect-checks lets it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, FAST, loopEnv, readJson, runDirs, runLoopInProcess } from '../helpers/loop-harness.js';
import { runCli } from '../helpers/cli.js';

const BENCH_FILES = {
  'src/kernel.mjs': 'export const work = () => 100;\n',
  'bench/run.mjs': "import { work } from '../src/kernel.mjs';\nimport { overhead } from './helper.mjs';\nconsole.log(`GDNCTL_METRIC {\"step_ms\": ${work() + overhead()}}`);\n",
  'bench/helper.mjs': 'export const overhead = () => 20;\n',
  'test/kernel.test.mjs': "import { test } from 'node:test';\ntest('ok', () => {});\n",
};
const LOOP = ['--iterations', '1', ...FAST, '--bench', 'node bench/run.mjs', '--metric', 'step_ms', '--direction', 'lower', '--baseline-runs', '3', '--max-bench-runs', '3', '--max-failures', '-1'];
const CHEAT = [{ steps: [commitStep({ 'bench/helper.mjs': 'export const overhead = () => 0;\n' }, 'Trim the benchmark overhead')] }];

function record(repo: TempRepo): { outcome: string; reason?: string; detail?: string } {
  return readJson(join(runDirs(repo).at(-1)!, 'iter-001', 'record.json'));
}

test('an agent that edits a helper the benchmark imports is reverted (touched-protected-path); with --no-protect-checks it is kept', async (t) => {
  const repo = await TempRepo.create({ files: BENCH_FILES });
  t.after(() => repo.dispose());
  const r = await runLoopInProcess(repo, LOOP, loopEnv(repo, CHEAT));
  assert.equal(r.code, 0, r.stderr);
  const rec = record(repo);
  assert.equal(rec.reason, 'touched-protected-path', JSON.stringify(rec));
  assert.match(String(rec.detail), /bench\/helper\.mjs \(bench\)/);
  assert.equal(repo.read('bench/helper.mjs'), BENCH_FILES['bench/helper.mjs'], 'reverted');

  const off = await runLoopInProcess(repo, [...LOOP, '--new-run', '--no-protect-checks'], loopEnv(repo, CHEAT));
  assert.equal(off.code, 0, off.stderr);
  assert.equal(record(repo).outcome, 'kept', JSON.stringify(record(repo)));
  assert.equal(repo.read('bench/helper.mjs'), 'export const overhead = () => 0;\n');
});

test('the code under optimization stays editable: only the folders of the scripts a check names are protected', async (t) => {
  const repo = await TempRepo.create({ files: BENCH_FILES });
  t.after(() => repo.dispose());
  const r = await runLoopInProcess(
    repo,
    [...LOOP, '--post-check', 'node --test test/kernel.test.mjs'],
    loopEnv(repo, [{ steps: [commitStep({ 'src/kernel.mjs': 'export const work = () => 60;\n' }, 'Fuse the kernel')] }]),
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(record(repo).outcome, 'kept', JSON.stringify(record(repo)));
  const dry = await runLoopInProcess(repo, [...LOOP, '--post-check', 'node --test test/kernel.test.mjs', '--dry-run'], loopEnv(repo, []));
  assert.match(dry.stdout, /^protected: gdnctl\.yaml \(always\), bench, test$/m);
});

test('--print-config lists the effective protected set: gdnctl.yaml, --protect, the checks\' folders and testSuites files', async (t) => {
  const repo = await TempRepo.create({
    files: { ...BENCH_FILES, 'gdnctl.yaml': 'testSuites:\n  kernels: { cwd: lib, command: "pytest", files: [tests/test_k.py, tests/missing.py] }\n', 'lib/tests/test_k.py': '' },
  });
  t.after(() => repo.dispose());
  const args = ['--print-config', 'codex-loop', '--bench', 'node bench/run.mjs', '--post-check', 'node --test test/kernel.test.mjs', '--post-check', 'gdnctl lint-log', '--protect', 'docs/**'];
  const on = await runCli(args, repo.dir, repo.env);
  assert.equal(on.code, 0, on.stderr);
  assert.match(on.stdout, /^protected +\["gdnctl\.yaml","docs\/\*\*","bench","lib\/tests\/test_k\.py","test"\] +# effective: .*protectChecks/m);
  const off = await runCli([...args, '--no-protect-checks'], repo.dir, repo.env);
  assert.match(off.stdout, /^protected +\["gdnctl\.yaml","docs\/\*\*"\] +# effective: gdnctl\.yaml \+ protect \(--no-protect-checks\)$/m);
  assert.match(off.stdout, /^protectChecks +false +# flag$/m);
  // The dry run protects the same set.
  const dry = await runLoopInProcess(repo, ['--iterations', '1', '--dry-run', ...args.slice(2)], loopEnv(repo, []));
  assert.match(dry.stdout, /^protected: gdnctl\.yaml \(always\), docs\/\*\*, bench, lib\/tests\/test_k\.py, test$/m);
  assert.doesNotMatch(readFileSync(join(repo.dir, 'gdnctl.yaml'), 'utf8'), /protect/, 'print-config writes nothing');
});
