import type { Config } from '../../config/schema.js';
import { bootstrapNeeds } from '../../core/loop/bootstrap-infra.js';
import type { BootstrapPlan } from '../../core/run/bootstrap.js';
import type { CommandContext } from '../command-spec.js';
import type { Redactor } from '../../redact.js';

/**
 * --bootstrap-infra's CLI side (iteration 0 itself runs in src/core/run/bootstrap.ts): what is missing, the goal,
 * and a measurer for the benchmark iteration 0 wrote, built from the same adapters as the run's own.
 */
export function bootstrapPlan(v: Config, ctx: Pick<CommandContext, 'env' | 'log'>, redact?: Redactor, settingsEnv?: Record<string, string>): BootstrapPlan | undefined {
  if (!v.bootstrapInfra) return undefined;
  return {
    needs: bootstrapNeeds(v),
    goal: { goal: v.goal, metric: v.metric, direction: v.direction, scope: v.scopeGlob },
    measurerFor: async (bench, runDir) => {
      const { buildMeasureExtras } = await import('../measure/measure-extras.js');
      return (await buildMeasureExtras({ values: { ...v, bench }, env: ctx.env, log: ctx.log, workdir: v.workdir, runDir, logDir: v.logDir, ...(redact ? { redact } : {}), ...(settingsEnv ? { settingsEnv } : {}) })).measurer;
    },
  };
}
