import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GitExec, gitEnvironment, IDENTITY_ARGS, OPEN_ARGS, takePrefetched } from '../../src/adapters/git/git-exec.js';
import { prefetchGit, prefetchPreflight } from '../../src/adapters/git/git-prefetch.js';
import { TempRepo } from '../helpers/temp-repo.js';
import { isPidDead } from '../helpers/proc.js';

/** A `git` first on PATH that logs each call's arguments, then runs the real one. */
function loggingGit(dir: string, env: Record<string, string>): { env: Record<string, string>; calls: () => string[] } {
  const bin = join(dir, '.bin');
  const log = join(dir, '.git-calls');
  mkdirSync(bin, { recursive: true });
  const real = spawnSync('bash', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${real}' "$@"\n`);
  chmodSync(join(bin, 'git'), 0o755);
  writeFileSync(log, '');
  return { env: { ...env, PATH: `${bin}:${env.PATH}` }, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

test('the preflight\'s answers read ahead are taken by the same questions, once, and each git runs only once', async (t) => {
  const repo = await TempRepo.create();
  t.after(() => repo.dispose());
  const { env, calls } = loggingGit(repo.dir, repo.env);
  prefetchPreflight(repo.dir, env);
  const exec = new GitExec(repo.dir, { env });
  const opened = await exec.out(OPEN_ARGS);
  assert.equal(opened.split('\n')[0], repo.dir);
  // var -l is asked ahead in the top level once the first answer is in.
  await new Promise((r) => setTimeout(r, 300));
  const identity = await new GitExec(repo.dir, { env }).run(IDENTITY_ARGS, 'any');
  assert.equal(identity.exitCode, 0);
  assert.deepEqual(calls(), [OPEN_ARGS.join(' '), IDENTITY_ARGS.join(' ')]);
  // Taken once: the same question again is asked again.
  await exec.out(OPEN_ARGS);
  assert.equal(calls().length, 3);
});

test('an answer read ahead is not used for another directory, another environment, or after another git command', async (t) => {
  const repo = await TempRepo.create();
  t.after(() => repo.dispose());
  const env = gitEnvironment(repo.env);
  void prefetchGit(repo.dir, env, IDENTITY_ARGS);
  assert.equal(takePrefetched(join(repo.dir, 'sub'), env, IDENTITY_ARGS), undefined);
  assert.equal(takePrefetched(repo.dir, { ...env, GIT_AUTHOR_NAME: 'someone else' }, IDENTITY_ARGS), undefined);
  assert.ok(takePrefetched(repo.dir, env, IDENTITY_ARGS), 'the same question takes it');
  void prefetchGit(repo.dir, env, IDENTITY_ARGS);
  // A command that could change an answer (here a config write) drops what was read ahead.
  await new GitExec(repo.dir, { env: repo.env }).run(['config', 'user.name', 'changed']);
  assert.equal(takePrefetched(repo.dir, env, IDENTITY_ARGS), undefined);
  const after = await new GitExec(repo.dir, { env: repo.env }).run(IDENTITY_ARGS, 'any');
  assert.match(after.stdout, /user\.name=changed/);
});

const tsx = fileURLToPath(import.meta.resolve('tsx'));

test('a question read ahead and never taken is ended when the process exits', async (t) => {
  const repo = await TempRepo.create();
  t.after(() => repo.dispose());
  const bin = join(repo.dir, '.slow-bin');
  mkdirSync(bin);
  const pidFile = join(repo.dir, '.git-pid');
  writeFileSync(join(bin, 'git'), `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 30\n`);
  chmodSync(join(bin, 'git'), 0o755);
  const script = `import { prefetchGit } from ${JSON.stringify(fileURLToPath(new URL('../../src/adapters/git/git-prefetch.ts', import.meta.url)))};
void prefetchGit(process.cwd(), { PATH: process.env.PATH }, ['var', '-l']);
setTimeout(() => process.exit(0), 500);`;
  const r = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], {
    cwd: repo.dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8', timeout: 20_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  for (let i = 0; i < 50 && !isPidDead(pid); i++) await new Promise((res) => setTimeout(res, 20));
  assert.ok(isPidDead(pid), `git ${pid} outlived the process`);
});
