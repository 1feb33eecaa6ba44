import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import type { Config } from '../../config/schema.js';
import type { StatusEntry, TreeSnapshot } from '../../ports/git.js';
import { loadPreset, readDirectiveFile } from '../../adapters/directive-presets.js';
import { SimpleGitRepo } from '../../adapters/git/simple-git-repo.js';
import { commitProblems, operationInProgress } from '../../adapters/git/repo-preflight.js';
import { listRuns } from '../../adapters/ledger/file-ledger.js';
import { ownerLiveness } from '../../adapters/process/liveness.js';
import { configFingerprint } from '../../core/loop/fingerprint.js';
import { PromptTemplateError, renderPrompt } from '../../core/prompt-template.js';
import type { Logger } from '../../log.js';
import { UsageError } from '../../errors.js';
import { judgeDirtyTree } from '../../core/loop/dirty-tree.js';
import { findResumable } from '../../core/run/recover.js';
import { folderProblems, logDirProblems, loopInputProblems, shellCommandProblems } from './preflight-checks.js';
import { refuseSpecialFile } from '../../adapters/regular-file.js';
import { parallelK, parallelProblems } from '../../core/parallel/plan.js';

export interface PreflightResult {
  git: SimpleGitRepo;
  branch: string;
  promptTemplate: string;
  /** Presets, then directive files, then directive texts (docs/architecture.md order). */
  directives: string[];
  iterations: number;
  /** HEAD, branch and status as preflight found them (nothing has touched the tree since). */
  snapshot: TreeSnapshot;
}

async function readNonEmpty(file: string, what: string, flag: string): Promise<string> {
  await refuseSpecialFile(file, `${what} ${file}`, `point ${flag} at a regular file`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${what} ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}); fix ${flag}`);
  }
  if (text.trim() === '') throw new UsageError(`${what} ${file} is empty; give it content or drop ${flag}`);
  return text;
}

/**
 * Everything checked before the loop touches anything (a failure here exits 2 and writes nothing): a
 * repository with a commit on a branch, readable non-empty prompt/preset/directive files, a valid template,
 * no half-done merge or rebase (unless a resumable run left it), a log dir that can be created, shell commands
 * bash can parse, valid measurement and TPU settings, and, under --dirty-policy fail, a clean tree (unless a
 * run will be resumed: its recovery comes first).
 */
export async function preflight(v: Config, env: NodeJS.ProcessEnv, log: Logger): Promise<PreflightResult> {
  const problems: string[] = [];
  if (v.iterations === undefined) problems.push('--iterations is required: pass --iterations N (the run\'s total)');

  // The checks that spawn (bash -n for the shell commands, git var for the identity) start at once and run while
  // the rest is read; their answers join the problems in the same order as before. A check not awaited because
  // an earlier one threw must not become an unhandled rejection.
  const early = <T>(p: Promise<T>): Promise<T> => {
    p.catch(() => undefined);
    return p;
  };
  const shellChecks = early(shellCommandProblems(v, env));
  let git: SimpleGitRepo;
  try {
    git = await SimpleGitRepo.open(v.workdir, { env });
  } catch {
    throw new UsageError(`${v.workdir} is not a git repository; run git init there or pass --workdir <repo>`);
  }
  const identityChecks = early(commitProblems(git.root, { env }));
  // One git status answers "a commit?", "on a branch?" and "clean?"; the first iteration reuses it.
  const snapshot = await git.snapshot();
  if (snapshot.head === undefined) throw new UsageError(`${git.root} has no commit yet; make a first commit, then run the loop`);
  // Before the branch check: a rebase detaches HEAD, and "rebase in progress" is the useful message.
  const op = await operationInProgress(git);
  let resumes: Promise<boolean> | undefined;
  const willResume = (): Promise<boolean> => (resumes ??= !v.newRun && !v.newExperiment ? resumableRun(v) : Promise.resolve(false));
  if (op && !(op.resumable && (await willResume()))) {
    throw new UsageError(op.problem);
  }
  const branch = snapshot.branch;
  if (!branch) throw new UsageError(`${git.root} is on a detached HEAD; check out a branch (git switch -c <name>) first`);
  // gdnctl commits unattended (stamps, reverts): an identity and, under commit.gpgsign, a working signature.
  problems.push(...(await identityChecks));

  const directives: string[] = [];
  let promptTemplate = '';
  try {
    promptTemplate = await readNonEmpty(v.promptFile, 'prompt file', '--prompt-file');
    renderPrompt(promptTemplate, {}, v.promptFile);
  } catch (e) {
    if (e instanceof PromptTemplateError) problems.push(...e.lines.map((l) => `${l} (fix --prompt-file)`));
    else if (e instanceof UsageError) problems.push(...e.lines);
    else throw e;
  }
  for (const name of v.directivePreset) {
    try {
      directives.push((await loadPreset(name, v.directivesDir)).text);
    } catch (e) {
      if (e instanceof UsageError) problems.push(...e.lines);
      else throw e;
    }
  }
  for (const file of v.directiveFile) {
    try {
      directives.push(await readDirectiveFile(file));
    } catch (e) {
      if (e instanceof UsageError) problems.push(...e.lines);
      else throw e;
    }
  }
  directives.push(...v.directive.map((d) => d.trim()));
  problems.push(...(await logDirProblems(v.logDir)));
  problems.push(...(await loopInputProblems(v, git.root)));
  if (v.experimentsDir) problems.push(...(await folderProblems(v.experimentsDir, 'the experiments dir', '--experiments-dir')));
  problems.push(...(await shellChecks));
  // The measurement stack loads only for a run that measures (start-up of a plain loop skips it).
  if (v.bench || v.metricPattern) problems.push(...(await import('../measure/baseline-action.js')).measureUsageProblems(v));
  // With K = 1 there is nothing to refuse, and the parallel composition is not loaded.
  problems.push(...parallelProblems(v), ...(parallelK(v) > 1 ? (await import('./parallel-seams.js')).parallelTpuProblems(v) : []));
  if (v.holdDevTpu) {
    const { loopTpuUsageProblems } = await import('../../adapters/tpu/loop-tpu.js');
    problems.push(...loopTpuUsageProblems(v, env, log));
  }
  if (problems.length > 0) throw new UsageError(problems);

  // A run to resume is recovered first (its killed children ended, their leftovers stashed); the run session
  // then refuses only what is still dirty, the operator's own changes (src/core/run/recover.ts).
  if (!v.allowDirty && v.dirtyPolicy === 'fail' && !(await willResume())) refuseDirty(snapshot.entries, git.root, v.logDir);
  return { git, branch, promptTemplate, directives, iterations: v.iterations!, snapshot };
}

/** The run the loop would resume (the same test the run session makes), so its half-done merge is not refused. */
async function resumableRun(v: Config): Promise<boolean> {
  const runs = { list: () => listRuns(v.logDir) };
  return (await findResumable(runs, configFingerprint(v as unknown as Record<string, unknown>), ownerLiveness)) !== undefined;
}

function refuseDirty(status: StatusEntry[], root: string, logDir: string): void {
  const verdict = judgeDirtyTree(status, { requireClean: true, dirtyPolicy: 'fail', ledgerRel: relative(root, logDir) });
  if (verdict.kind === 'refuse') throw new UsageError(verdict.message);
}
