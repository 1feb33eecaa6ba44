import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { events, FAST, loopEnv, readJson, runDirs, runLoopInProcess, spawnLoop, until, type Invocation } from '../helpers/loop-harness.js';

const LOG = 'notes/hillclimb.md';
const COMMIT = [
  'n=$(git rev-list --count HEAD)',
  'echo "$slot $n" > "work-$slot.txt"',
  'mkdir -p notes',
  'printf "# log\\n\\n### Iteration %s - try %s\\n- Commit: this commit\\n" "$n" "$slot" >> notes/hillclimb.md',
  'git add -A && git commit -qm "agent change in $slot"',
].join(' && ');

/** The agent of slot c<k> records its shell's pid in <pids>/c<k>, sleeps `sleepS` when `sleepy(slot)`, then commits. */
function agent(pids: string, sleepy: string, sleepS = 60, leftover = false): Invocation[] {
  const cmd = `slot=$(basename "$PWD"); echo $$ > "${pids}/$slot"; ${leftover ? 'echo wip > wip.txt; ' : ''}case "$slot" in ${sleepy}) sleep ${sleepS};; esac; rm -f wip.txt; ${COMMIT}`;
  return [{ steps: [{ do: 'shell', cmd }] }];
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const pidsIn = (dir: string): number[] => readdirSync(dir).map((f) => Number(readFileSync(join(dir, f), 'utf8').trim()));

async function repoFor(t: { after: (fn: () => void) => void }): Promise<TempRepo> {
  const repo = await TempRepo.create({ files: { 'a.txt': 'one\n' } });
  t.after(() => repo.dispose());
  return repo;
}

test('--round-timeout-minutes: the late candidate is ended and recorded, the round promotes one of the others', async (t) => {
  const repo = await repoFor(t);
  const pids = repo.scratch('pids');
  (await import('node:fs')).mkdirSync(pids);
  const r = await runLoopInProcess(repo, ['--iterations', '3', '--parallel', '3', ...FAST, '--hillclimb-log', LOG, '--round-timeout-minutes', '0.1'], loopEnv(repo, agent(pids, 'c2')));
  assert.equal(r.code, 0, r.stderr);
  const run = runDirs(repo)[0]!;
  const late = readJson(join(run, 'iter-002', 'record.json'));
  assert.equal(late.status, 'round-timeout');
  assert.equal(late.slot, 2);
  assert.equal(readJson(join(run, 'iter-001', 'record.json')).outcome, 'kept');
  assert.equal(events(run).filter((e) => e.type === 'candidate-promoted').length, 1);
  await until(() => pidsIn(pids).every((p) => !alive(p)), 15_000, 'the late agent to be gone');
});

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  test(`${sig} during a parallel round: every candidate agent ended, state interrupted, exit 130`, async (t) => {
    const repo = await repoFor(t);
    const pids = repo.scratch(`pids-${sig}`);
    (await import('node:fs')).mkdirSync(pids);
    const child = spawnLoop(repo, ['--iterations', '3', '--parallel', '3', ...FAST, '--hillclimb-log', LOG], loopEnv(repo, agent(pids, '*')));
    t.after(() => child.child.kill('SIGKILL'));
    await until(() => readdirSync(pids).length === 3, 20_000, 'three agents');
    child.child.kill(sig);
    const r = await child.done;
    assert.equal(r.code, 130, r.stdout + r.stderr);
    const run = runDirs(repo)[0]!;
    assert.equal(readJson(join(run, 'state.json')).status, 'interrupted');
    await until(() => pidsIn(pids).every((p) => !alive(p)), 15_000, 'agents gone');
    assert.ok(repo.isClean(), 'the operator tree was never touched');
  });
}

test('kill -9 mid-round, then the same command: the dead run\'s agents are ended, leftovers stashed by SHA, the round completes', async (t) => {
  const repo = await repoFor(t);
  const pids = repo.scratch('pids-kill');
  (await import('node:fs')).mkdirSync(pids);
  const args = ['--iterations', '3', '--parallel', '3', ...FAST, '--hillclimb-log', LOG];
  // c1 finishes; c2 and c3 sleep with an uncommitted file when the loop is killed.
  const first = spawnLoop(repo, args, loopEnv(repo, agent(pids, 'c2|c3', 120, true)));
  t.after(() => first.child.kill('SIGKILL'));
  const run = () => runDirs(repo)[0]!;
  const c1Done = (): boolean => {
    try {
      const st = readJson<{ parallel?: { candidates: Array<{ slot: number; done: boolean }> } }>(join(run(), 'state.json'));
      return st.parallel?.candidates.some((c) => c.slot === 1 && c.done) === true;
    } catch {
      return false;
    }
  };
  await until(() => readdirSync(pids).length === 3 && c1Done(), 20_000, 'c1 done, c2 and c3 asleep');
  const sleepers = ['c2', 'c3'].map((s) => Number(readFileSync(join(pids, s), 'utf8').trim()));
  first.child.kill('SIGKILL');
  await first.done;
  assert.ok(sleepers.every(alive), 'the killed loop\'s agents outlive it');
  (await import('node:fs')).mkdirSync(repo.scratch('pids-none'), { recursive: true });
  const again = await runLoopInProcess(repo, args, loopEnv(repo, agent(repo.scratch('pids-none'), 'none')));
  assert.equal(again.code, 0, again.stderr);
  await until(() => sleepers.every((p) => !alive(p)), 5000, 'the dead run\'s agents ended');
  assert.equal(runDirs(repo).length, 1, 'the same run resumed');
  const state = readJson<{ status: string; completed: Array<{ iteration: number }>; leftoverStashes: string[] }>(join(run(), 'state.json'));
  assert.equal(state.status, 'done');
  assert.deepEqual(state.completed.map((c) => c.iteration).sort(), [1, 2, 3]);
  assert.equal(state.leftoverStashes.length, 2, 'c2\'s and c3\'s uncommitted files stashed by SHA');
  const stashes = repo.git('stash', 'list', '--format=%H %s');
  for (const sha of state.leftoverStashes) assert.ok(stashes.includes(sha), `${sha} still in the stash list`);
  assert.ok(events(run()).some((e) => e.type === 'resume'));
  const starts = events(run()).filter((e) => e.type === 'round-started').map((e) => e.slots);
  assert.deepEqual(starts, [[1, 2, 3], [2, 3]], 'the resumed round continues from what finished: c1 is not run again');
  assert.ok(!existsSync(join(run(), 'iter-001', 'attempt-1')), 'c1\'s files untouched');
  assert.equal(events(run()).filter((e) => e.type === 'candidate-promoted').length, 1);
  // c1, finished by the dead run, is the lowest kept slot and wins; the resumed run's c2 and c3 are explored.
  assert.deepEqual([1, 2, 3].map((i) => readJson<{ status: string }>(join(run(), `iter-00${i}`, 'record.json')).status), ['kept', 'explored', 'explored']);
});
