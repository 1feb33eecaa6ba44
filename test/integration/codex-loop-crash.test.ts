import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { isPidDead } from '../helpers/proc.js';
import { FAST, loopEnv, readJson, runDirs, spawnLoop, until, type Invocation } from '../helpers/loop-harness.js';

const uniqueCommit = { do: 'shell', cmd: 'echo "$$-$RANDOM" > "agent-$$.txt" && git add -A && git commit -qm "agent change" && git rev-parse HEAD' };
const WIP = 'operator work in progress\n';

async function setup(t: { after: (fn: () => void) => void }): Promise<TempRepo> {
  const repo = await TempRepo.create({ files: { 'a.txt': 'one\n' } });
  t.after(() => repo.dispose());
  writeFileSync(join(repo.dir, 'wip.txt'), WIP);
  return repo;
}

function assertOperatorWorkSafe(repo: TempRepo): void {
  assert.equal(readFileSync(join(repo.dir, 'wip.txt'), 'utf8'), WIP, 'operator work is back in the tree');
  assert.ok(!repo.stashList().some((s) => s.subject.includes('gdnctl-operator')), 'no operator stash left behind');
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  test(`${signal}: the agent group is ended, leftovers stashed, operator work restored, state interrupted, exit 130`, async (t) => {
    const repo = await setup(t);
    const pidFile = repo.scratch('grandchild.pid');
    const scenario: Invocation[] = [{ steps: [{ do: 'write', path: 'half-done.txt', content: 'partial\n' }, { do: 'hang', pidFile }] }];
    const run = spawnLoop(repo, ['--iterations', '3', ...FAST, '--dirty-policy', 'stash'], loopEnv(repo, scenario));
    t.after(() => run.child.kill('SIGKILL'));
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0, 20_000, 'the agent to hang');
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    run.child.kill(signal);
    const r = await run.done;
    assert.equal(r.code, 130, r.stderr);
    await until(() => isPidDead(grandchild), 5000, 'the agent grandchild to die');
    assertOperatorWorkSafe(repo);
    assert.ok(repo.stashList().some((s) => s.subject.includes('gdnctl-leftover-iter-001')), 'agent leftovers stashed by name');
    const state = readJson(join(runDirs(repo)[0]!, 'state.json'));
    assert.equal(state.status, 'interrupted');
    assert.equal(state.agentPgid, undefined);
    assert.match(r.stderr, /run the same command again to resume/);
  });
}

const FAULTS = ['after-stash', 'agent-running', 'after-agent-commit', 'during-post-check', 'during-revert', 'during-state-write'] as const;

for (const fault of FAULTS) {
  test(`resume after SIGKILL at ${fault}: operator work safe, numbering continues, history validated`, async (t) => {
    const repo = await setup(t);
    const marker = repo.scratch('fault.marker');
    const first = fault === 'agent-running' ? { steps: [{ do: 'sleep', ms: 4000 }, uniqueCommit] } : { steps: [uniqueCommit] };
    const scenario: Invocation[] = [first, { steps: [uniqueCommit] }];
    const postCheck = fault === 'during-revert' ? 'exit 1' : 'true';
    const args = ['--iterations', '2', ...FAST, '--dirty-policy', 'stash', '--post-check', postCheck, '--post-check-policy', 'continue'];
    const env = loopEnv(repo, scenario);
    const crashed = await spawnLoop(repo, args, { ...env, GDNCTL_FAULT: fault, GDNCTL_FAULT_MARKER: marker }).done;
    assert.equal(readFileSync(marker, 'utf8').trim(), fault, `fault ${fault} fired (exit ${crashed.code}: ${crashed.stderr})`);
    assert.equal(crashed.code, 137);

    const resumed = await spawnLoop(repo, args, env).done;
    assert.equal(resumed.code, 0, resumed.stderr);
    assertOperatorWorkSafe(repo);
    assert.ok(repo.isClean() || repo.status().every((l) => l.endsWith('wip.txt')), repo.status().join('\n'));
    const runs = runDirs(repo);
    if (fault === 'during-state-write') {
      // Killed before the first state.json existed: that run never touched the repository, so a new one starts.
      assert.equal(runs.length, 2);
      return;
    }
    assert.equal(runs.length, 1, 'the same run continued');
    assert.match(resumed.stderr, /resuming run/);
    const run = runs[0]!;
    const state = readJson<{ status: string; completed: Array<{ iteration: number }> }>(join(run, 'state.json'));
    assert.equal(state.status, 'done');
    assert.deepEqual(state.completed.map((c) => c.iteration), [1, 2], 'numbering continues; iteration 1 keeps its number');
    if (fault === 'after-stash') {
      // Killed before the iteration wrote any file: nothing to move aside, the redo is still attempt 1.
      assert.ok(!existsSync(join(run, 'iter-001', 'attempt-1')));
    } else {
      assert.ok(existsSync(join(run, 'iter-001', 'attempt-1', 'prompt.md')), 'the interrupted attempt was moved aside');
      assert.equal(readJson(join(run, 'iter-001', 'record.json')).attempt, 2);
    }
    if (['after-agent-commit', 'during-post-check', 'during-revert'].includes(fault)) {
      assert.ok(repo.git('log', '--format=%s').includes('gdnctl: revert interrupted iteration 001'), 'unvalidated range reverted with a commit');
    }
  });
}
