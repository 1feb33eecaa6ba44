/**
 * The shape of iter-NNN/plan.md, shared by its two writers: the --plan-first planner (src/core/loop/plan-pass.ts)
 * writes it under PLAN_HEADER, and the iteration memory keeps that part and appends the final report's plan
 * after REPORT_PLAN_SEPARATOR. A leaf, so the memory does not depend on the loop to know the format.
 */
export const PLAN_HEADER = '# Plan from the read-only planning pass';
export const REPORT_PLAN_SEPARATOR = '\n\n---\n\n';

/** The planner's part of plan.md, when plan.md starts with it. */
export function plannerPart(planMd: string | undefined): string | undefined {
  return planMd?.startsWith(PLAN_HEADER) ? planMd.split(REPORT_PLAN_SEPARATOR)[0]! : undefined;
}
