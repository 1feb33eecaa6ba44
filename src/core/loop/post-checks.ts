import { relative } from 'node:path';
import { faultPoint } from '../../fault.js';
import { check, enter, NEXT, type IterationContext, type PhaseOutcome } from './context.js';
import { postCheckEnv, runPostChecks } from './post-check-phase.js';
import { rangeToHead } from './revert.js';

/**
 * post-checks: the checks of post-check-phase.ts, in order, on the stamped range; each one's output goes to
 * iter-NNN/post-check-K.log. A range that fails them (after retries) is reverted, the stamp commit with it.
 */
export async function postChecks(c: IterationContext): Promise<PhaseOutcome> {
  const range = c.it.range;
  if (!range) throw new Error('post-checks: verify-commit has not run');
  await enter(c, { phase: 'post-checks', commit: range.to });
  const rel = relative(c.d.ledger.runDir, c.it.iterDir);
  const pc = await runPostChecks({
    runner: c.d.runner,
    clock: c.d.clock,
    checks: c.s.postChecks,
    retries: c.s.postCheckRetries,
    retrySleepMs: c.s.retrySleepMs,
    cwd: c.s.workdir,
    env: postCheckEnv(c.d.env, { iteration: c.it.i, runDir: c.d.ledger.runDir, iterDir: c.it.iterDir, commit: range.to }, c.d.tpu?.current()),
    binDir: c.s.binDir,
    signal: c.d.signal,
    echo: (line) => void c.emit({ type: 'output', line }),
    saveLog: async (k, text) => {
      await c.d.ledger.writeFile(`${rel}/post-check-${k}.log`, text);
      if (k === 1) faultPoint('during-post-check');
    },
  });
  c.it.postCheckProcessMs = pc.processMs;
  check(c);
  if (pc.ok) return NEXT;
  return { kind: 'revert', range: rangeToHead(c, range), reason: 'post-check-failed', detail: pc.detail };
}
