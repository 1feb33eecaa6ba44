import { createIterationMemory, type IterationMemoryOptions, type RunMemory } from '../../core/measure/iteration-memory.js';
import { writeRunReport, type RunReport } from '../../core/measure/run-report.js';
import { fileBaselineStore } from '../../adapters/measure/baseline-store.js';
import { fileChampionStore } from '../../adapters/measure/champion-store.js';
import { excludeFromGit } from '../../adapters/measure/git-exclude.js';
import { privateRunFiles } from '../../adapters/ledger/run-files.js';
import type { LedgerRow } from '../../core/measure/leaderboard.js';
import { chartLibrary } from '../../adapters/measure/chart-library.js';
import { commitSubjectLookup } from '../../adapters/git/commit-subjects.js';

export type { IterationRecordInput } from '../../core/measure/iteration-memory.js';
export type FileMemory = RunMemory;

export interface FileMemoryOptions extends IterationMemoryOptions {
  /** Subject of a commit: the strategy name when the agent gave no structured report. */
  commitSubject?: (sha: string) => Promise<string | undefined>;
  /** A subject the loop's git already knows, without a spawn (report.html's hover texts). */
  knownSubject?: (sha: string) => string | undefined;
  /** Repository whose .git/info/exclude gets the experiments folder, so it never dirties the tree. */
  repoRoot?: string;
}

/** The iteration memory of src/core/measure/iteration-memory.ts over the run directory's files. */
export function createFileMemory(o: FileMemoryOptions): FileMemory {
  const repoRoot = o.repoRoot;
  return createIterationMemory(o, {
    files: privateRunFiles,
    champions: fileChampionStore,
    baselines: fileBaselineStore,
    commitSubject: o.commitSubject,
    hideFromGit: repoRoot ? (dir) => excludeFromGit(repoRoot, dir) : undefined,
    // A getter: the ~490 KB of chart bundles are read when a report is first written, not before the first agent.
    reportAssets: {
      get chart() {
        return chartLibrary();
      },
      ...(repoRoot ? { commitSubjects: commitSubjectLookup(repoRoot, o.knownSubject) } : {}),
    },
  });
}

/** runs/<id>/report.html (`gdnctl report`). */
export function writeReportFile(
  runDir: string,
  fallback: { metric?: string | undefined; direction: 'higher' | 'lower'; target?: number | undefined },
  knownRows?: LedgerRow[],
  repoRoot?: string,
): Promise<RunReport> {
  return writeRunReport(privateRunFiles, runDir, fallback, knownRows, undefined, undefined, {
    chart: chartLibrary(),
    ...(repoRoot ? { commitSubjects: commitSubjectLookup(repoRoot) } : {}),
  });
}
