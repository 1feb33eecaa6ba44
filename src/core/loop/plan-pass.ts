/**
 * --plan-first (seed 001's separate planner): before the implementing pass, the agent runs once more with a
 * read-only sandbox and writes the plan. The planner sees the same task (memory, leaderboard, directives) as
 * the implementing pass, so its plan is about the iteration that follows, not a generic one.
 */

export const PLAN_HEADER = '# Plan from the read-only planning pass';
export const REPORT_PLAN_SEPARATOR = '\n\n---\n\n';

export function planPrompt(iteration: number, implementingPrompt: string): string {
  return [
    `You are the PLANNING pass of gdnctl iteration ${iteration}. Your sandbox is read-only: read the code, the`,
    'hill-climb log, traces and profiles, and run read-only commands, but change no file and make no commit.',
    'A separate implementing pass runs right after you and receives your plan verbatim.',
    '',
    'Write the plan that Step 1 of the task below asks for: the bottleneck type with the numbers behind it, at',
    'least 3 candidates (change, trade-offs, expected effect with the arithmetic), an independent re-ranking, the',
    'chosen change, its pre-mortem (failure mode and earliest signal) and the expected direction of the metrics.',
    'Then the concrete implementation steps (files, functions) and the checks to run, in order.',
    'Your last message is that plan in Markdown and nothing else; ignore the final-report format of the task.',
    '',
    '=== The task of the implementing pass ===',
    '',
    implementingPrompt.trimEnd(),
    '',
  ].join('\n');
}

/** plan.md as saved: a header the memory recognises (it appends the final report's plan below it). */
export function planFile(iterName: string, plan: string): string {
  return `${PLAN_HEADER} (${iterName})\n\n${plan.trim()}\n`;
}

/** The generated directive that hands the plan to the implementing pass. */
export function planDirective(iterName: string, plan: string): string {
  return [
    `Plan for this iteration from the read-only planning pass (saved as ${iterName}/plan.md). Implement it; if what`,
    'you find contradicts it, deviate and say why in your final report (reRanking / observed).',
    '',
    plan.trim(),
  ].join('\n');
}
