/**
 * --experiments-dir: auto-optimize's layout beside the run directory (exp-NNN-<slug>/experiment-plan.md,
 * leaderboard.md, final-report.md, baseline/, iterations/iter-NNN-<slug>/). A copy for people; the run
 * directory stays the source of truth.
 */
import { join } from 'node:path';
import type { RunFiles } from '../../ports/bench.js';
import { iterNumber } from '../text/iteration-name.js';

/** The run's memo of its exp-NNN folder; a new run of the same experiment starts with a copy (MEMORY_CARRY). */
export const MIRROR_MEMO = 'experiment.json';

export interface ExperimentMirrorOptions {
  runDir: string;
  experimentsDir: string;
  /** exp-NNN-<title> */
  title: string;
  experimentPlan?: string | undefined;
  files: RunFiles;
  /** Writes redacted text (the memory's writer). */
  write: (file: string, text: string) => Promise<void>;
  writeAtomic: (file: string, text: string) => Promise<void>;
  /** Keeps a folder inside the repository out of `git status` (.git/info/exclude). */
  hideFromGit?: ((dir: string) => Promise<void>) | undefined;
}

export interface ExperimentMirror {
  /** The exp-NNN-<slug> folder, created on first use. */
  root(): Promise<string>;
  leaderboard(md: string): Promise<void>;
  finalReport(text: string): Promise<void>;
  /** iterations/<folder>/: the memory files, and a copy of result.txt when the iteration has one. */
  iteration(folder: string, texts: Record<string, string>, resultFile: string | undefined): Promise<void>;
}

export function experimentMirror(o: ExperimentMirrorOptions): ExperimentMirror {
  const { files } = o;
  const readJson = async <T>(file: string): Promise<T | undefined> => {
    const text = await files.read(file);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  };

  /**
   * exp-NNN-<slug> is chosen once and remembered in the run, so a resumed run keeps writing to the same folder,
   * and so does the next run of the experiment: the folder mirrors the experiment, not the run.
   */
  async function root(): Promise<string> {
    const memo = join(o.runDir, MIRROR_MEMO);
    const known = await readJson<{ dir: string }>(memo);
    if (known) return known.dir;
    await o.hideFromGit?.(o.experimentsDir);
    const taken = (await files.list(o.experimentsDir)).filter((d) => /^exp-\d{3}-/.test(d)).length;
    const dir = join(o.experimentsDir, `exp-${iterNumber(taken + 1)}-${o.title}`);
    await o.write(join(dir, 'experiment-plan.md'), o.experimentPlan ?? `# Experiment plan: ${o.title}\n`);
    await o.writeAtomic(memo, JSON.stringify({ dir }) + '\n');
    return dir;
  }

  return {
    root,
    async leaderboard(md) {
      const exp = await root();
      await o.write(join(exp, 'leaderboard.md'), md);
      const runBase = join(o.runDir, 'baseline');
      if ((await files.exists(join(runBase, 'result.txt'))) && !(await files.exists(join(exp, 'baseline', 'result.txt')))) {
        for (const f of ['result.txt', 'env-snapshot.txt']) if (await files.exists(join(runBase, f))) await files.copy(join(runBase, f), join(exp, 'baseline', f));
      }
    },
    async finalReport(text) {
      await o.write(join(await root(), 'final-report.md'), text);
    },
    async iteration(folder, texts, resultFile) {
      const mirror = join(await root(), 'iterations', folder);
      for (const [f, text] of Object.entries(texts)) await o.write(join(mirror, f), text);
      if (resultFile !== undefined) await files.copy(resultFile, join(mirror, 'result.txt'));
    },
  };
}
