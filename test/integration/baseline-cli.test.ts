import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

function repo(t: { after: (fn: () => void) => void }): string {
  const root = mkdtempSync(join(tmpdir(), 'gdnctl-baseline-cli-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  execFileSync('git', ['init', '-q', root]);
  writeFileSync(join(root, 'bench.sh'), 'echo "GDNCTL_METRIC {\\"mfu\\": 0.42}"\n');
  execFileSync('git', ['-c', 'user.email=t@e', '-c', 'user.name=t', 'commit', '-qm', 'init', '--allow-empty'], { cwd: root });
  return root;
}

test('gdnctl baseline without --bench: exit 2, one line saying how to fix it, nothing written', async (t) => {
  const root = repo(t);
  const r = await runCli(['baseline'], root);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no benchmark command; pass --bench "CMD"/);
  assert.equal(existsSync(join(root, '.agents')), false);
  const bad = await runCli(['baseline', '--bench', 'bash bench.sh', '--metric-pattern', 'mfu=([0-9.]+)'], root);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /no named group/);
});

test('gdnctl baseline stores result.txt and env-snapshot.txt under baselines/<fingerprint>/, excluded from git', async (t) => {
  const root = repo(t);
  const r = await runCli(['baseline', '--bench', 'bash bench.sh', '--baseline-runs', '3'], root);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /baseline [0-9a-f]{16}: median 0\.42 over 3 runs \(CV 0\.00 %\)/);
  const base = join(root, '.agents', 'logs', 'gdn_codex_loop', 'baselines');
  const [fp] = readdirSync(base);
  assert.match(readFileSync(join(base, fp!, 'result.txt'), 'utf8'), /# Aggregation: median of 3 runs\n# Raw: 0.42 0.42 0.42\n/);
  const snap = readFileSync(join(base, fp!, 'env-snapshot.txt'), 'utf8');
  for (const k of ['Git SHA:', 'OS:', 'Node: v', 'Accelerator:', '- git: git version']) assert.ok(snap.includes(k), k);
  assert.equal(execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).trim(), '?? bench.sh', 'log dir excluded');
});

test('gdnctl baseline refuses a noisy benchmark with exit 1 unless --accept-noise', async (t) => {
  const root = repo(t);
  const counter = join(root, '..', `${root.split('/').pop()}-n`);
  t.after(() => rmSync(counter, { force: true }));
  writeFileSync(counter, '0');
  writeFileSync(join(root, 'noisy.sh'), `n=$(cat ${counter}); echo $((n+1)) > ${counter}\nif [ $((n % 2)) = 0 ]; then v=100; else v=140; fi\necho "GDNCTL_METRIC {\\"t\\": $v}"\n`);
  const r = await runCli(['baseline', '--bench', 'bash noisy.sh', '--baseline-runs', '3'], root);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /baseline refused as noisy: CV 20\.38 % over 3 runs is above --cv-threshold-pct 5 \(runs: 100\.0 140\.0 100\.0; median 100\.0\)/);
  const ok = await runCli(['baseline', '--bench', 'bash noisy.sh', '--baseline-runs', '3', '--accept-noise'], root);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /noise accepted/);
});
