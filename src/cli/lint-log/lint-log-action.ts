import { readFile } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import type { CommandContext } from '../command-spec.js';
import { ExitCode } from '../exit-codes.js';
import { UsageError } from '../../errors.js';
import { GitLookupError, lookUpCommits } from '../../adapters/git-commit-lookup.js';
import { specialFileKind } from '../../adapters/regular-file.js';
import { commitProblems, lintLog, sortProblems, type LintProblem } from '../../core/lint-log.js';

function unreadable(file: string, code: string | undefined, special?: string): string {
  if (special) return `${file}: is ${special}, not a log file; pass the markdown log itself with --log-file`;
  if (code === 'ENOENT') {
    return `${file}: log file not found; create it, or point --log-file (or hillclimbLog in gdnctl.yaml) at the hill-climb log`;
  }
  if (code === 'EISDIR') return `${file}: is a directory, not a log file; pass the markdown log itself with --log-file`;
  return `${file}: cannot read the log file (${code ?? 'unknown error'}); check its permissions or pass another --log-file`;
}

/** `gdnctl lint-log`: exit 0 clean, 1 problems (all of them listed), 2 file missing/unreadable or commits unverifiable. */
export async function runLintLog(ctx: CommandContext): Promise<number> {
  const v = ctx.config.values;
  const file = v.logFile ?? v.hillclimbLog;
  const rel = relative(ctx.cwd, file);
  const shown = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;

  let text: string;
  try {
    // Before opening: reading a FIFO would block forever (src/adapters/regular-file.ts).
    const special = await specialFileKind(file);
    if (special) throw Object.assign(new Error(special), { code: 'ENOTREG', special });
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message = unreadable(file, code, (e as { special?: string }).special);
    if (v.json) {
      ctx.stdout.write(JSON.stringify({ file, scope: v.scope, ok: false, problems: [], error: { code: code ?? 'EUNKNOWN', message } }) + '\n');
    }
    throw new UsageError(message);
  }

  const result = lintLog(text, {
    scope: v.scope,
    allowPending: v.allowPending,
    allowThisCommit: v.allowThisCommit,
    allowNonMonotonic: v.allowNonMonotonic,
    requiredFields: v.requiredFields,
  });
  let problems: LintProblem[] = result.problems;
  if (v.verifyCommits && result.commitRefs.length > 0) {
    try {
      const statuses = await lookUpCommits(v.workdir, result.commitRefs.map((r) => r.sha));
      problems = sortProblems([...problems, ...commitProblems(result.commitRefs, statuses)]);
    } catch (e) {
      if (!(e instanceof GitLookupError)) throw e;
      throw new UsageError(`${shown}: cannot verify the commits it names (${e.message}); run in the repository (--workdir) or pass --no-verify-commits`);
    }
  }
  ctx.log.debug({ file, entriesChecked: result.entriesChecked, commits: result.commitRefs.length }, 'lint-log checked');

  const ok = problems.length === 0;
  if (v.json) {
    ctx.stdout.write(JSON.stringify({ file, scope: v.scope, ok, entriesChecked: result.entriesChecked, problems }, null, 2) + '\n');
  } else {
    for (const p of problems) ctx.stdout.write(`${shown}:${p.line}: ${p.rule}: ${p.message}\n`);
    ctx.stdout.write(
      ok
        ? `log lint passed: ${shown} (${result.entriesChecked} ${result.entriesChecked === 1 ? 'entry' : 'entries'} checked, scope ${v.scope})\n`
        : `log lint failed: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${shown}\n`,
    );
  }
  return ok ? ExitCode.ok : ExitCode.failed;
}
