/**
 * Timers for waits of any length. Node's setTimeout holds at most 2^31−1 ms (24.8 days); a longer delay fires
 * after 1 ms with only a TimeoutOverflowWarning, so `--codex-timeout-seconds 3000000` would kill the agent at
 * once and a 35-day `--sleep-seconds` would not wait at all. These chain timeouts of at most that size towards
 * a deadline on the monotonic clock (performance.now: a wall-clock step does not shorten or stretch a wait).
 */
import { performance } from 'node:perf_hooks';

/** The longest delay one Node timer holds. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  /** Push the deadline to `ms` from now (the idle timeout after each output chunk). O(1): no timer is touched. */
  refresh(): void;
  clear(): void;
}

/**
 * Call `fire` once, `ms` from now. `refresh()` only moves the deadline; the pending timer, when it fires
 * early, re-arms for what is left. With `unref`, the timer does not keep the process alive.
 */
export function setLongTimeout(fire: () => void, ms: number, opts: { unref?: boolean } = {}): LongTimer {
  let deadline = performance.now() + ms;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (left: number): void => {
    // Math.ceil: a timer may fire up to a millisecond early; arming for 0.3 ms would spin. Never synchronous.
    timer = setTimeout(arm, Math.min(Math.max(0, Math.ceil(left)), MAX_TIMER_MS));
    if (opts.unref) timer.unref();
  };
  const arm = (): void => {
    const left = deadline - performance.now();
    if (left > 0) return schedule(left);
    timer = undefined;
    fire();
  };
  schedule(ms);
  return {
    refresh: () => {
      if (timer !== undefined) deadline = performance.now() + ms;
    },
    clear: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** The error timers/promises' setTimeout rejects with on abort, so callers that test for it keep working. */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}

/** Wait `ms` (any length); rejects with an AbortError when `signal` aborts, as timers/promises does. */
export function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = (): void => {
      timer.clear();
      reject(abortError(signal!));
    };
    const timer = setLongTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
