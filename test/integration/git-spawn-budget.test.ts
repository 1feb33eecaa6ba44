/**
 * The loop's git budget (issue 14): the built CLI (bin/gdnctl) with a logging `git` first on PATH, an instant
 * fake agent, real git. Counted are the git processes gdnctl itself starts (the wrapper's parent is gdnctl),
 * not the agent's: at most 3 before the first agent run (one rev-parse, one status reused by iteration 1, one
 * `git var -l`), and per iteration at most 3 on the success path (status, the range's log, its diff), 4 when
 * the loop stamps the hill-climb log.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { git, makeRepo } from '../helpers/git-repo.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GDNCTL = join(ROOT, 'bin/gdnctl');
const FAKES = join(ROOT, 'test/fakes/bin');

interface Spawn {
  ppid: number;
  args: string;
}

/** A `git` that logs "<ppid> <args>" (and the agent's "AGENT" marks) to `log`, then runs the real git. */
function loggingGit(dir: string, log: string): void {
  const real = execPathOf('git');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'git'), `#!/bin/sh\nprintf '%s %s\\n' "$PPID" "$*" >> '${log}'\nexec '${real}' "$@"\n`);
  chmodSync(join(dir, 'git'), 0o755);
}

function execPathOf(cmd: string): string {
  for (const d of (process.env.PATH ?? '').split(':')) if (d && existsSync(join(d, cmd))) return join(d, cmd);
  throw new Error(`${cmd} not on PATH`);
}

async function runLoop(repo: string, env: NodeJS.ProcessEnv, iterations: number): Promise<{ pid: number; code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [GDNCTL, 'codex-loop', '--iterations', String(iterations), '--sleep-seconds', '0', '--quiet'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  child.stdout.resume();
  const code = await new Promise<number | null>((r) => child.on('close', r));
  return { pid: child.pid ?? -1, code, stderr };
}

/** gdnctl's own git processes, split at each agent run: [before the first, after the 1st agent, …]. */
function phasesOf(log: string, pid: number): string[][] {
  const out: string[][] = [[]];
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (line === 'AGENT') out.push([]);
    const sp = line.indexOf(' ');
    const s: Spawn = { ppid: Number(line.slice(0, sp)), args: line.slice(sp + 1) };
    if (s.ppid === pid) out[out.length - 1]!.push(s.args);
  }
  return out;
}

function setUp(t: { after(fn: () => void): void }, steps: unknown[]): { repo: string; env: NodeJS.ProcessEnv; log: string } {
  assert.ok(existsSync(join(ROOT, 'dist/bundle/main.js')), 'dist/ is missing: run npm run build');
  const r = makeRepo('gdnctl-spawns-');
  t.after(() => r.dispose());
  const base = mkdtempSync(join(tmpdir(), 'gdnctl-spawns-bin-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const log = join(base, 'git.log');
  loggingGit(join(base, 'bin'), log);
  const scenario = join(base, 'scenario.json');
  writeFileSync(scenario, JSON.stringify([{ steps: [{ do: 'shell', cmd: `echo AGENT >> '${log}'` }, ...steps] }]));
  const env = { PATH: `${join(base, 'bin')}:${FAKES}:${process.env.PATH}`, HOME: base, NO_COLOR: '1', GIT_CONFIG_NOSYSTEM: '1', FAKE_CODEX_SCENARIO: scenario };
  return { repo: r.repo, env, log };
}

test('start-up runs at most 3 git processes, a kept iteration at most 3', { timeout: 60_000 }, async (t) => {
  const commit = { do: 'shell', cmd: 'echo "$$" > bench.txt && git add -- bench.txt && git commit -q -m "bench $$"' };
  const { repo, env, log } = setUp(t, [commit]);
  const run = await runLoop(repo, env, 3);
  assert.equal(run.code, 0, run.stderr);
  const [startUp = [], ...iterations] = phasesOf(log, run.pid);
  assert.ok(startUp.length <= 3, `start-up: ${startUp.length} git processes:\n${startUp.join('\n')}`);
  assert.equal(iterations.length, 3);
  // The last entry also holds what runs after the last agent: the same iteration's checks.
  for (const [k, spawns] of iterations.entries()) {
    assert.ok(spawns.length <= 3, `iteration ${k + 1}: ${spawns.length} git processes:\n${spawns.join('\n')}`);
  }
  assert.equal(git(repo, 'rev-list', '--count', 'HEAD'), '4');
});

test('an iteration the loop stamps runs at most 4 git processes', { timeout: 60_000 }, async (t) => {
  const entry = '### Iteration 1 - step\\n- Date: 2026-12-02\\n- Commit: this commit\\n- Hypothesis: h\\n';
  const commit = {
    do: 'shell',
    cmd: `mkdir -p lib/levanter/.agents/projects && printf '# log\\n\\n${entry}' >> lib/levanter/.agents/projects/gdn_pallas_tpu_hillclimb.md && echo "$$" > bench.txt && git add -A && git commit -q -m "bench $$"`,
  };
  const { repo, env, log } = setUp(t, [commit]);
  const run = await runLoop(repo, env, 2);
  assert.equal(run.code, 0, run.stderr);
  const [, ...iterations] = phasesOf(log, run.pid);
  assert.equal(iterations.length, 2);
  for (const [k, spawns] of iterations.entries()) {
    assert.ok(spawns.length <= 4, `iteration ${k + 1}: ${spawns.length} git processes:\n${spawns.join('\n')}`);
  }
  assert.match(git(repo, 'log', '-1', '--format=%s'), /^gdnctl: stamp iteration 002$/);
});
