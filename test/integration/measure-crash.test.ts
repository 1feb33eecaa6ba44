import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMeasurer } from '../../src/cli/measure/bench-measurer.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const git = (cwd: string, ...a: string[]): string => execFileSync('git', a, { cwd, encoding: 'utf8' }).trim();

function repo(t: { after: (fn: () => void) => void }): { root: string; tmp: string } {
  const tmp = mkdtempSync(join(tmpdir(), 'gdnctl-mcrash-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const root = join(tmp, 'repo');
  execFileSync('git', ['init', '-q', root]);
  writeFileSync(join(root, 'bench.sh'), 'echo "GDNCTL_METRIC {\\"t\\": 5}"\n');
  execFileSync('git', ['-c', 'user.email=t@e', '-c', 'user.name=t', 'add', '-A'], { cwd: root });
  execFileSync('git', ['-c', 'user.email=t@e', '-c', 'user.name=t', 'commit', '-qm', 'init'], { cwd: root });
  return { root, tmp };
}

function gdnctl(cwd: string, args: string[], env: Record<string, string>): { status: number | null; signal: string | null } {
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'src/cli/main.ts'), ...args], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, encoding: 'utf8' });
  return { status: r.status, signal: r.signal };
}

test('SIGKILL during a baseline leaves no half baseline; the next run measures a complete one', async (t) => {
  const { root, tmp } = repo(t);
  const marker = join(tmp, 'marker');
  const killed = gdnctl(root, ['baseline', '--bench', 'bash bench.sh', '--baseline-runs', '3'], { GDNCTL_FAULT: 'during-baseline', GDNCTL_FAULT_MARKER: marker });
  assert.equal(killed.signal, 'SIGKILL');
  assert.equal(readFileSync(marker, 'utf8'), 'during-baseline\n', 'the fault point fired');
  const base = join(root, '.agents', 'logs', 'gdn_codex_loop', 'baselines');
  const leftovers = existsSync(base) ? readdirSync(base).filter((d) => existsSync(join(base, d, 'baseline.json'))) : [];
  assert.deepEqual(leftovers, [], 'baseline.json is written last, so a killed baseline is never reused');
  assert.equal(gdnctl(root, ['baseline', '--bench', 'bash bench.sh', '--baseline-runs', '3'], {}).status, 0);
  assert.equal(readdirSync(base).filter((d) => existsSync(join(base, d, 'baseline.json'))).length, 1);
});

test('a champion worktree left by a killed run is removed before the next measurement', async (t) => {
  const { root, tmp } = repo(t);
  const head = git(root, 'rev-parse', 'HEAD');
  // Simulate the leftover of a SIGKILL inside withDetachedWorktree: registered, folder still present.
  const stale = join(mkdtempSync(join(tmpdir(), 'gdnctl-champion-')), 'wt');
  git(root, 'worktree', 'add', '--detach', stale, head);
  assert.equal(git(root, 'worktree', 'list').split('\n').length, 2);
  const m = createMeasurer(
    { bench: 'bash bench.sh', direction: 'lower', baselineRuns: 2, cvThresholdPct: 5, acceptNoise: false, maxBenchRuns: 2, alpha: 0.05, minImprovementPct: 0, maxRegressionPct: 2, inconclusivePolicy: 'revert', interleave: 'on', benchTimeoutSeconds: 30, logDir: join(tmp, 'logs') },
    { repoRoot: root, snapshot: async () => '' },
  );
  assert.deepEqual(await m.ensureBaseline(join(tmp, 'logs', 'runs', 'r'), head), { ok: true });
  await m.decide({ iteration: 1, iterDir: join(tmp, 'logs', 'runs', 'r', 'iter-001'), head, championSha: head });
  assert.equal(git(root, 'worktree', 'list').split('\n').length, 1, 'stale and current champion worktrees are gone');
  assert.equal(existsSync(stale), false);
});
