/**
 * `--codex-sandbox workspace-write` in a linked worktree (a parallel candidate's checkout), with the REAL codex
 * 0.171 and the scripted Responses server. codex's sandbox keeps `.git` and the git dir a `.git` file points to
 * read-only inside its writable roots, so an agent cannot commit unless the adapter names those folders with
 * `--add-dir`; this machine's sandbox (seccomp + landlock) enforces it, which the control run shows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodexAgent, type CodexAgentOptions } from '../../src/adapters/agents/codex-agent.js';
import { gitWritableDirs } from '../../src/adapters/agents/codex-git-dirs.js';
import { ChildProcessRunner } from '../../src/adapters/process/child-process-runner.js';
import { startResponsesServer } from '../../scripts/model-server/responses-server.js';
import { writeCodexHome } from '../../scripts/model-server/codex-home.js';
import { createExampleRepo, type ExampleRepo } from '../../scripts/demo/example-repo.js';
import { CODEX_BIN, execOutput } from '../helpers/agent-cli.js';

const COMMIT = "printf 'sandboxed\\n' > sandboxed.txt && git add -A && git commit -q -m 'commit under workspace-write' && git rev-parse HEAD";

function agent(o: Partial<CodexAgentOptions> & { env: NodeJS.ProcessEnv }): CodexAgent {
  return new CodexAgent({
    bin: CODEX_BIN,
    ephemeral: true,
    sandbox: 'workspace-write',
    search: false,
    showFileUpdates: false,
    runner: new ChildProcessRunner({ killGraceMs: 500 }),
    ...o,
  });
}

function linkedWorktree(repo: ExampleRepo, name: string): string {
  const dir = join(repo.root, name);
  repo.git('worktree', 'add', '-q', '-b', `gdnctl/run/${name}`, dir);
  return dir;
}

test('workspace-write argv: --add-dir for the git dir and the common dir; none for bypass or outside git', (t) => {
  const repo = createExampleRepo({ prefix: 'gdnctl-e2e-sbx-argv-' });
  t.after(() => repo.dispose());
  const wt = linkedWorktree(repo, 'c1');
  const gitDir = realpathSync(join(repo.dir, '.git'));
  assert.deepEqual(gitWritableDirs(wt).map((d) => realpathSync(d)), [join(gitDir, 'worktrees', 'c1'), gitDir]);
  assert.deepEqual(gitWritableDirs(repo.dir).map((d) => realpathSync(d)), [gitDir], 'the main worktree: one folder');
  mkdirSync(join(wt, 'sub'));
  assert.deepEqual(gitWritableDirs(join(wt, 'sub')), gitWritableDirs(wt), 'from a subfolder of the checkout');
  assert.deepEqual(gitWritableDirs(mkdtempSync(join(tmpdir(), 'gdnctl-no-git-'))), []);

  const input = { iteration: 1, prompt: 'p', workdir: wt, iterDir: join(repo.root, 'iter-001'), timeoutMs: 1000, idleTimeoutMs: 1000 };
  const argv = agent({ env: repo.env }).describe(input);
  const added = argv.flatMap((a, i) => (a === '--add-dir' ? [argv[i + 1]!] : []));
  assert.deepEqual(added, gitWritableDirs(wt));
  assert.deepEqual(argv.slice(4, 6), ['-s', 'workspace-write']);
  assert.ok(!agent({ env: repo.env, sandbox: 'bypass' }).describe(input).includes('--add-dir'));
  assert.ok(!agent({ env: repo.env }).describe({ ...input, sandbox: 'read-only' }).includes('--add-dir'), 'a read-only planning pass writes nothing');
});

test('real codex, workspace-write, linked worktree: the agent commits through the adapter; without --add-dir it cannot', { timeout: 180_000 }, async (t) => {
  const srv = await startResponsesServer({
    script: {
      sessions: [
        { name: 'adapter', turns: [{ exec: COMMIT }, { message: 'Committed.' }] },
        { name: 'control', turns: [{ exec: COMMIT }, { message: 'Tried.' }] },
      ],
    },
  });
  const repo = createExampleRepo({ prefix: 'gdnctl-e2e-sbx-' });
  t.after(async () => {
    await srv.close();
    repo.dispose();
  });
  const wt = linkedWorktree(repo, 'c1');
  const before = repo.git('rev-parse', 'gdnctl/run/c1');
  const env = { ...repo.env };
  const a = agent({ env, modelServer: srv.url });
  const res = await a.run({ iteration: 1, prompt: 'commit something', workdir: wt, iterDir: join(repo.root, 'run', 'iter-001'), timeoutMs: 90_000, idleTimeoutMs: 60_000 });
  assert.equal(res.ok, true, `${res.failure}: ${res.detail}`);
  assert.deepEqual(srv.violations, []);
  assert.ok(res.argv.includes('--add-dir'), res.argv.join(' '));
  const out = execOutput(srv.calls[0]!.output!);
  assert.equal(out.exitCode, 0, out.text);
  const head = repo.git('rev-parse', 'gdnctl/run/c1');
  assert.notEqual(head, before);
  assert.equal(out.text.trim(), head, 'the commit the agent made is the branch tip');
  // The sandbox was really on: codex reports it in every request's turn metadata.
  assert.match(String(srv.requests[0]!.headers['x-codex-turn-metadata']), /"sandbox_mode":"workspace-write"/);

  // Control: the same codex and sandbox without the --add-dir pairs cannot write the worktree's index.
  const wt2 = linkedWorktree(repo, 'c2');
  const home = writeCodexHome({ baseUrl: srv.url }, repo.root);
  const child = spawn(CODEX_BIN, ['exec', '--json', '-s', 'workspace-write', '--ephemeral', '-C', wt2, '-'], { env: { ...env, CODEX_HOME: home }, stdio: ['pipe', 'ignore', 'ignore'] });
  child.stdin.end('commit something');
  await new Promise((resolve) => child.on('close', resolve));
  const denied = execOutput(srv.calls[1]!.output!);
  assert.notEqual(denied.exitCode, 0);
  assert.match(denied.text, /index\.lock': Read-only file system/);
  assert.equal(repo.git('rev-parse', 'gdnctl/run/c2'), before, 'nothing committed without the writable git dirs');
});
