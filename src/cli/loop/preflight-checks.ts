/**
 * Preflight checks of things the loop would otherwise discover only after it wrote something (the run folder,
 * the lock, .git/info/exclude): a log dir that cannot be created, shell commands bash cannot parse. Each
 * returns problem lines (what is wrong and how to fix it) for one UsageError, exit 2.
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The folders the loop creates under the log dir (docs/architecture.md "The run directory"). */
const LEDGER_SUBDIRS = ['runs', 'leases', 'baselines'];

async function kindOf(p: string): Promise<'dir' | 'other' | 'missing'> {
  try {
    return (await stat(p)).isDirectory() ? 'dir' : 'other';
  } catch (e) {
    // ENOTDIR: a parent is a file; that parent is reported when the walk reaches it.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw e;
  }
}

/**
 * The log dir and its ledger folders must be folders or creatable as folders. A file on the way would make
 * mkdir fail with ENOTDIR/EEXIST after the lock and the exclude line were already written.
 */
export async function logDirProblems(logDir: string): Promise<string[]> {
  return folderProblems(logDir, 'the log dir', '--log-dir', LEDGER_SUBDIRS);
}

/** `dir` (and its `subdirs`) exist as folders or can be created: no file sits where one of them or a parent goes. */
export async function folderProblems(dir: string, what: string, flag: string, subdirs: readonly string[] = []): Promise<string[]> {
  for (const sub of subdirs) {
    const p = join(dir, sub);
    if ((await kindOf(p)) === 'other') return [`${p} is a file, not a folder; move it away or pass ${flag} <dir>`];
  }
  for (let p = dir; ; p = dirname(p)) {
    const kind = await kindOf(p);
    if (kind === 'dir') return [];
    if (kind === 'other') return [`${p} is a file, not a folder, so ${what} ${dir} cannot be created; move it away or pass ${flag} <dir>`];
    if (dirname(p) === p) return [];
  }
}

/** bash's own parse (`bash -n`): unbalanced quotes or a dangling `if` fail here, not after the agent's commit. */
export async function shellSyntaxProblem(flag: string, command: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
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
