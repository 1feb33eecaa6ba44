/**
 * Hostile or clumsy agents (issue 13): the scripted fake codex runs shell steps that abuse git in the loop's
 * repository, and each test checks what the operator finds afterwards: their work, the branch, the stash list and
 * gdnctl's refs. One test per class; the variants inside it are the ways an agent gets there. The unit half,
 * over FakeGit, is test/unit/git-guard.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLoopRepository } from '../../src/adapters/git/repo-preflight.js';
import { UsageError } from '../../src/errors.js';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, events, FAST, loopEnv, readJson, runDirs, runLoopInProcess, type Step } from '../helpers/loop-harness.js';

const shell = (cmd: string): Step => ({ do: 'shell', cmd });
const BASE = { 'a.txt': 'one\ntwo\nthree\n', 'b.txt': 'bee\n' };
const OPERATOR = { 'a.txt': 'one\ntwo\nthree\noperator line\n', 'wip.txt': 'operator notes\n' };

async function repoWith(t: { after: (fn: () => void) => void }, files: Record<string, string> = {}): Promise<TempRepo> {
  const repo = await TempRepo.create({ files: { ...BASE, ...files } });
  t.after(() => repo.dispose());
  return repo;
}

function lastRecord(repo: TempRepo, i = 1): Record<string, unknown> & { reason?: string; detail?: string; revertSha?: string } {
  return readJson(join(runDirs(repo).at(-1)!, `iter-${String(i).padStart(3, '0')}`, 'record.json'));
}

function gdnctlRefs(repo: TempRepo): Record<string, string> {
  const out = repo.git('for-each-ref', '--format=%(refname) %(objectname)', 'refs/gdnctl/').trim();
  return Object.fromEntries(out ? out.split('\n').map((l) => l.split(' ') as [string, string]) : []);
}

function branchOf(repo: TempRepo): string {
  return repo.tryGit('symbolic-ref', '-q', 'HEAD').stdout.trim();
}

/** The operator's uncommitted work, stashed by gdnctl (--dirty-policy stash), is back and nothing of gdnctl's is left. */
function assertOperatorWorkBack(repo: TempRepo): void {
  assert.equal(repo.read('a.txt'), OPERATOR['a.txt']);
  assert.equal(repo.read('wip.txt'), OPERATOR['wip.txt']);
  assert.deepEqual(repo.status().sort(), [' M a.txt', '?? wip.txt']);
  assert.ok(!repo.stashList().some((s) => s.subject.includes('gdnctl-operator')), JSON.stringify(repo.stashList()));
}

test('history rewrites (reset --hard, amend of a pre-loop commit, rebase --onto): the branch is restored, the agent commits kept under refs/gdnctl/rewritten/', async (t) => {
  const variants: Record<string, Step[]> = {
    'reset --hard': [shell('git reset -q --hard HEAD~1'), commitStep({ 'd.txt': 'd\n' })],
    'amend of a pre-loop commit': [shell('echo amended > c.txt && git commit -q -a --amend -m "amended pre-loop"')],
    'rebase --onto': [shell('git rebase -q --onto HEAD~2 HEAD~1')],
  };
  for (const [name, steps] of Object.entries(variants)) {
    const repo = await repoWith(t);
    repo.commit('pre-loop second', { 'c.txt': 'c\n' });
    repo.commit('pre-loop third', { 'e.txt': 'e\n' });
    const before = repo.head();
    const history = repo.log().map((l) => l.subject);
    repo.write(OPERATOR);
    const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST, '--dirty-policy', 'stash'], loopEnv(repo, [{ steps }]));
    assert.equal(r.code, 1, `${name}: ${r.stderr}`);
    const rec = lastRecord(repo);
    assert.equal(rec.reason, 'history-rewritten', name);
    assert.match(rec.detail ?? '', /main is back at [0-9a-f]{12}, the agent's commits are kept at refs\/gdnctl\/rewritten\/iter-001/, name);
    assert.match(r.stderr, /kept at refs\/gdnctl\/rewritten\/iter-001/, name);
    assert.equal(branchOf(repo), 'refs/heads/main', name);
    assert.equal(repo.head(), before, name);
    assert.deepEqual(repo.log().map((l) => l.subject), history, `${name}: the pre-loop history is back`);
    const kept = gdnctlRefs(repo)['refs/gdnctl/rewritten/iter-001'];
    assert.ok(kept && kept !== before, name);
    assert.equal(repo.tryGit('merge-base', '--is-ancestor', before, kept).status, 1, `${name}: the kept tip is the rewritten one`);
    assertOperatorWorkBack(repo);
  }
});

test('branch switches, detached HEAD, moved or deleted branches and tags: HEAD goes back to the loop branch, every operator ref is restored', async (t) => {
  const variants: Record<string, { steps: Step[]; reason: string; refs: RegExp[]; detail: RegExp }> = {
    'detached HEAD with a commit': {
      steps: [shell('git checkout -q --detach'), commitStep({ 'd.txt': 'd\n' })],
      reason: 'head-switched',
      refs: [/^refs\/gdnctl\/head\/iter-001$/],
      detail: /detached HEAD at [0-9a-f]{12}; gdnctl checked out main again/,
    },
    'a new branch': {
      steps: [shell('git switch -q -c agent-branch'), commitStep({ 'd.txt': 'd\n' })],
      reason: 'head-switched',
      refs: [],
      detail: /switched to branch agent-branch; gdnctl checked out main again/,
    },
    'an operator branch, committed on': {
      steps: [shell('git switch -q feature'), commitStep({ 'd.txt': 'd\n' })],
      reason: 'head-switched',
      refs: [/^refs\/gdnctl\/moved\/iter-001\/heads\/feature$/],
      detail: /operator-ref-moved: the agent changed heads\/feature moved to/,
    },
    'a moved tag and a deleted branch': {
      steps: [commitStep({ 'd.txt': 'd\n' }), shell('git tag -f v1 HEAD && git branch -q -D old')],
      reason: 'operator-ref-moved',
      refs: [/^refs\/gdnctl\/moved\/iter-001\/tags\/v1$/],
      detail: /heads\/old deleted, tags\/v1 moved to [0-9a-f]{12}; gdnctl put them back/,
    },
  };
  for (const [name, v] of Object.entries(variants)) {
    const repo = await repoWith(t);
    const before = repo.head();
    for (const b of ['feature', 'old']) repo.git('branch', b);
    repo.git('tag', 'v1');
    repo.write(OPERATOR);
    const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST, '--dirty-policy', 'stash'], loopEnv(repo, [{ steps: v.steps }]));
    assert.equal(r.code, 1, `${name}: ${r.stderr}`);
    const rec = lastRecord(repo);
    assert.equal(rec.reason, v.reason, name);
    assert.match(rec.detail ?? '', v.detail, name);
    assert.equal(branchOf(repo), 'refs/heads/main', name);
    for (const ref of ['refs/heads/feature', 'refs/heads/old', 'refs/tags/v1']) assert.equal(repo.git('rev-parse', ref).trim(), before, `${name}: ${ref}`);
    const saved = Object.keys(gdnctlRefs(repo)).filter((k) => !k.startsWith('refs/gdnctl/stash/'));
    assert.equal(saved.length, v.refs.length, `${name}: ${saved.join(' ')}`);
    for (const re of v.refs) assert.ok(saved.some((k) => re.test(k)), `${name}: ${re}`);
    if (rec.revertSha) {
      assert.equal(repo.head(), rec.revertSha, `${name}: the commits on main were reverted with a commit`);
      assert.ok(!repo.exists('d.txt'));
    } else assert.equal(repo.head(), before, name);
    assertOperatorWorkBack(repo);
  }
});

test('a half-done merge, rebase or cherry-pick, or a stale index.lock: saved, aborted, the iteration fails by name, and the rerun works', async (t) => {
  const conflict = (op: string): Step =>
    shell(`git switch -q -c side && echo side > a.txt && git commit -qam side && git switch -q main && echo mine > a.txt && git commit -qam mine && git ${op} side; true`);
  const variants: Record<string, { steps: Step[]; reason: string; detail: RegExp }> = {
    merge: { steps: [conflict('merge')], reason: 'git-operation-left', detail: /the agent left a merge half done; gdnctl saved the tree as it was at refs\/gdnctl\/aborted\/iter-001/ },
    rebase: { steps: [conflict('rebase')], reason: 'git-operation-left', detail: /left a rebase half done/ },
    'cherry-pick': { steps: [conflict('cherry-pick')], reason: 'git-operation-left', detail: /left a cherry-pick half done/ },
    'index.lock': { steps: [commitStep({ 'a.txt': 'mine\n' }), shell('touch .git/index.lock')], reason: 'index-lock-left', detail: /left \.git\/index\.lock behind with no git process holding it; gdnctl removed it/ },
  };
  for (const [name, v] of Object.entries(variants)) {
    const repo = await repoWith(t);
    repo.write(OPERATOR);
    const args = ['--iterations', '1', ...FAST, '--dirty-policy', 'stash'];
    const r = await runLoopInProcess(repo, args, loopEnv(repo, [{ steps: v.steps }]));
    assert.equal(r.code, 1, `${name}: ${r.stderr}`);
    const rec = lastRecord(repo);
    assert.equal(rec.reason, v.reason, name);
    assert.match(rec.detail ?? '', v.detail, name);
    for (const mark of ['MERGE_HEAD', 'CHERRY_PICK_HEAD', 'REBASE_HEAD', 'rebase-merge', 'rebase-apply', 'index.lock']) {
      assert.ok(!existsSync(join(repo.dir, '.git', mark)), `${name}: ${mark} is gone`);
    }
    if (v.reason === 'git-operation-left') assert.match(repo.git('show', 'refs/gdnctl/aborted/iter-001:a.txt'), /^<<<<<<< /m, `${name}: the conflict is kept`);
    assert.equal(branchOf(repo), 'refs/heads/main', name);
    assert.ok(rec.revertSha, `${name}: the agent's commit on main is reverted`);
    assertOperatorWorkBack(repo);

    // The stopped experiment continues at iteration 2 when the rerun asks for one more.
    const again = await runLoopInProcess(repo, ['--iterations', '2', ...FAST, '--dirty-policy', 'stash'], loopEnv(repo, [{ steps: [commitStep({ 'f.txt': 'f\n' })] }]));
    assert.equal(again.code, 0, `${name}, rerun: ${again.stderr}`);
    assert.equal(lastRecord(repo, 2).outcome, 'kept', name);
    assertOperatorWorkBack(repo);
  }
});

test('stash commands of the agent: `stash clear` loses no operator stash, `stash pop`/`apply` + commit is caught, the "kept" claim holds', async (t) => {
  // clear: an older stash of the operator's comes back into the list, the iteration is kept.
  {
    const repo = await repoWith(t);
    repo.write({ 'old.txt': 'older work\n' });
    repo.git('stash', 'push', '-u', '-q', '-m', 'operator: older work');
    const older = repo.stashList()[0]!.sha;
    const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST], loopEnv(repo, [{ steps: [shell('git stash clear'), commitStep({ 'd.txt': 'd\n' })] }]));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(repo.stashList().map((s) => [s.sha, s.subject]), [[older, 'On main: operator: older work']]);
    assert.equal(gdnctlRefs(repo)[`refs/gdnctl/stash/${older}`], older);
    assert.match(r.stderr, /the agent removed 1 stash entry \([0-9a-f]{12}\); gdnctl put them back in git stash list/);
    assert.equal(lastRecord(repo).outcome, 'kept');
  }
  // pop or apply, then commit: the operator's work is not kept in the agent's commit; it comes back uncommitted.
  for (const take of ['git stash pop -q', 'git stash apply -q']) {
    const repo = await repoWith(t);
    const before = repo.head();
    repo.write(OPERATOR);
    const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST, '--dirty-policy', 'stash', '--max-failures', '1'], loopEnv(repo, [{ steps: [shell(take), commitStep({ 'd.txt': 'd\n' })] }]));
    assert.equal(r.code, 0, `${take}: ${r.stderr}`);
    const rec = lastRecord(repo);
    assert.equal(rec.reason, 'operator-work-committed', take);
    assert.match(rec.detail ?? '', /hold the stashed work [0-9a-f]{12} \(a\.txt, wip\.txt\)/, take);
    assert.ok(rec.revertSha, take);
    assert.equal(repo.git('diff', '--stat', before, 'HEAD').trim(), '', `${take}: nothing of it stays committed`);
    assertOperatorWorkBack(repo);
  }
  // drop, then a conflicting commit: the stash cannot come back, and "kept it in git stash list" is true.
  {
    const repo = await repoWith(t);
    repo.write({ 'a.txt': 'operator version\n' });
    const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST, '--dirty-policy', 'stash'], loopEnv(repo, [{ steps: [shell('git stash drop -q'), commitStep({ 'a.txt': 'agent version\n' })] }]));
    assert.equal(r.code, 0, r.stderr);
    const kept = /your stashed work [0-9a-f]{12} would not apply \(conflict: a\.txt\); kept it in git stash list — apply it by hand: git stash apply ([0-9a-f]{40})/.exec(r.stderr);
    assert.ok(kept, r.stderr);
    assert.ok(repo.stashList().some((s) => s.sha === kept[1]), 'the stash is where gdnctl says it is');
    assert.equal(readJson<{ keptStashes: string[] }>(join(runDirs(repo).at(-1)!, 'state.json')).keptStashes[0], kept[1]);
  }
});

test('commit.gpgsign=true with signing that fails: preflight refuses with the fix; a revert git refuses to commit is aborted, not swept into a stash', async (t) => {
  const repo = await repoWith(t, { 'bench/score.py': 'print(1)\n' });
  repo.git('config', 'commit.gpgsign', 'true');
  repo.git('config', 'gpg.program', '/bin/false');
  const refused = await openLoopRepository(repo.dir, { env: repo.env }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(refused instanceof UsageError, String(refused));
  assert.match(refused.lines[0] ?? '', /commit\.gpgsign is on in .* but git cannot sign a commit \(.*\); .*git config commit\.gpgsign false$/);

  const noIdentity = await repoWith(t);
  noIdentity.git('config', '--unset', 'user.name');
  noIdentity.git('config', '--unset', 'user.email');
  noIdentity.git('config', 'user.useConfigOnly', 'true');
  const [who] = await openLoopRepository(noIdentity.dir, { env: noIdentity.env }).then(
    () => [],
    (e: UsageError) => e.lines,
  );
  assert.match(who ?? '', /git cannot make commits in .*; set an identity: git config user\.name/);

  // Signing broken after preflight (here by the agent itself, which then commits with --no-gpg-sign): the revert
  // fails cleanly. Preflight (above, and in codex-loop) refuses the repository as it was configured before.
  repo.git('config', '--unset', 'commit.gpgsign');
  const agentCommit = shell('git config commit.gpgsign true && echo "print(2)" > bench/score.py && git commit -q --no-gpg-sign -am "agent edits the bench"');
  const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST, '--protect', 'bench/**'], loopEnv(repo, [{ steps: [agentCommit] }]));
  assert.equal(r.code, 1, r.stderr);
  const rec = lastRecord(repo);
  assert.equal(rec.reason, 'revert-failed');
  assert.match(rec.detail ?? '', /could not commit the revert of [0-9a-f]{12}\.\.[0-9a-f]{12} .*gpg failed to sign the data.*; revert it by hand \(git revert --no-edit /);
  assert.equal(repo.log()[0]?.subject, 'agent edits the bench', 'nothing half done on the branch');
  assert.ok(!existsSync(join(repo.dir, '.git', 'REVERT_HEAD')));
  assert.deepEqual(repo.status(), []);
  assert.deepEqual(repo.stashList(), [], 'the staged revert was not stashed as leftovers');
});

test('a newline in a file name does not get past --protect (paths as git reports them with -z, globs over every character)', async (t) => {
  const repo = await repoWith(t, { 'bench/score.py': 'print(1)\n' });
  const before = repo.head();
  const sneak = shell(`printf 'x\\n' > bench/evil$'\\n'name.py && git add -A && git commit -qm "agent adds a bench helper"`);
  const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST, '--protect', 'bench/**', '--max-failures', '1'], loopEnv(repo, [{ steps: [sneak] }]));
  assert.equal(r.code, 0, r.stderr);
  const rec = lastRecord(repo);
  assert.equal(rec.reason, 'touched-protected-path');
  assert.match(rec.detail ?? '', /bench\/evil\nname\.py \(bench\/\*\*\)/);
  assert.ok(rec.revertSha);
  assert.equal(repo.git('diff', '--name-only', before, 'HEAD').trim(), '');
  assert.deepEqual(repo.status(), []);
});

test('an agent that deletes or empties .git/info/exclude or the run directory: nothing of the ledger is stashed or kept committed, the run ends cleanly', async (t) => {
  // exclude deleted, a leftover file: the leftover is stashed, the run directory is not.
  {
    const repo = await repoWith(t);
    const steps = [shell('rm .git/info/exclude'), { do: 'write', path: 'left.txt', content: 'x\n' }];
    const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST, '--allow-no-commit'], loopEnv(repo, [{ steps }]));
    assert.equal(r.code, 0, r.stderr);
    const [stash] = repo.stashList();
    assert.ok(stash && stash.subject.includes('gdnctl-leftover-iter-001'), JSON.stringify(repo.stashList()));
    assert.deepEqual(repo.git('ls-tree', '-r', '--name-only', `${stash.sha}^3`).trim().split('\n'), ['left.txt']);
    const run = runDirs(repo).at(-1)!;
    assert.equal(readJson(join(run, 'state.json')).status, 'done');
    assert.ok(events(run).some((e) => e.type === 'run-done'));
    assert.match(readFileSync(join(repo.dir, '.git', 'info', 'exclude'), 'utf8'), /^\/\.agents\/logs\/gdn_codex_loop\/$/m);
  }
  // exclude emptied, then `git add -A && git commit`: the run directory is untracked again and the range reverted.
  {
    const repo = await repoWith(t);
    const before = repo.head();
    const steps = [shell(': > .git/info/exclude'), commitStep({ 'd.txt': 'd\n' })];
    const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST, '--max-failures', '1'], loopEnv(repo, [{ steps }]));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lastRecord(repo).reason, 'ledger-committed');
    assert.deepEqual(repo.log().slice(0, 2).map((l) => l.subject), ['gdnctl: revert iteration 001 (ledger-committed)', 'gdnctl: untrack the run directory (iteration 001)']);
    assert.equal(repo.git('diff', '--name-only', before, 'HEAD').trim(), '');
    assert.equal(repo.git('ls-files', '.agents').trim(), '');
    const run = runDirs(repo).at(-1)!;
    assert.equal(readJson(join(run, 'state.json')).status, 'done');
    assert.deepEqual(repo.status(), []);
  }
  // the run directory deleted, or state.json emptied: written again, the iteration fails by name, no crash.
  for (const wipe of ['rm -rf .agents', ': > "$(ls -d .agents/logs/gdn_codex_loop/runs/*)/state.json"']) {
    const repo = await repoWith(t);
    const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST], loopEnv(repo, [{ steps: [shell(wipe), commitStep({ 'd.txt': 'd\n' })] }]));
    assert.equal(r.code, 1, `${wipe}: ${r.stderr}`);
    const run = runDirs(repo).at(-1)!;
    const state = readJson<{ status: string; completed: Array<{ reason: string }> }>(join(run, 'state.json'));
    assert.deepEqual([state.status, state.completed[0]?.reason], ['stopped', 'ledger-deleted'], wipe);
    assert.equal(readJson(join(run, 'run.json')).status, 'stopped', `${wipe}: run.json is written again at the end`);
    assert.match(r.stderr, /ledger-deleted: the agent deleted or emptied the run directory/, wipe);
    assert.deepEqual(repo.status(), [], wipe);
  }
});
