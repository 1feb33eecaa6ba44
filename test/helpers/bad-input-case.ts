/**
 * One bad-input case: build a repository, snapshot it, run the real CLI (in process through makeProgram, or the
 * built bin/gdnctl as a child process), then assert the exit code, exactly one `gdnctl: …` line on stderr that
 * matches what the case expects, nothing on stdout, and an identical snapshot (test/helpers/write-snapshot.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCli } from './cli.js';
import { ROOT } from './loop-harness.js';
import { TempRepo } from './temp-repo.js';
import { snapshot } from './write-snapshot.js';

const FAKE_BIN = join(ROOT, 'test', 'fakes', 'bin');
export const GDNCTL_BIN = join(ROOT, 'bin', 'gdnctl');

export interface CaseWorld {
  repo: TempRepo;
  /** A temp folder outside the repository (configs, prompts, foreign log dirs). */
  outside: string;
}

export interface BadInputCase {
  name: string;
  argv: (w: CaseWorld) => string[];
  /** Prepare the repository or files; runs before the "before" snapshot. */
  setup?: (w: CaseWorld) => void;
  /** Undo what setup did outside the temp folders (a mount), before they are removed; runs even when the case fails. */
  teardown?: (w: CaseWorld) => void;
  /** Skip the case, with this reason, when the machine cannot stage it (no mount without root). */
  skip?: () => string | undefined;
  /** With process: how long the child may take (a hang fails the case instead of the suite). Default 30 s. */
  timeoutMs?: number;
  /** Folder the CLI runs in (default: the repository). */
  cwd?: (w: CaseWorld) => string;
  /** More paths whose bytes must not change (default: the outside folder is always included). */
  watch?: (w: CaseWorld) => string[];
  env?: (w: CaseWorld) => Record<string, string>;
  /** Run bin/gdnctl (dist/) as a child process instead of makeProgram in process. */
  process?: boolean;
  /** Expected exit code (default 2). */
  code?: number;
  /** What the single stderr line must say; a list when the case has several problems (one line each, in order). */
  line: RegExp | RegExp[];
}

/** Base codex-loop argv with short waits; later flags override earlier ones (commander keeps the last). */
export function loop(...extra: string[]): string[] {
  return ['codex-loop', '--iterations', '1', '--sleep-seconds', '0', '--retry-sleep-seconds', '0', ...extra];
}

function caseEnv(w: CaseWorld): Record<string, string> {
  return {
    ...w.repo.env,
    // The scriptable fake codex first on PATH: a case that got past validation would run an agent and write.
    PATH: `${FAKE_BIN}:${dirname(process.execPath)}:/usr/bin:/bin`,
    FAKE_CODEX_SCENARIO: join(w.outside, 'scenario.json'),
    GDNCTL_KILL_GRACE_MS: '300',
    NO_COLOR: '1',
  };
}

export async function runBadInputCase(c: BadInputCase): Promise<void> {
  const repo = await TempRepo.create({ files: { 'README.md': '# target\n', 'src/kernel.py': 'x = 1\n' } });
  const outside = mkdtempSync(join(tmpdir(), 'gdnctl-bad-'));
  const w: CaseWorld = { repo, outside };
  try {
    c.setup?.(w);
    const cwd = c.cwd?.(w) ?? repo.dir;
    const watched = [outside, ...(c.watch?.(w) ?? [])];
    const before = snapshot(cwd === repo.dir ? repo.dir : cwd, watched);
    const repoBefore = cwd === repo.dir ? before : snapshot(repo.dir);
    const env = { ...caseEnv(w), ...(c.env?.(w) ?? {}) };
    const argv = c.argv(w);
    let r: { code: number; stdout: string; stderr: string };
    if (c.process) {
      // SIGKILL: a child hung on a FIFO open ignores SIGTERM, the very thing a case may test.
      const p = spawnSync(process.execPath, [GDNCTL_BIN, ...argv], { cwd, env, encoding: 'utf8', timeout: c.timeoutMs ?? 30_000, killSignal: 'SIGKILL' });
      r = { code: p.status ?? -1, stdout: p.stdout, stderr: p.stderr + (p.error ? `\n(${p.error.message})` : '') };
    } else {
      r = await runCli(argv, { cwd, env });
    }
    const detail = `argv: ${argv.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
    assert.equal(r.code, c.code ?? 2, `exit code\n${detail}`);
    const expected = Array.isArray(c.line) ? c.line : [c.line];
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    assert.equal(lines.length, expected.length, `exactly one stderr line per problem\n${detail}`);
    lines.forEach((line, i) => {
      assert.match(line, /^gdnctl: \S/, `the line names gdnctl\n${detail}`);
      assert.doesNotMatch(line, /\bat .*:\d+:\d+\)?$|internal error|Error: /, `no stack trace or raw error\n${detail}`);
      assert.match(line, expected[i]!, `the line says what is wrong and how to fix it\n${detail}`);
    });
    assert.equal(r.stdout, '', `nothing on stdout\n${detail}`);
    assert.deepStrictEqual(snapshot(cwd === repo.dir ? repo.dir : cwd, watched), before, `nothing written\n${detail}`);
    if (cwd !== repo.dir) assert.deepStrictEqual(snapshot(repo.dir), repoBefore, `nothing written in the repository\n${detail}`);
  } finally {
    c.teardown?.(w);
    repo.dispose();
    rmSync(outside, { recursive: true, force: true });
  }
}

/** A file at `rel` inside `root`, creating parents. */
export function touchDir(root: string, rel: string): string {
  const p = join(root, rel);
  mkdirSync(p, { recursive: true });
  return p;
}
