import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoLoopArgs } from '../../scripts/demo/demo-args.js';
import { createExampleRepo } from '../../scripts/demo/example-repo.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// The demo's command line goes through the real CLI with --dry-run: a renamed or removed flag, or an example
// config the schema rejects, fails here in seconds instead of in the minute-long demo.
test('the demo command line is accepted by gdnctl codex-loop (--dry-run) in a repo made from examples/', (t) => {
  assert.ok(existsSync(join(ROOT, 'dist')), 'dist/ is missing: run npm run build');
  const repo = createExampleRepo({ prefix: 'gdnctl-demo-args-' });
  t.after(() => repo.dispose());
  const args = [...demoLoopArgs({ serverUrl: 'http://127.0.0.1:9/v1', model: 'scripted-demo', codexBin: join(ROOT, 'node_modules/.bin/codex') }), '--dry-run'];
  const r = spawnSync(join(ROOT, 'bin/gdnctl'), args, { cwd: repo.dir, env: repo.env, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /codex/);
  assert.equal(repo.git('status', '--porcelain'), '', 'a dry run writes nothing into the repo');
});
