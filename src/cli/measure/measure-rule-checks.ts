import type { Config } from '../../config/schema.js';
import { reachabilityProblem } from '../../core/measure/reachability.js';
import { mfuProblems } from './mfu-context.js';

export type MeasureRuleValues = Partial<Pick<Config, 'alpha' | 'maxBenchRuns' | 'metric' | 'stepTimeMetric' | 'flopsPerStep' | 'chipPeakTflops' | 'devTpuType' | 'devTpuCluster' | 'clusters'>>;

/**
 * Measurement settings that cannot work, found before anything runs: a keep/revert rule that cannot promote
 * (src/core/measure/reachability.ts) and MFU asked for on a chip family without a known peak.
 */
export function measureRuleProblems(v: MeasureRuleValues): string[] {
  const problems: string[] = [];
  if (v.alpha !== undefined && v.maxBenchRuns !== undefined) {
    const p = reachabilityProblem({ alpha: v.alpha, maxBenchRuns: v.maxBenchRuns });
    if (p) problems.push(p);
  }
  return [...problems, ...mfuProblems(v)];
}
