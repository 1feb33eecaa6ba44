import { join } from 'node:path';
import type { Config } from '../../config/schema.js';
import type { AgentRunner } from '../../ports/agent.js';
import type { Git } from '../../ports/git.js';
import { appendDirectives, renderPrompt } from '../../core/prompt-template.js';
import type { LoopSettings } from '../../core/loop/settings.js';
import { postCheckArgv } from '../../core/loop/post-check-phase.js';
import { runPromptValues } from '../../core/loop/prompt.js';

/** What the first iteration would do: the prompt, the agent argv, the post-checks and the policies. Writes nothing. */
export async function renderDryRun(x: { settings: LoopSettings; agent: AgentRunner; git: Git; values: Config }): Promise<string> {
  const s = x.settings;
  const head = await x.git.head();
  const prompt = appendDirectives(
    renderPrompt(s.promptTemplate, { ITERATION: 1, TOTAL_ITERATIONS: s.iterations, HEAD_SHA: head, RUN_ID: '(dry run)', ...runPromptValues(s) }, s.promptFile),
    s.directives,
  );
  const argv = x.agent.describe({
    iteration: 1,
    prompt,
    workdir: s.workdir,
    iterDir: join(x.values.logDir, 'runs', '<run-id>', 'iter-001'),
    outputSchemaFile: join(x.values.logDir, 'runs', '<run-id>', 'iter-001', 'report.schema.json'),
    timeoutMs: s.agentTimeoutMs,
    idleTimeoutMs: s.agentIdleTimeoutMs,
  });
  const planArgv = s.planFirst
    ? x.agent.describe({
        iteration: 1,
        prompt: '(planning prompt)',
        workdir: s.workdir,
        iterDir: join(x.values.logDir, 'runs', '<run-id>', 'iter-001', 'plan-pass'),
        timeoutMs: s.agentTimeoutMs,
        idleTimeoutMs: s.agentIdleTimeoutMs,
        sandbox: 'read-only',
      })
    : undefined;
  const p = s.policies;
  const lines = [
    '# gdnctl codex-loop --dry-run (nothing was written)',
    '',
    '## prompt (iteration 1)',
    prompt.trimEnd(),
    '',
    '## agent argv (prompt on stdin)',
    argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' '),
    ...(planArgv ? ['', '## planning pass argv (--plan-first, read-only; runs before the agent)', planArgv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')] : []),
    '',
    '## post-checks (bash -lc, in order)',
    ...(s.postChecks.length ? s.postChecks.map((c, i) => `${i + 1}. ${c}`) : ['(none)']),
    ...(s.postChecks.length ? [`   argv: ${JSON.stringify(postCheckArgv(s.postChecks[0]!, s.binDir))}`] : []),
    '',
    '## policies',
    `iterations: ${s.iterations}   sleep: ${s.sleepMs / 1000}s   retry sleep: ${s.retrySleepMs / 1000}s`,
    `dirty tree: ${s.requireClean ? s.dirtyPolicy : 'allowed'}   stash restore: ${s.stashRestorePolicy}`,
    `no commit: ${s.requireCommit ? p.noCommit : 'allowed'}   post-check: ${p.postCheck} (retries ${s.postCheckRetries})   iteration error: ${p.iterationError}`,
    `agent: retries ${s.agentRetries}, transient retries ${s.transientRetries}, timeout ${s.agentTimeoutMs / 1000}s, idle ${s.agentIdleTimeoutMs / 1000}s`,
    `failure budgets: total ${p.maxFailures < 0 ? 'unlimited' : p.maxFailures}, consecutive ${p.maxConsecutiveFailures < 0 ? 'off' : p.maxConsecutiveFailures}`,
    `sync main: ${s.syncMain.policy}${s.syncMain.policy === 'off' ? '' : ` (${s.syncMain.remote}/${s.syncMain.branch}, conflicts: ${s.syncMain.conflictPolicy})`}`,
    `protected: ${['gdnctl.yaml (always)', ...s.protect].join(', ')}`,
    `scope: ${s.scope.length ? s.scope.join(', ') : '(anywhere)'}   target: ${x.values.target ?? '(none)'}${x.values.target !== undefined ? (s.continueAfterTarget ? ' (continue after)' : ' (stops the run)') : ''}`,
    `bootstrap infra: ${x.values.bootstrapInfra ? 'on (iteration 0 writes the missing regression test / benchmark)' : 'off'}`,
    `resilient: ${x.values.resilient ? 'on' : 'off'}`,
  ];
  return lines.join('\n') + '\n';
}
