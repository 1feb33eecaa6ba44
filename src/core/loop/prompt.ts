import { join, relative } from 'node:path';
import { appendDirectives, renderPrompt, type PromptValues } from '../prompt-template.js';
import { iterName } from '../text/iteration-name.js';
import { agentPass } from './agent.js';
import { check, enter, fail, NEXT, type IterationContext, type PhaseOutcome } from './context.js';
import { planDirective, runPlanPass } from './plan-pass.js';
import { rangeSince } from './revert.js';
import type { LoopSettings } from './settings.js';

/**
 * prompt: the iteration's starting point is HEAD now (after guard-tree and sync-main); the template is
 * rendered with the memory's placeholders and the session plus generated directives, and saved as
 * iter-NNN/prompt.md before the agent phase (under --plan-first by the plan phase, with the plan in it).
 */
export async function prompt(c: IterationContext): Promise<PhaseOutcome> {
  await enter(c, { phase: 'prompt' });
  // Known when guard-tree's status (or the previous iteration's end) saw it and nothing moved HEAD since.
  const headBefore = c.cache.head ?? (await c.d.git.head());
  c.cache.head = undefined;
  c.it.headBefore = headBefore;
  c.it.head = headBefore;
  c.state.headBefore = headBefore;
  c.state.champion ??= headBefore;
  c.it.prompt = await buildPrompt(c, headBefore);
  if (!c.s.planFirst) await savePrompt(c, c.it.prompt);
  return NEXT;
}

/**
 * plan (--plan-first): the read-only planning pass of plan-pass.ts. Its plan becomes the implementing
 * prompt's last generated directive; prompt.md is saved once the planner is through.
 */
export async function plan(c: IterationContext): Promise<PhaseOutcome> {
  const headBefore = c.it.headBefore;
  const implementing = c.it.prompt;
  if (headBefore === undefined || implementing === undefined) throw new Error('plan: the prompt phase has not run');
  // headBefore is durable before the planner runs: should it commit after all, a resume reverts from there.
  await enter(c, { phase: 'plan' }, { persist: true });
  const r = await runPlanPass({
    iteration: c.it.i,
    iterDir: c.it.iterDir,
    prompt: implementing,
    headBefore,
    requireClean: c.s.requireClean,
    git: c.d.git,
    ledger: c.d.ledger,
    emit: c.emit,
    agentPass: (over) => agentPass(c, over),
    check: () => check(c),
    rangeSince: (h) => rangeSince(c.d.git, h),
  });
  switch (r.kind) {
    case 'planned':
      c.it.prompt = r.plan ? await buildPrompt(c, headBefore, [planDirective(iterName(c.it.i), r.plan)]) : implementing;
      await savePrompt(c, c.it.prompt);
      return NEXT;
    case 'revert':
      return r;
    case 'failed':
      return fail(c, r.reason, r.detail);
    default: {
      const never: never = r;
      throw new Error(`unknown plan-pass result ${JSON.stringify(never)}`);
    }
  }
}

async function buildPrompt(c: IterationContext, head: string, extraDirectives: string[] = []): Promise<string> {
  const mem = c.d.memory;
  const extra = mem ? await mem.placeholders(c.it.i) : {};
  const values: PromptValues = {
    ...extra,
    ITERATION: c.it.i,
    TOTAL_ITERATIONS: c.s.iterations,
    HEAD_SHA: head,
    RUN_ID: c.state.runId,
    ...runPromptValues(c.s),
  };
  const generated = mem ? await mem.directives(c.it.i) : [];
  return appendDirectives(renderPrompt(c.s.promptTemplate, values, c.s.promptFile), [...c.s.directives, ...generated, ...extraDirectives]);
}

/**
 * The placeholders that are the same in every iteration of a run (the dry run shows them too). `{{GDNCTL}}` is
 * the running gdnctl by absolute path, shell-quoted when it must be: agents run commands through `bash -lc`, and
 * a login shell's profile resets PATH (Debian's /etc/profile), so a bare `gdnctl` is not found there.
 */
export function runPromptValues(s: Pick<LoopSettings, 'workdir' | 'hillclimbLog' | 'binDir'>): PromptValues {
  return { HILLCLIMB_LOG: relative(s.workdir, s.hillclimbLog), GDNCTL: shellWord(join(s.binDir, 'gdnctl')) };
}

/** A word bash reads back as `s`: as is when it holds only safe characters, else single-quoted. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

async function savePrompt(c: IterationContext, text: string): Promise<void> {
  await c.d.ledger.writeFile(`${relative(c.d.ledger.runDir, c.it.iterDir)}/prompt.md`, text);
}
