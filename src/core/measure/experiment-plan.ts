/** experiment-plan.md, as auto-optimize writes it: the binding goal, metric, criteria and commands of a session. */
export interface PlanInput {
  goal?: string | undefined;
  scope?: readonly string[] | undefined;
  metric?: string | undefined;
  direction: 'higher' | 'lower';
  target?: number | undefined;
  minImprovementPct: number;
  maxRegressionPct: number;
  alpha: number;
  maxBenchRuns: number;
  baselineRuns: number;
  cvThresholdPct: number;
  bench?: string | undefined;
  tests?: readonly string[] | undefined;
  iterations?: number | undefined;
  created: string;
}

export function renderExperimentPlan(p: PlanInput): string {
  return [
    `# Experiment plan`,
    '',
    `- Goal: ${p.goal ?? '(not stated)'}`,
    `- Scope: ${p.scope && p.scope.length > 0 ? p.scope.join(', ') : '(whole repository)'}`,
    `- Metric: ${p.metric ?? '(the GDNCTL_METRIC key)'} — ${p.direction} is better`,
    `- Success criteria (binding):`,
    `  - Target: ${p.target ?? '(none)'}`,
    `  - Iteration threshold: promote only when significantly better by ≥ ${p.minImprovementPct} % ` +
      `(Mann-Whitney U, α = ${p.alpha} spent over looks of up to ${p.maxBenchRuns} runs per side); ` +
      `worse by more than ${p.maxRegressionPct} % is reverted`,
    `- Baseline: median of ${p.baselineRuns} runs, refused above CV ${p.cvThresholdPct} %`,
    `- Regression tests: ${p.tests && p.tests.length > 0 ? p.tests.map((t) => `\`${t}\``).join(', ') : '(none)'}`,
    `- Benchmark: ${p.bench ? `\`${p.bench}\`` : '(none)'}`,
    `- Iterations: ${p.iterations ?? '(until stopped)'}`,
    `- Created: ${p.created}`,
    '',
    '## Strategies to Explore',
    '',
    '(filled in from the iterations’ reflexions)',
    '',
  ].join('\n');
}
