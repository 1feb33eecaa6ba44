/**
 * Drives `gdnctl codex-loop` against a TempRepo with the scriptable fake codex on PATH:
 * in process through makeProgram (fast), or as a real child process (signals, SIGKILL at fault points).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProgram, type CliRun } from './cli.js';
import type { TempRepo } from './temp-repo.js';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const FAKE_BIN = join(ROOT, 'test', 'fakes', 'bin');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

export type Step = Record<string, unknown> & { do: string };
export interface Invocation {
  steps: Step[];
  usage?: Record<string, number>;
  exitCode?: number;
}

/** Short waits everywhere so the suite stays fast. */
export const FAST = ['--sleep-seconds', '0', '--retry-sleep-seconds', '0'];

export function commitStep(files: Record<string, string>, message = 'agent change'): Step {
  return { do: 'commit', message, files };
}

/** Env for the loop: the repo's clean git env, the fake codex first on PATH, a scenario file. */
export function loopEnv(repo: TempRepo, scenario: Invocation[], extra: Record<string, string> = {}): Record<string, string> {
  const file = repo.scratch(`scenario-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(scenario));
  return {
    ...repo.env,
    PATH: `${FAKE_BIN}:${repo.env.PATH ?? process.env.PATH ?? ''}`,
    FAKE_CODEX_SCENARIO: file,
    GDNCTL_KILL_GRACE_MS: '300',
    NO_COLOR: '1',
    ...extra,
  };
}

export type LoopRun = CliRun;

export async function runLoopInProcess(repo: TempRepo, args: string[], env: Record<string, string>): Promise<LoopRun> {
  return runProgram(['codex-loop', ...args], { cwd: repo.dir, env });
}

export interface LoopChild {
  child: ChildProcess;
  done: Promise<LoopRun>;
  output: () => string;
}

export function spawnLoop(repo: TempRepo, args: string[], env: Record<string, string>): LoopChild {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, 'codex-loop', ...args], { cwd: repo.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += String(d)));
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const done = new Promise<LoopRun>((res) => {
    child.on('close', (code, signal) => res({ code: code ?? (signal === 'SIGKILL' ? 137 : -1), stdout, stderr }));
  });
  return { child, done, output: () => stdout + stderr };
}

/** Resolve when `pred()` holds (checked every 25 ms), or reject after timeoutMs. */
export async function until(pred: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function logDir(repo: TempRepo): string {
  return join(repo.dir, '.agents', 'logs', 'gdn_codex_loop');
}

export function runDirs(repo: TempRepo): string[] {
  const d = join(logDir(repo), 'runs');
  // Oldest first by start time (run ids sort that way too; startedAt guards against equal prefixes).
  const dirs = existsSync(d) ? readdirSync(d).map((n) => join(d, n)) : [];
  const started = (dir: string): string => String(readJson(join(dir, 'run.json')).startedAt ?? '');
  return dirs.sort((a, b) => started(a).localeCompare(started(b)) || a.localeCompare(b));
}

export function readJson<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export function events(runDir: string): Array<Record<string, unknown>> {
  return readFileSync(join(runDir, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
