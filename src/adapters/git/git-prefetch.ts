/**
 * Git questions asked before they are needed: `gdnctl codex-loop` starts its preflight's read-only git commands
 * (the repository's top level and git dirs, then `git var -l`) the moment it knows it will run the loop, so they
 * run on another core while the loop's code loads, ~15 ms of every start (issue 14; docs/decisions.md
 * "Issue 14 — start-up"). GitExec takes an answer only for the same command, in the same directory, with the
 * same environment, once; any other git command first drops what was read ahead (it might change an answer).
 * What nobody took is ended when the process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/** git-exec.ts's GitRunResult (declared here too: git-exec imports this file). */
interface GitRunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `SimpleGitRepo.open`'s one rev-parse: the top level and the git dirs (simple-git-repo.ts). */
export const OPEN_ARGS = ['rev-parse', '--show-toplevel', '--absolute-git-dir', '--git-common-dir', '--git-path', 'info/exclude'];
/** `commitProblems`'s listing of the effective config (repo-preflight.ts). */
export const IDENTITY_ARGS = ['var', '-l'];

const ahead = new Map<string, Promise<GitRunResult>>();
const running = new Set<ChildProcess>();
let exitHook = false;

const keyOf = (cwd: string, env: Record<string, string>, args: readonly string[]): string =>
  `${resolve(cwd)}\0${args.join('\0')}\0${JSON.stringify(env)}`;

function start(cwd: string, env: Record<string, string>, args: readonly string[]): Promise<GitRunResult> {
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
  return new Promise((done) => {
    const child = spawn('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const finish = (exitCode: number): void => {
      running.delete(child);
      done({ exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    };
    // No git on PATH: an answer nobody will take (the real call then fails the way it always did).
    child.on('error', () => finish(-1));
    child.on('close', (code, signal) => finish(code ?? (signal ? 128 : -1)));
  });
}

/** Ask `args` in `cwd` now; the answer waits for GitExec. Returns it too, for a question that depends on it. */
export function prefetchGit(cwd: string, env: Record<string, string>, args: readonly string[]): Promise<GitRunResult> {
  const p = start(cwd, env, args);
  ahead.set(keyOf(cwd, env, args), p);
  return p;
}

/** The answer read ahead for exactly this command, if any (taken once). */
export function takePrefetched(cwd: string, env: Record<string, string>, args: readonly string[]): Promise<GitRunResult> | undefined {
  if (ahead.size === 0) return undefined;
  const key = keyOf(cwd, env, args);
  const p = ahead.get(key);
  if (p) ahead.delete(key);
  return p;
}

/** Forget every answer read ahead (a command that may change one is about to run). */
export function dropPrefetched(): void {
  ahead.clear();
}

/** What may be read ahead without dropping the rest: the two questions above. */
export function isPrefetchable(args: readonly string[]): boolean {
  return [OPEN_ARGS, IDENTITY_ARGS].some((a) => a.length === args.length && a.every((x, k) => x === args[k]));
}
