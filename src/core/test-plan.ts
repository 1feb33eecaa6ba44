import { UsageError } from '../errors.js';
import { shQuote } from './shell-quote.js';

/** One test suite (its zod schema is testSuiteSchema in src/config/options/remote.ts). */
export interface TestSuite {
  cwd: string;
  command: string;
  files: string[];
}

/** Environment every test run gets (docs/decisions.md "Inherited from the Python tool" §1.1): NaN instead of raising in equinox, no W&B uploads. */
export const TEST_ENV_DEFAULTS: Record<string, string> = { EQX_ON_ERROR: 'nan', WANDB_MODE: 'offline' };

/** Suite names for `--tests`: one name, "both" (kernels + layer, as the anchor) or "all". */
export function selectSuites(tests: string, suites: Record<string, TestSuite>): string[] {
  const names = Object.keys(suites);
  if (tests === 'all') {
    if (names.length === 0) throw new UsageError('--tests all: no test suites are configured; add testSuites to gdnctl.yaml');
    return names;
  }
  const wanted = tests === 'both' ? ['kernels', 'layer'] : tests.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = wanted.filter((n) => !suites[n]);
  if (unknown.length > 0) {
    throw new UsageError(
      `--tests ${tests}: unknown suite ${unknown.map((u) => JSON.stringify(u)).join(', ')}; choose one of ${[...names, 'both', 'all'].join('|')}`,
    );
  }
  return wanted;
}

/**
 * One shell command for the selected suites. Suites that share a folder and runner go into ONE pytest
 * invocation (as the anchor runs kernels + layer), so one summary line covers them; otherwise the runs are
 * chained and the script exits with the first failure's code after running all of them.
 */
export function buildTestCommand(selected: string[], suites: Record<string, TestSuite>, extraArgs?: string): string {
  const groups = new Map<string, { cwd: string; command: string; files: string[] }>();
  for (const name of selected) {
    const s = suites[name]!;
    const key = `${s.cwd}\0${s.command}`;
    const g = groups.get(key) ?? { cwd: s.cwd, command: s.command, files: [] };
    g.files.push(...s.files);
    groups.set(key, g);
  }
  const runs = [...groups.values()].map((g) => {
    const parts = [g.command, ...g.files.map(shQuote), ...(extraArgs?.trim() ? [extraArgs.trim()] : [])];
    return `(cd ${shQuote(g.cwd)} && ${parts.join(' ')})`;
  });
  if (runs.length === 1) return runs[0]!;
  return ['rc=0', ...runs.map((r) => `${r} || { c=$?; [ $rc -eq 0 ] && rc=$c; }`), 'exit $rc'].join('\n');
}
