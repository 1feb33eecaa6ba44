import { test } from 'node:test';
import assert from 'node:assert/strict';
import { profilePlacement, profilesToPrune, runNameOrder, workerProfileScope, type ProfileEntry } from '../../src/core/profile-plan.js';

const e = (runName: string, order: number, iteration?: number): ProfileEntry => ({ runName, order, iteration });

test('retention: the champion lineage always, the newest N of the rest, the current run always', () => {
  const entries = [e('r1', 1, 1), e('r2', 2, 2), e('r3', 3, 3), e('r4', 4, 4), e('r5', 5, 5)];
  const names = (xs: ProfileEntry[]): string[] => xs.map((x) => x.runName).sort();
  const a = profilesToPrune(entries, { keep: 2, lineage: new Set([1, 3]), current: 'r5' });
  assert.deepEqual(names(a.keep), ['r1', 'r3', 'r4', 'r5']);
  assert.deepEqual(names(a.prune), ['r2']);
  const b = profilesToPrune(entries, { keep: 1, lineage: new Set(), current: 'r5' });
  assert.deepEqual(names(b.keep), ['r5']);
  // The current run is kept even when it is not the newest by its order.
  const c = profilesToPrune([e('old', 0), e('new', 9)], { keep: 1, lineage: new Set(), current: 'old' });
  assert.deepEqual(names(c.keep), ['old']);
  // Outside a loop there is no lineage: entries without an iteration are only counted.
  const d = profilesToPrune([e('a', 1), e('b', 2), e('c', 3)], { keep: 5, lineage: new Set([1]), current: 'c' });
  assert.deepEqual(d.prune, []);
});

test('placement: in a loop the iteration\'s profile/ folder, else <profiles>/<run-name>; on the workers, under ~ per scope and run', () => {
  const inLoop = profilePlacement({ runName: 'gdn_x_iter002_20261123T120000Z', repoRoot: '/home/me/gdn', iterDir: '/l/runs/r1/iter-002', loopRunId: 'r1', profilesRoot: '/l/profiles' });
  assert.equal(inLoop.localDir, '/l/runs/r1/iter-002/profile');
  assert.match(inLoop.workerScopeDir, /^~\/\.gdnctl\/profiles\/gdn-[0-9a-f]{8}\/r1$/);
  assert.equal(inLoop.workerDir, `${inLoop.workerScopeDir}/gdn_x_iter002_20261123T120000Z`);
  const adhoc = profilePlacement({ runName: 'n', repoRoot: '/home/me/gdn', profilesRoot: '/l/profiles/' });
  assert.equal(adhoc.localDir, '/l/profiles/n');
  assert.match(adhoc.workerScopeDir, /\/adhoc$/);
  assert.notEqual(workerProfileScope('/a/gdn', undefined), workerProfileScope('/b/gdn', undefined), 'two checkouts of the same name never share a scope');
  assert.equal(runNameOrder('p_130m_20steps_20261123T120305Z'), 20261123120305);
  assert.equal(runNameOrder('no-stamp'), undefined);
});
