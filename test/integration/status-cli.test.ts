import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

function setup(t: { after: (fn: () => void) => void }): { root: string; runs: string } {
  const root = mkdtempSync(join(tmpdir(), 'gdnctl-status-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  execFileSync('git', ['init', '-q', root]);
  return { root, runs: join(root, '.agents', 'logs', 'gdn_codex_loop', 'runs') };
}

function run(runs: string, id: string, state: Record<string, unknown>, ageS: number): string {
  const dir = join(runs, id);
  mkdirSync(join(dir, 'baseline'), { recursive: true });
  writeFileSync(join(dir, 'state.json'), JSON.stringify({ schemaVersion: 1, runId: id, ...state }));
  const t = new Date(Date.now() - ageS * 1000);
  utimesSync(join(dir, 'state.json'), t, t);
  return dir;
}

test('gdnctl status shows the newest run: iteration, phase, champion with numbers, failures, TPU', async (t) => {
  const { root, runs } = setup(t);
  run(runs, 'old', { status: 'done', iteration: 9, phase: 'record' }, 600);
  const dir = run(runs, 'new', { status: 'interrupted', iteration: 3, attempt: 2, phase: 'measure', failures: 1, consecutiveFailures: 1, tpuLeaseFile: join(runs, '..', 'lease.json'), tokens: { inputTokens: 12000, outputTokens: 800 } }, 5);
  writeFileSync(join(runs, '..', 'lease.json'), JSON.stringify({ project: 'p', zone: 'us-central1-a', node: 'me-gdn' }));
  writeFileSync(join(dir, 'baseline', 'baseline.json'), JSON.stringify({ median: 100, metric: 'step_ms', direction: 'lower' }));
  writeFileSync(join(dir, 'champion.json'), JSON.stringify({ sha: 'c'.repeat(40), median: 90, iteration: 2, values: [90] }));
  const r = await runCli(['status'], root);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^run new: interrupted\n/);
  assert.match(r.stdout, /iteration: 3 \(attempt 2\), phase measure/);
  assert.match(r.stdout, /champion: c{12} from iteration 2, median 90 step_ms \(10\.00 % better than baseline 100\)/);
  assert.match(r.stdout, /failures: 1 \(consecutive 1\)/);
  assert.match(r.stdout, /TPU: me-gdn in us-central1-a \(p\)/);
  assert.match(r.stdout, /tokens: 12,000 in, 800 out/);
  const old = await runCli(['status', 'old'], root);
  assert.match(old.stdout, /^run old: done\n/);
  assert.match(old.stdout, /TPU: none held/);
});

test('gdnctl status with an unknown run id or no runs: exit 2 with a fix', async (t) => {
  const { root, runs } = setup(t);
  const none = await runCli(['status'], root);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no runs under .*; start one with gdnctl codex-loop/);
  run(runs, 'a', { status: 'done' }, 1);
  const bad = await runCli(['status', 'zzz'], root);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /no run "zzz" under .*known runs: a/);
});
