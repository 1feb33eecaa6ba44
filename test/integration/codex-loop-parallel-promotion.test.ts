/**
 * A parallel run SIGKILLed (src/fault.ts) right after its round's promotion reached the loop's branch, before the
 * round was saved, then resumed with the same command: the promotion is found there and not applied again.
 * The operator commits on the loop's branch while the candidates run their post-checks, so the winner comes by
 * cherry-pick (the path where a second application would add a merge commit).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { events, FAST, loopEnv, readJson, runDirs, runLoopInProcess, spawnLoop, until } from '../helpers/loop-harness.js';

const LOG = 'notes/hillclimb.md';
const AGENT = [
  'slot=$(basename "$PWD")',
  'n=$(git rev-list --count HEAD)',
  'echo "$slot" > "work-$slot.txt"',
  'mkdir -p notes',
  'printf "# log\\n\\n### Iteration %s - try %s\\n- Commit: this commit\\n" "$n" "$slot" >> notes/hillclimb.md',
  'git add -A && git commit -qm "agent change in $slot"',
].join(' && ');

test('kill -9 after the promotion, before the round is saved: the resume keeps it, applies nothing twice, announces it once', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  const base = repo.head();
  const gate = repo.scratch('go');
  const ready = repo.scratch('ready');
  const marker = repo.scratch('fault-marker');
  // Each candidate's post-check says it is there and waits: the agents are done, so the operator's commit below
  // lands between the round's start and its promotion.
  const args = ['--iterations', '2', '--parallel', '2', ...FAST, '--hillclimb-log', LOG,
    '--post-check', `echo "$GDNCTL_ITERATION" >> ${ready}; while [ ! -e ${gate} ]; do sleep 0.05; done`];
  const env = loopEnv(repo, [{ steps: [{ do: 'shell', cmd: AGENT }] }]);
  const child = spawnLoop(repo, args, { ...env, GDNCTL_FAULT: 'after-promotion', GDNCTL_FAULT_MARKER: marker });
  t.after(() => child.child.kill('SIGKILL'));
  await until(() => existsSync(ready) && readFileSync(ready, 'utf8').trim().split('\n').length === 2, 30_000, 'both candidates in their post-checks');
  repo.git('commit', '-q', '--allow-empty', '-m', 'operator work');
  const operator = repo.head();
  writeFileSync(gate, '');
  const killed = await child.done;
  assert.equal(readFileSync(marker, 'utf8').trim(), 'after-promotion', `the fault fired: ${killed.stderr}`);
  const afterKill = repo.head();
  assert.notEqual(afterKill, operator, 'the kill came after the promotion moved the branch');

  const r = await runLoopInProcess(repo, args, env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(runDirs(repo).length, 1, 'resumed, not a new run');
  assert.equal(repo.head(), afterKill, 'the resume applied nothing more');
  const subjects = repo.git('log', '--format=%s', `${base}..HEAD`).trim().split('\n');
  assert.equal(subjects.filter((x) => /^Merge|gdnctl: promote/.test(x)).length, 0, subjects.join('\n'));
  assert.equal(subjects.filter((x) => x === 'agent change in c1').length, 1, subjects.join('\n'));
  assert.equal(subjects.at(-1), 'operator work');
  const run = runDirs(repo)[0]!;
  const promoted = events(run).filter((e) => e.type === 'candidate-promoted');
  assert.equal(promoted.length, 1, JSON.stringify(promoted));
  assert.equal(promoted[0]!.slot, 1);
  assert.equal(promoted[0]!.resumed, true);
  const state = readJson<{ status: string; champion: string; parallel: { promotion?: unknown } }>(join(run, 'state.json'));
  assert.equal(state.status, 'done');
  assert.equal(state.champion, afterKill);
  assert.equal(state.parallel.promotion, undefined, 'the intent is cleared once the round is saved');
  assert.equal(readJson<{ status: string }>(join(run, 'iter-002', 'record.json')).status, 'explored');
});
