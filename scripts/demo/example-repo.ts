/**
 * A throw-away git repository made from examples/ (the demo and the e2e tests start from it).
 *
 * Git runs with a private HOME and no system config, so the machine user's hooks, signing or default branch
 * cannot change what the demo does; the same `env` is meant for everything run in the repo (codex included).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));

export interface ExampleRepo {
  /** Parent temp folder: holds repo/, home/ and anything else the caller puts there. */
  root: string;
  dir: string;
  env: Record<string, string>;
  git(...args: string[]): string;
  dispose(): void;
}

// NODE_TEST_CONTEXT is set inside a `node --test` run; a nested `node --test` that inherits it skips its files
// and exits 0, so the example's correctness check would pass whatever the code does.
const DROPPED = new Set(['CODEX_HOME', 'NODE_TEST_CONTEXT']);

export function isolatedEnv(home: string, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    if (v !== undefined && !k.startsWith('GIT_') && !k.startsWith('GDNCTL_') && !DROPPED.has(k)) env[k] = v;
  }
  env.HOME = home;
  env.XDG_CONFIG_HOME = join(home, '.config');
  env.GIT_CONFIG_NOSYSTEM = '1';
  env.GIT_TERMINAL_PROMPT = '0';
  return env;
}

export function createExampleRepo(opts: { prefix?: string; branch?: string } = {}): ExampleRepo {
  const root = mkdtempSync(join(tmpdir(), opts.prefix ?? 'gdnctl-example-'));
  const dir = join(root, 'repo');
  const home = join(root, 'home');
  mkdirSync(home);
  cpSync(EXAMPLES_DIR, dir, { recursive: true });
  const env = isolatedEnv(home);
  const git = (...args: string[]): string =>
    execFileSync('git', args, { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  git('init', '-q', '-b', opts.branch ?? 'main');
  git('config', 'user.name', 'gdnctl demo');
  git('config', 'user.email', 'demo@gdnctl.invalid');
  git('config', 'commit.gpgsign', 'false');
  git('add', '-A');
  git('commit', '-q', '-m', 'examples: pair-sums optimization target');
  return { root, dir, env, git, dispose: () => rmSync(root, { recursive: true, force: true }) };
}
