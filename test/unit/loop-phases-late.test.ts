/**
 * The late phases one by one (post-checks, measure, decide, the revert path, record), each called with an
 * iteration context over the in-process fakes after the early phases ran, as the driver calls them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prompt } from '../../src/core/loop/prompt.js';
import { verifyCommit } from '../../src/core/loop/verify-commit.js';
import { stamp } from '../../src/core/loop/stamp.js';
import { postChecks } from '../../src/core/loop/post-checks.js';
import { measure } from '../../src/core/loop/measure.js';
import { decide } from '../../src/core/loop/decide.js';
import { rangeSince, rangeToHead, revertAndFail } from '../../src/core/loop/revert.js';
import { record } from '../../src/core/loop/record.js';
import { guardTree } from '../../src/core/loop/guard-tree.js';
import type { IterationContext } from '../../src/core/loop/context.js';
import type { IterationRecord } from '../../src/core/loop/outcome.js';
import type { LoopConfigValues } from '../../src/core/loop/settings.js';
import type { LoopDeps } from '../../src/core/loop/deps.js';
import type { MeasureDecision, Measurer } from '../../src/ports/bench.js';
import { FakeGit } from '../fakes/fake-git.js';
import { iterationAt, ScriptedRunner } from '../fakes/loop-fakes.js';

const LOG = '### Iteration 1 - fuse\n- Commit: this commit\n';

/** An iteration that got through verify-commit and stamp with one agent commit (src/b.py plus its log entry). */
async function stamped(o: { settings?: Partial<LoopConfigValues>; deps?: Partial<LoopDeps> } = {}) {
  const git = new FakeGit({ 'log.md': '', 'src/b.py': '1' });
  const at = iterationAt(git, { ...o, settings: { hillclimbLog: '/fake/repo/log.md', ...o.settings } });
  await prompt(at.c);
  const agentSha = git.commitAll('agent', { 'src/b.py': '2', 'log.md': LOG });
  assert.equal((await verifyCommit(at.c)).kind, 'next');
  await stamp(at.c);
  return { ...at, git, agentSha };
}

const measurerSaying = (d: MeasureDecision, seen: unknown[] = []): Measurer => ({
  ensureBaseline: async () => ({ ok: true }),
  decide: async (input) => (seen.push(input), d),
  remeasureChampion: async () => {},
});

test('post-checks: each check runs in the tree with the GDNCTL_* variables; its output is logged and echoed', async () => {
  const runner = new ScriptedRunner([0, 0]);
  const { c, d, agentSha } = await stamped({ settings: { postCheck: ['make test', 'make lint'] }, deps: { runner } });
  assert.equal((await postChecks(c)).kind, 'next');
  assert.equal(runner.specs.length, 2);
  assert.deepEqual([runner.specs[0]!.cwd, runner.specs[0]!.env?.GDNCTL_COMMIT, runner.specs[0]!.env?.GDNCTL_ITER_DIR], ['/fake/repo', agentSha, '/fake/run/iter-001']);
  assert.match(d.ledger.files.get('iter-001/post-check-2.log') ?? '', /^\$ make lint\nran 2\n# exit 0\n$/);
  assert.ok(d.console.lines.includes('$ make test') && d.console.lines.includes('ran 1'));
  assert.deepEqual(d.ledger.eventsLog.at(-1), { type: 'phase', iteration: 1, phase: 'post-checks', commit: agentSha });
  assert.equal(d.ledger.stateWrites.length, 0, 'post-checks write no state.json of their own');
});

test('post-checks: a failure hands the whole range, stamp commit included, to the revert', async () => {
  const { c, git, agentSha } = await stamped({ settings: { postCheck: ['make test'] }, deps: { runner: new ScriptedRunner([2]) } });
  const out = await postChecks(c);
  assert.equal(out.kind, 'revert');
  if (out.kind !== 'revert') return;
  assert.equal(out.reason, 'post-check-failed');
  assert.equal(out.detail, 'post-check 1 "make test" exited 2');
  assert.deepEqual(out.range.shas, [agentSha, await git.head()]);
  assert.equal(out.range.to, c.it.stampSha);
});

test('measure: the measurer gets HEAD (the stamp) and the champion; a kept decision goes on, a regression is reverted', async () => {
  const seen: Array<{ head: string; championSha: string }> = [];
  const kept = await stamped({ deps: { measurer: measurerSaying({ outcome: 'kept-within-noise', revert: false, runs: 5, reason: 'same' }, seen) } });
  assert.equal((await measure(kept.c)).kind, 'next');
  assert.deepEqual(seen.map((s) => [s.head, s.championSha]), [[kept.c.it.stampSha, kept.c.it.headBefore]]);
  assert.equal(kept.c.it.decision?.outcome, 'kept-within-noise');

  const slow: MeasureDecision = { outcome: 'regression', revert: true, runs: 5, reason: 'slower by 4 %' };
  const lost = await stamped({ deps: { measurer: measurerSaying(slow) } });
  const out = await measure(lost.c);
  assert.ok(out.kind === 'revert' && out.reason === 'measure-regression' && out.detail === 'slower by 4 %' && out.decision === slow);
  assert.ok(out.kind === 'revert' && out.range.to === lost.c.it.stampSha);
  const none = await stamped({ deps: { measurer: measurerSaying({ outcome: 'no-metric', revert: true, runs: 0, reason: 'no GDNCTL_METRIC line' }) } });
  const nm = await measure(none.c);
  assert.ok(nm.kind === 'revert' && nm.reason === 'no-metric');
});

test('decide: a kept range; the champion moves without a measurer or on a promotion, not within noise', async () => {
  const plain = await stamped();
  const out = await decide(plain.c);
  assert.deepEqual(out, { kind: 'end', result: { kind: 'kept', range: plain.c.it.range, stampSha: plain.c.it.stampSha } });
  assert.equal(plain.state.champion, plain.c.it.stampSha);

  const noise = await stamped();
  noise.c.it.decision = { outcome: 'kept-within-noise', revert: false, runs: 5, reason: 'same' };
  await decide(noise.c);
  assert.equal(noise.state.champion, noise.c.it.headBefore, 'the yardstick stays');
  const promoted = await stamped();
  promoted.c.it.decision = { outcome: 'promoted', revert: false, runs: 5, reason: 'faster' };
  const kept = await decide(promoted.c);
  assert.equal(promoted.state.champion, promoted.c.it.stampSha);
  assert.ok(kept.kind === 'end' && kept.result.kind === 'kept' && kept.result.decision?.outcome === 'promoted');
  // The measurer owns the champion: state.json mirrors the champion its decision names (champion.json's).
  const mirrored = await stamped();
  mirrored.c.it.decision = { outcome: 'kept-within-noise', revert: false, runs: 5, reason: 'same', championSha: 'c0ffee0000000000000000000000000000000000' };
  await decide(mirrored.c);
  assert.equal(mirrored.state.champion, 'c0ffee0000000000000000000000000000000000');
});

test('revert: a revert commit undoes the range, the log entry comes back as "Commit: none (<reason>)", the failure keeps its phase', async () => {
  const { c, d, git, agentSha } = await stamped({ settings: { postCheck: ['x'] } });
  git.write({ 'junk.txt': 'by-product' });
  c.it.phase = 'post-checks';
  const result = await revertAndFail(c, { kind: 'revert', range: rangeToHead(c, c.it.range!), reason: 'post-check-failed', detail: 'exit 1' });
  assert.equal(result.kind, 'failed');
  if (result.kind !== 'failed') return;
  assert.deepEqual([result.reason, result.detail, result.phase], ['post-check-failed', 'exit 1', 'post-checks']);
  assert.deepEqual(git.subjects().slice(0, 3), ['gdnctl: record failed iteration 001 (post-check-failed)', 'gdnctl: revert iteration 001 (post-check-failed)', 'gdnctl: stamp iteration 001']);
  const revertCommit = [...git.commits.values()].find((x) => x.subject === 'gdnctl: revert iteration 001 (post-check-failed)');
  assert.equal(result.revertSha, revertCommit?.sha);
  assert.ok(await git.isAncestor(agentSha, await git.head()), 'the work stays in history');
  assert.equal(git.read('src/b.py'), '1');
  assert.equal(git.read('log.md'), '### Iteration 1 - fuse\n- Commit: none (post-check-failed)\n');
  assert.equal(c.it.head, await git.head());
  assert.equal(git.stashes[0]!.message, 'gdnctl-leftover-iter-001', 'leftovers went first, never dropped');
  const revertAt = d.ledger.eventsLog.findIndex((e) => e.type === 'revert');
  assert.deepEqual(d.ledger.eventsLog[revertAt], { type: 'revert', iteration: 1, from: c.it.headBefore, to: c.it.stampSha, reason: 'post-check-failed' });
  assert.ok(d.console.lines.includes(`reverted iteration 1 (post-check-failed) with commit ${result.revertSha!.slice(0, 12)}; the work stays in history`));
});

test('revert: a conflicting revert is aborted and fails the iteration as revert-conflict; the decision stays attached', async () => {
  const { c, git } = await stamped();
  git.script.revert.push({ kind: 'conflict', paths: ['src/b.py'] });
  const decision: MeasureDecision = { outcome: 'regression', revert: true, runs: 5, reason: 'slower' };
  c.it.phase = 'measure';
  const r = await revertAndFail(c, { kind: 'revert', range: c.it.range!, reason: 'measure-regression', detail: 'slower', decision });
  assert.ok(r.kind === 'failed' && r.reason === 'revert-conflict' && r.phase === 'measure' && r.decision === decision && r.revertSha === undefined);
  assert.match(r.kind === 'failed' ? r.detail : '', /conflicts in src\/b\.py \(revert aborted\); slower$/);
});

test('rangeSince: only a forward move of HEAD is a range; rangeToHead adds the loop\'s own commits', async () => {
  const git = new FakeGit();
  const start = await git.head();
  assert.equal(await rangeSince(git, start), undefined);
  const a = git.commitAll('a', { 'a.txt': 'a' });
  assert.deepEqual(await rangeSince(git, start), { from: start, to: a, shas: [a] });
  const { c } = iterationAt(git);
  c.it.head = 'stamp';
  assert.deepEqual(rangeToHead(c, { from: start, to: a, shas: [a] }), { from: start, to: 'stamp', shas: [a, 'stamp'] });
});

/** guard-tree (with the operator's work stashed) through prompt, so that record has something to restore. */
async function withOperatorStash(o: { settings?: Partial<LoopConfigValues> } = {}): Promise<{ c: IterationContext; git: FakeGit; d: ReturnType<typeof iterationAt>['d'] }> {
  const git = new FakeGit({ 'a.txt': 'a' });
  git.write({ 'wip.txt': 'mine' });
  const { c, d } = iterationAt(git, { settings: { dirtyPolicy: 'stash', ...o.settings } });
  await guardTree(c);
  await prompt(c);
  return { c, git, d };
}

test('record: a failure is stashed, judged and written down; the operator\'s work comes back after "record" is durable', async () => {
  const { c, git, d } = await withOperatorStash({ settings: { noCommitPolicy: 'count-failure', maxFailures: 3 } });
  git.write({ 'half.txt': 'agent' });
  const trial = git.stashTrial.bind(git);
  let phaseAtRestore: string | undefined;
  git.stashTrial = async (sha) => ((phaseAtRestore = (d.ledger.state as { phase: string }).phase), trial(sha));
  const out = await record(c, { kind: 'failed', reason: 'no-commit', detail: 'the agent made no commit', phase: 'verify-commit' });
  assert.deepEqual(out, {});
  assert.equal(phaseAtRestore, 'record');
  assert.equal(git.read('wip.txt'), 'mine');
  assert.equal(git.read('half.txt'), undefined);
  assert.ok(git.stashes.some((s) => s.message === 'gdnctl-leftover-iter-001'));
  const rec = d.ledger.json<IterationRecord>('iter-001/record.json');
  assert.deepEqual([rec.outcome, rec.status, rec.reason, rec.policy, rec.attempt], ['failed', 'no-commit', 'no-commit', 'counted', 1]);
  const saved = d.ledger.stateWrites.at(-1)!;
  assert.deepEqual([saved.state.failures, saved.state.iterationDone, saved.state.attempt, saved.state.headBefore], [1, true, 0, undefined]);
  assert.deepEqual(saved.state.completed.map((x) => [x.iteration, x.status, x.reason]), [[1, 'no-commit', 'no-commit']]);
  assert.deepEqual(d.ledger.eventsLog.at(-1), { type: 'iteration-recorded', iteration: 1, outcome: 'failed', status: 'no-commit', reason: 'no-commit' });
  assert.equal(saved.afterEvents, d.ledger.eventsLog.length - 1, 'the row is durable before its event');
  assert.ok(d.console.lines.includes('iteration 1 failed: no-commit: the agent made no commit (counted)'));
});

test('record: without an operator stash, "record" needs no state.json write of its own; only the row is written', async () => {
  const { c, d } = await stamped();
  const result = await decide(c);
  assert.ok(result.kind === 'end');
  await record(c, result.result);
  assert.deepEqual(d.ledger.stateWrites.map((w) => w.state.phase), ['record']);
  assert.equal(d.ledger.stateWrites[0]!.state.iterationDone, true);
});

test('record: a policy or a kept stash stops the run; a kept change that reached --target says so', async () => {
  const failing = await stamped();
  const stop = await record(failing.c, { kind: 'failed', reason: 'iteration-error', detail: 'boom', phase: 'stamp' });
  assert.equal(stop.stop?.cause, 'policy-fail');

  const { c, git } = await withOperatorStash({ settings: { stashRestorePolicy: 'fail' } });
  git.commitAll('agent', { 'wip.txt': 'theirs' });
  const kept = await record(c, { kind: 'no-change' });
  assert.equal(kept.stop?.reason, 'stash-restore-conflict');
  assert.equal(git.stashes.length, 1, 'kept in git stash list, never dropped');

  const hit = await stamped();
  const decision: MeasureDecision = { outcome: 'promoted', revert: false, runs: 5, reason: 'faster', candidate: 70, targetReached: true };
  const out = await record(hit.c, { kind: 'kept', range: hit.c.it.range!, decision });
  assert.deepEqual(out, { targetReached: { value: 70 } });
  assert.equal(hit.state.completed[0]!.targetReached, true);
});
