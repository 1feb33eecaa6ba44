/**
 * --bootstrap-infra: when a run has no regression test or no benchmark, one preliminary agent iteration (0)
 * writes them first, behind fixed entry points, so the loop knows what to run without trusting commands the
 * agent typed. It is accepted only when its commit verifies and both entry points run (the test exits 0, the
 * benchmark prints a GDNCTL_METRIC line); its paths are then protected for the rest of the run, so later
 * iterations cannot "improve" the metric by editing the yardstick.
 */

export const BOOTSTRAP_TEST = '.gdnctl/regression-test.sh';
export const BOOTSTRAP_BENCH = '.gdnctl/bench.sh';
export const BOOTSTRAP_TEST_COMMAND = `bash ${BOOTSTRAP_TEST}`;
export const BOOTSTRAP_BENCH_COMMAND = `bash ${BOOTSTRAP_BENCH}`;

export interface BootstrapNeeds {
  test: boolean;
  bench: boolean;
}

/** What is missing, or undefined when nothing is (then --bootstrap-infra has nothing to do). */
export function bootstrapNeeds(v: { postCheck: string[]; bench?: string | undefined }): BootstrapNeeds | undefined {
  const needs = { test: v.postCheck.length === 0, bench: v.bench === undefined };
  return needs.test || needs.bench ? needs : undefined;
}

/** Checks that prove the new entry points run; they are iteration 0's post-checks. */
export function bootstrapChecks(n: BootstrapNeeds): string[] {
  const checks: string[] = [];
  if (n.test) checks.push(BOOTSTRAP_TEST_COMMAND);
  if (n.bench) {
    // Echoed, then required to hold a GDNCTL_METRIC line. No `tee /dev/stderr`: node's stdio pipes are socket
    // pairs on Linux, and /dev/stderr cannot be opened on a socket (ENXIO).
    checks.push(`out=$(${BOOTSTRAP_BENCH_COMMAND}) || exit $?; printf '%s\\n' "$out"; printf '%s\\n' "$out" | grep -E '^GDNCTL_METRIC \\{.*\\}' >/dev/null`);
  }
  return checks;
}

export interface BootstrapGoal {
  goal?: string | undefined;
  metric?: string | undefined;
  direction: 'higher' | 'lower';
  scope: string[];
}

export function bootstrapPrompt(n: BootstrapNeeds, g: BootstrapGoal): string {
  const metric = g.metric ?? '<the metric that matters for the goal>';
  const parts = [
    'You are preparing an unattended optimization run (gdnctl codex-loop, iteration 0). Before anything is',
    'optimized, the run needs a yardstick. Do NOT optimize anything in this iteration.',
    '',
    `Goal: ${g.goal ?? '(not given: infer it from the repository)'}`,
    `Metric: ${metric} (${g.direction} is better)`,
    ...(g.scope.length > 0 ? [`Code the optimizer will change later: ${g.scope.join(', ')}`] : []),
    '',
    'Write:',
  ];
  if (n.test) {
    parts.push(
      `- a regression test for the code that will be optimized, runnable as \`${BOOTSTRAP_TEST_COMMAND}\` from the`,
      '  repository root: exit 0 when the behaviour is correct, non-zero otherwise. Pin today\'s outputs (golden values',
      '  or a reference implementation) with tolerances that a faster but correct change still passes.',
    );
  }
  if (n.bench) {
    parts.push(
      `- a benchmark runnable as \`${BOOTSTRAP_BENCH_COMMAND}\` from the repository root. It warms up, then measures, and`,
      `  prints exactly one line \`GDNCTL_METRIC {"${g.metric ?? 'name'}": <number>}\` at the end. Make it stable: a run-to-run`,
      '  variation under 5 % (fixed inputs and seeds, enough repetitions, no network).',
    );
  }
  parts.push(
    '',
    'Run what you wrote and make sure it passes. Then commit everything in ONE commit whose message starts with',
    '"gdnctl bootstrap:". The loop runs these entry points itself to accept the commit; afterwards the files you',
    'added become protected: later iterations may not change them.',
    '',
    'Your last message: one short paragraph saying what the test covers and what the benchmark measures.',
  );
  return parts.join('\n') + '\n';
}
