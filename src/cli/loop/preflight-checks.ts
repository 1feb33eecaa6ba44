/**
 * Preflight checks of things the loop would otherwise discover only after it wrote something (the run folder,
 * the lock, .git/info/exclude): a log dir that cannot be created or written, shell commands bash cannot parse,
 * inputs that would be silently ignored, a stale git lock. Each returns problem lines (what is wrong and how to
 * fix it) for one UsageError, exit 2.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, lstat, readFile, readlink, realpath, stat, statfs } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { specialFileKind } from '../../adapters/regular-file.js';

/** The folders the loop creates under the log dir (docs/architecture.md "The run directory"). */
const LEDGER_SUBDIRS = ['runs', 'leases', 'baselines'];

/** Linux's PATH_MAX (bytes, with the terminating NUL) and NAME_MAX (bytes of one path component). */
const PATH_MAX = 4096;
const NAME_MAX = 255;
/** Room for the deepest ledger path below the log dir: runs/<run-id>/iter-NNN/attempt-K/plan-pass/prompt.md and a temp suffix. */
const LEDGER_DEPTH = 160;
/** Less free space than this is a full disk: the lock, run.json, state.json and the first transcript lines need it. */
const MIN_FREE_BYTES = 8 * 1024 * 1024;

type Kind = { kind: 'dir' | 'other' | 'missing' } | { kind: 'error'; code: string };

async function kindOf(p: string): Promise<Kind> {
  try {
    return { kind: (await stat(p)).isDirectory() ? 'dir' : 'other' };
  } catch (e) {
    // ENOTDIR: a parent is a file; that parent is reported when the walk reaches it.
    const code = (e as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    return { kind: 'error', code };
  }
}

/** A symlink at `p` whose target does not exist (mkdir -p would fail on it with EEXIST after the lock was taken). */
async function danglingTarget(p: string): Promise<string | undefined> {
  const isLink = await lstat(p).then(
    (s) => s.isSymbolicLink(),
    () => false,
  );
  if (!isLink) return undefined;
  const missing = await stat(p).then(
    () => false,
    (e: NodeJS.ErrnoException) => e.code === 'ENOENT',
  );
  return missing ? readlink(p).catch(() => '?') : undefined;
}

/**
 * The log dir and its ledger folders must be folders or creatable as folders, on a writable disk with room,
 * at a path the ledger's files fit under. A file on the way would make mkdir fail with ENOTDIR/EEXIST after
 * the lock and the exclude line were already written.
 */
export async function logDirProblems(logDir: string): Promise<string[]> {
  return folderProblems(logDir, 'the log dir', '--log-dir', LEDGER_SUBDIRS);
}

function pathLengthProblem(dir: string, what: string, flag: string): string | undefined {
  const bytes = Buffer.byteLength(dir);
  if (bytes + LEDGER_DEPTH >= PATH_MAX) {
    return `${what} path is ${bytes} bytes long (${dir.slice(0, 60)}…); the files under it would pass the ${PATH_MAX}-byte path limit (PATH_MAX); pass a shorter ${flag} <dir>`;
  }
  const long = dir.split('/').find((c) => Buffer.byteLength(c) > NAME_MAX);
  if (long) return `${what} ${dir.slice(0, 60)}… has a folder name of ${Buffer.byteLength(long)} bytes, over the ${NAME_MAX}-byte limit (NAME_MAX); pass a shorter ${flag} <dir>`;
  return undefined;
}

/** `dir` (and its `subdirs`) exist as folders or can be created: no file sits where one of them or a parent goes. */
export async function folderProblems(dir: string, what: string, flag: string, subdirs: readonly string[] = []): Promise<string[]> {
  const tooLong = pathLengthProblem(dir, what, flag);
  if (tooLong) return [tooLong];
  for (const sub of subdirs) {
    const p = join(dir, sub);
    const target = await danglingTarget(p);
    if (target !== undefined) return [`${p} is a symlink to ${target}, which does not exist; create it, remove the link, or pass ${flag} <dir>`];
    if ((await kindOf(p)).kind === 'other') return [`${p} is a file, not a folder; move it away or pass ${flag} <dir>`];
  }
  for (let p = dir; ; p = dirname(p)) {
    const target = await danglingTarget(p);
    if (target !== undefined) {
      return [`${p} is a symlink to ${target}, which does not exist, so ${what} ${dir} cannot be created; create the target, remove the link, or pass ${flag} <dir>`];
    }
    const k = await kindOf(p);
    if (k.kind === 'dir') return diskProblems(p, dir, what, flag);
    if (k.kind === 'other') return [`${p} is a file, not a folder, so ${what} ${dir} cannot be created; move it away or pass ${flag} <dir>`];
    if (k.kind === 'error') return [`${p} cannot be checked (${k.code}), so ${what} ${dir} cannot be created; fix it or pass ${flag} <dir>`];
    if (dirname(p) === p) return [];
  }
}

/** The deepest existing folder on the way to `dir` takes new folders and files, and its disk has room. */
async function diskProblems(existing: string, dir: string, what: string, flag: string): Promise<string[]> {
  try {
    await access(existing, constants.W_OK | constants.X_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EACCES';
    const why = code === 'EROFS' ? 'is on a read-only file system' : `is not writable (${code})`;
    return [`${existing} ${why}, so ${what} ${dir} cannot be written; pass ${flag} <dir> on a writable disk`];
  }
  try {
    const fs = await statfs(existing);
    // root may use the blocks reserved for it; anyone else only the available ones.
    const free = (process.getuid?.() === 0 ? fs.bfree : fs.bavail) * fs.bsize;
    if (free < MIN_FREE_BYTES) {
      return [`${existing} is on a full disk (${Math.floor(free / 1024)} KiB free), so ${what} ${dir} cannot be written; free some space or pass ${flag} <dir> on another disk`];
    }
    if (fs.files > 0 && fs.ffree === 0) return [`${existing} is on a disk with no free inodes, so ${what} ${dir} cannot be written; free some or pass ${flag} <dir> on another disk`];
  } catch {
    // No statfs for this file system: the writes themselves will tell.
  }
  return [];
}

/** The real path of `p`, through its deepest existing ancestor (the rest need not exist yet). */
async function realPathOf(p: string): Promise<string> {
  const abs = resolve(p);
  for (let head = abs, tail = ''; ; ) {
    try {
      return join(await realpath(head), tail);
    } catch {
      const up = dirname(head);
      if (up === head) return abs;
      tail = join(basename(head), tail);
      head = up;
    }
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Where the repository's index.lock lives: .git/ or, in a linked worktree, the folder .git points at. No spawn. */
async function indexLockPath(root: string): Promise<string> {
  const dotGit = join(root, '.git');
  try {
    if ((await stat(dotGit)).isFile()) {
      const m = /^gitdir:\s*(.+?)\s*$/m.exec(await readFile(dotGit, 'utf8'));
      if (m) return join(resolve(root, m[1]!), 'index.lock');
    }
  } catch {
    // Not a repository layout we know: git itself reports what is wrong.
  }
  return join(dotGit, 'index.lock');
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

/** How long a lock held by a live git command (an editor's git status) may take to go away by itself. */
const LOCK_WAIT_MS = 1000;

/**
 * Inputs the loop would otherwise take silently or trip over later:
 * - `--target` without `--bench` (or `--bootstrap-infra`, whose iteration 0 writes one): no metric is ever
 *   measured, so the target can never be reached;
 * - `--hillclimb-log` naming a folder or a special file: the stamp step would fail after the agent's commit;
 * - a log dir that is the workdir or holds it (the repository root itself): its exclude line would hide the
 *   agent's work from git, and `git stash -u` would sweep the ledger. Real paths are compared, so a symlinked
 *   --workdir or --log-dir cannot slip through;
 * - a stale `.git/index.lock`: every stash and commit of the run would fail half-way.
 */
export async function loopInputProblems(
  v: { target?: number | undefined; bench?: string | undefined; bootstrapInfra?: boolean; hillclimbLog: string; logDir: string; workdir: string },
  gitRoot: string,
): Promise<string[]> {
  const problems: string[] = [];
  if (v.target !== undefined && !v.bench && !v.bootstrapInfra) {
    problems.push(`--target ${v.target} needs --bench: without a benchmark no metric is measured and the target is never reached; pass --bench "CMD" (or --bootstrap-infra) or drop --target`);
  }
  const log = await kindOf(v.hillclimbLog);
  if (log.kind === 'dir') problems.push(`--hillclimb-log ${v.hillclimbLog} is a folder; point it at the hill-climb log file (markdown) in it`);
  else {
    const special = await specialFileKind(v.hillclimbLog);
    if (special) problems.push(`--hillclimb-log ${v.hillclimbLog} is ${special}, not a regular file; point it at the hill-climb log file`);
  }
  const [logReal, workReal, rootReal] = await Promise.all([realPathOf(v.logDir), realPathOf(v.workdir), realPathOf(gitRoot)]);
  if (isInside(workReal, logReal) && isInside(logReal, rootReal)) {
    const what = logReal === rootReal ? 'the repository root itself' : 'the workdir or a folder holding it';
    problems.push(`the log dir ${v.logDir} is ${what}: gdnctl's files would mix with the work and its exclude line would hide the work from git; pass --log-dir <dir> (default .agents/logs/gdn_codex_loop)`);
  }
  const lock = await indexLockPath(gitRoot);
  for (let waited = 0; (await exists(lock)) && waited <= LOCK_WAIT_MS; waited += 100) {
    if (waited === LOCK_WAIT_MS) {
      problems.push(`${lock} exists: another git command is running in ${gitRoot}, or one crashed and left it; wait for it, or remove the file if no git process is running (rm ${lock})`);
    } else await sleep(100);
  }
  return problems;
}

// bash's reserved words: a plain word list holding one may still be a syntax error (`fi`, `then true`).
const RESERVED = new Set(['!', '[[', ']]', '{', '}', 'case', 'coproc', 'do', 'done', 'elif', 'else', 'esac', 'fi', 'for', 'function', 'if', 'in', 'select', 'then', 'time', 'until', 'while']);

/**
 * Words of letters, digits and `_./:=@%+,-` only, none of them reserved (`true`, `npm test`, `gdnctl lint-log
 * --scope all`): a simple command bash always parses, so preflight spawns no `bash -n` for it (a spawn costs
 * this process 10–20 ms before the first agent). Anything else — quotes, `$`, `;`, `|`, redirections — is asked.
 */
export function plainWords(command: string): boolean {
  const words = command.trim().split(/[ \t]+/);
  return words.every((w) => /^[A-Za-z0-9_./:=@%+,-]+$/.test(w) && !RESERVED.has(w));
}

/** bash's own parse (`bash -n`): unbalanced quotes or a dangling `if` fail here, not after the agent's commit. */
export async function shellSyntaxProblem(flag: string, command: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (plainWords(command)) return undefined;
  const stderr = await new Promise<string | undefined>((resolve) => {
    execFile('bash', ['-n', '-c', command], { env, timeout: 10_000 }, (err, _out, errText) => {
      // No bash to ask (spawn ENOENT) is not the command's fault: the run itself reports it.
      if (!err || typeof (err as NodeJS.ErrnoException).code === 'string') resolve(undefined);
      else resolve(String(errText) || err.message);
    });
  });
  if (stderr === undefined) return undefined;
  const first = stderr.split('\n').find((l) => l.trim() !== '')?.replace(/^bash: (-c: )?/, '') ?? 'syntax error';
  return `${flag} ${JSON.stringify(command)} is not valid shell (${first}); fix its quoting or syntax`;
}

/** Every shell command of the loop's config that bash would run: post-checks, the bench, the agent command. */
export async function shellCommandProblems(
  v: { postCheck: readonly string[]; bench?: string | undefined; agent: string; agentCmd?: string | undefined },
  env: NodeJS.ProcessEnv,
): Promise<string[]> {
  const checks: Array<[string, string]> = v.postCheck.map((c) => ['--post-check', c]);
  if (v.bench) checks.push(['--bench', v.bench]);
  if (v.agent === 'command' && v.agentCmd) checks.push(['--agent-cmd', v.agentCmd]);
  const found = await Promise.all(checks.map(([flag, cmd]) => shellSyntaxProblem(flag, cmd, env)));
  return found.filter((p): p is string => p !== undefined);
}
