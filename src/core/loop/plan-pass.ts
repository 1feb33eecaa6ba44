import { dirname, relative } from 'node:path';
import type { AgentRunInput } from '../../ports/agent.js';
import type { Git } from '../../ports/git.js';
import type { Ledger } from '../../ports/ledger.js';
import type { AgentPhaseResult } from './agent-phase.js';
import type { EmitLoopEvent } from './events.js';
import type { CommitRange, FailureReason } from './outcome.js';
import { iterName } from '../text/iteration-name.js';

/**
 * --plan-first (seed 001's separate planner): before the implementing pass, the agent runs once more with a
 * read-only sandbox and writes the plan. The planner sees the same task (memory, leaderboard, directives) as
 * the implementing pass, so its plan is about the iteration that follows, not a generic one.
 */

import { PLAN_HEADER, REPORT_PLAN_SEPARATOR } from '../text/plan-file.js';

export { PLAN_HEADER, REPORT_PLAN_SEPARATOR };

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

export interface PlanPassInput {
  iteration: number;
  iterDir: string;
  /** The implementing pass's prompt, which the planner sees wrapped. */
  prompt: string;
  headBefore: string;
  requireClean: boolean;
  git: Git;
  ledger: Pick<Ledger, 'runDir' | 'writeFile'>;
  emit: EmitLoopEvent;
  agentPass: (over: Pick<AgentRunInput, 'prompt' | 'iterDir'> & Partial<AgentRunInput>) => Promise<AgentPhaseResult>;
  check: () => void;
  rangeSince: (head: string) => Promise<CommitRange | undefined>;
}

/** The plan (undefined when the planner gave none), or how the pass failed the iteration. */
export type PlanPassResult =
  | { kind: 'planned'; plan: string | undefined }
  /** The planner committed: the range is reverted with a commit, then the iteration fails. */
  | { kind: 'revert'; range: CommitRange; reason: 'plan-pass-modified-tree'; detail: string }
  | { kind: 'failed'; reason: FailureReason; detail: string };

const fail = (reason: FailureReason, detail: string): PlanPassResult => ({ kind: 'failed', reason, detail });

/**
 * Run the planner (read-only sandbox, no report schema: it answers in Markdown); its last message becomes
 * plan.md. A planner that commits or leaves edits broke the read-only contract (an agent whose sandbox flag
 * was ignored, or a custom agent command): its commits are reverted with a commit, its edits stashed before
 * the record, the iteration fails.
 */
export async function runPlanPass(p: PlanPassInput): Promise<PlanPassResult> {
  const rel = relative(p.ledger.runDir, p.iterDir);
  const name = iterName(p.iteration);
  // Under --allow-dirty the tree holds the operator's edits: only a change to them counts.
  const statusBefore = p.requireClean ? '' : JSON.stringify(await p.git.status());
  const text = planPrompt(p.iteration, p.prompt);
  const promptFile = await p.ledger.writeFile(`${rel}/plan-pass/prompt.md`, text);
  const r = await p.agentPass({ prompt: text, iterDir: dirname(promptFile), sandbox: 'read-only' });
  p.check();
  const range = await p.rangeSince(p.headBefore);
  if (range) return { kind: 'revert', range, reason: 'plan-pass-modified-tree', detail: `the read-only planning pass committed ${range.shas.length} commit(s)` };
  if ((await p.git.head()) !== p.headBefore) return fail('plan-pass-modified-tree', 'the read-only planning pass moved HEAD off the iteration start');
  const status = await p.git.status();
  if (p.requireClean ? status.length > 0 : JSON.stringify(status) !== statusBefore) {
    return fail('plan-pass-modified-tree', `the read-only planning pass changed the working tree (${status.map((e) => e.path).slice(0, 10).join(', ')})`);
  }
  if (!r.result.ok) {
    const failure = r.budgetStop?.reason ?? r.result.failure ?? 'agent-exit-nonzero';
    return fail(failure, `planning pass: ${failure}${r.result.detail ? `: ${r.result.detail}` : ''} after ${r.attempts} attempt(s)`);
  }
  const plan = r.result.lastMessage?.trim();
  if (!plan) {
    await p.emit({ type: 'plan-missing', iteration: p.iteration });
    return { kind: 'planned', plan: undefined };
  }
  await p.ledger.writeFile(`${rel}/plan.md`, planFile(name, plan));
  await p.emit({ type: 'plan-written', iteration: p.iteration, chars: plan.length });
  return { kind: 'planned', plan };
}
