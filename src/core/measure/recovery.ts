/**
 * A measurement on the TPU that failed may mean the TPU went away (a spot node preempted mid-decision). Then
 * the site gets one back, the runs so far are marked discarded and the measurement starts over, both sides:
 *
 *   attempt ─ok──────────────────────────────────────────▶ done
 *      └─failed run or sync error ─▶ site.recover() ─alive─▶ done (the failure stands)
 *                                       ├─lost──▶ done, with the reason
 *                                       └─replaced─▶ discard attempt's runs ─▶ attempt again (at most twice)
 *
 * A tpu-busy failure is not a lost TPU (another process owns the chips), and an interrupted one is not retried.
 */
import type { BenchSample, BenchSite } from '../../ports/bench.js';
import type { SampleLog } from './sampling.js';

/** Re-acquires after a lost TPU within one measurement before giving up. */
export const MAX_RECOVERIES = 2;

export interface RecoveryContext {
  site: BenchSite;
  log: SampleLog;
  signal?: AbortSignal | undefined;
  /** The run that failed during the attempt, if one did (reset before each attempt). */
  failedRun: () => Extract<BenchSample, { ok: false }> | undefined;
  resetFailure: () => void;
  /** The TPU is another one now: cached facts about the old one are stale. */
  onReplaced: () => void;
  say: (msg: string) => void;
}

export async function measureRecovering<T>(
  what: string,
  c: RecoveryContext,
  attemptFn: (attempt: number) => Promise<{ failed: boolean; value: T }>,
): Promise<{ value: T; notes: string[] }> {
  const notes: string[] = [];
  const onTpu = c.site.where === 'tpu';
  for (let attempt = 1; ; attempt++) {
    c.resetFailure();
    let r: { failed: boolean; value: T } | undefined;
    let error: unknown;
    try {
      r = await attemptFn(attempt);
    } catch (e) {
      if (!onTpu || c.signal?.aborted || attempt > MAX_RECOVERIES) throw e;
      error = e;
    }
    const settled = r !== undefined && (!r.failed || !onTpu || c.signal?.aborted === true || attempt > MAX_RECOVERIES || c.failedRun()?.kind === 'tpu-busy');
    if (settled) return { value: r!.value, notes };
    const rec = await c.site.recover(c.signal);
    if (rec.kind !== 'replaced') {
      if (error !== undefined) throw error;
      return { value: r!.value, notes: rec.kind === 'lost' ? [...notes, rec.reason] : notes };
    }
    c.log.discard(attempt);
    c.onReplaced();
    notes.push(`the TPU was lost during the ${what} (${rec.note}); its runs were discarded and both sides measured again`);
    c.say(notes.at(-1)!);
  }
}
