// Shared set-up of the loop benchmarks: a private HOME and git environment, and a throw-away repository.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Node's own start-up settings of the caller: they weigh on every node process alike and are not gdnctl's cost.
 * Seen on a build machine: NODE_EXTRA_CA_CERTS pointing at the system bundle added ~85 ms to every node start
 * (bare `node -e 0`: 40 -> 125 ms), more than the whole launch target.
 */
export const NODE_STARTUP_ENV = ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS'];

/**
 * The caller's environment minus GIT_* (which could point git elsewhere) and NODE_STARTUP_ENV, with a private
 * HOME and no colour.
 */
export function benchEnv(home) {
  const e = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('GIT_') && !NODE_STARTUP_ENV.includes(k)) e[k] = v;
  return { ...e, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C', NO_COLOR: '1' };
}

/** `git init` a repository in dir on branch main, let writeFiles(dir) fill it, and commit everything. */
export function initBenchRepo(dir, env, writeFiles) {
  mkdirSync(dir, { recursive: true });
  const git = (...a) => execFileSync('git', a, { cwd: dir, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'bench');
  git('config', 'user.email', 'bench@example.invalid');
  writeFiles(dir);
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
  return git;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
