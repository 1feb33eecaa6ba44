import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeTypeNotes, slotRemoteRoot } from '../../src/cli/loop/parallel-bench.js';
import { parallelTpuProblems, sessionValues } from '../../src/cli/loop/parallel-seams.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { TpuNode } from '../../src/ports/tpu.js';

const node = (name: string, acceleratorType: string) => ({ name, acceleratorType, project: 'p', zone: 'z', cluster: 'c', workers: [] }) as unknown as TpuNode;

test('nodes of another type than node 1 are named, one line each; same-type nodes say nothing', () => {
  assert.deepEqual(nodeTypeNotes([{ slot: 1, node: node('n-1', 'v5p-8') }, { slot: 2, node: node('n-2', 'v5p-8') }]), []);
  const notes = nodeTypeNotes([{ slot: 1, node: node('n-1', 'v5p-8') }, { slot: 2, node: node('n-2', 'v4-8') }, { slot: 3, node: node('n-3', 'v5p-8') }]);
  assert.equal(notes.length, 1);
  assert.match(notes[0]!, /^node n-2 \(candidate 2\) is a v4-8, node 1 \(n-1\) a v5p-8: candidate 2's baseline and champion are measured again on its own node/);
});

test('each node\'s trees, and the finalists\', have their own folder under the remote root', () => {
  assert.equal(slotRemoteRoot({ remoteDir: '~/w/' }, '/r/repo', 2), '~/w/c2');
  assert.equal(slotRemoteRoot({ remoteDir: undefined }, '/r/repo', 'finalists'), '~/repo/finalists');
});

const cfg = (flags: Record<string, unknown>) => resolveConfig({ command: 'codex-loop', cwd: '/tmp', env: {}, flags: { workdir: '/tmp', iterations: 4, parallel: 2, bench: 'python3 b.py', metric: 'm', ...flags } }).values;

test('--parallel with the bench on the TPU: refused without --hold-dev-tpu, allowed with it; the session then measures nothing', () => {
  assert.match(parallelTpuProblems(cfg({ benchOn: 'tpu', tpuName: 'one' }))[0] ?? '', /^--parallel 2 with the benchmark on the TPU needs a node per candidate; add --hold-dev-tpu/);
  const held = cfg({ benchOn: 'tpu', holdDevTpu: true, devTpuName: 'me' });
  assert.deepEqual(parallelTpuProblems(held), []);
  assert.equal(sessionValues(held).bench, undefined);
  assert.equal(sessionValues(held).holdDevTpu, false);
  assert.equal(sessionValues(cfg({ benchOn: 'local', holdDevTpu: true, devTpuName: 'me' })).bench, 'python3 b.py');
});
