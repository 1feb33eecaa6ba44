import type { Ledger, LedgerEventType } from '../../ports/ledger.js';
import type { IterationStatus, LoopStop } from './outcome.js';

/**
 * Everything the loop reports, as one typed stream (docs/architecture.md "The loop", Events). Phases emit;
 * the ledger (events.jsonl) and the console are two subscribers of the same stream. Some events are the
 * ledger's only (`run-done`), some the console's only (`output`, `warning`), most go to both.
 */

/** A phase entered, with the data its events.jsonl line carries. */
export type PhaseEntered =
  | { phase: 'guard-tree' | 'prompt' | 'plan' | 'verify-commit' | 'stamp' | 'decide' | 'record' }
  | { phase: 'sync-main'; remote: string; branch: string }
  | { phase: 'agent'; headBefore: string }
  | { phase: 'post-checks' | 'measure'; commit: string };

export type LoopEvent =
  /** `of` and `elapsedMs` (since the iteration started) are for the status line only. */
  | ({ type: 'phase'; iteration: number; of: number; elapsedMs: number } & PhaseEntered)
  | { type: 'operator-stashed'; iteration: number; sha: string }
  | { type: 'operator-restored'; iteration: number; sha: string }
  | { type: 'operator-stash-kept'; iteration: number; sha: string }
  | { type: 'leftovers-stashed'; iteration: number; sha: string; message: string; paths: string[] }
  | { type: 'sync-merged'; iteration: number; remote: string; branch: string; head: string }
  | { type: 'sync-conflict-skipped'; iteration: number; detail: string }
  | { type: 'champion-after-sync'; iteration: number; champion: string; remeasured: boolean }
  | { type: 'plan-written'; iteration: number; chars: number }
  | { type: 'plan-missing'; iteration: number }
  /** Written before the revert starts, so a resume knows one was under way. */
  | { type: 'revert'; iteration: number; from: string; to: string; reason: string }
  | { type: 'reverted'; iteration: number; reason: string; sha: string }
  | { type: 'failed-entry-not-recorded'; iteration: number; error: string }
  | { type: 'iteration-failed'; iteration: number; reason: string; detail: string; policy: 'counted' | 'continued' | 'stopped' }
  | { type: 'iteration-recorded'; iteration: number; outcome: 'kept' | 'no-change' | 'failed'; status: IterationStatus; reason?: string }
  | { type: 'target-reached'; iteration: number; value?: number; stops: boolean }
  | { type: 'tpu-replaced'; name: string | undefined; zone: string | undefined }
  /** A usage or rate limit with a reset time: the attempt runs again at `resumeAt` (ISO). */
  | { type: 'limit-wait'; iteration: number; failure: string; resumeAt: string; waitMs: number; detail: string }
  | { type: 'run-done'; iterations: number; stopReason?: 'target-reached' }
  | { type: 'run-stopped'; stop: LoopStop }
  /** A line of agent or post-check output. */
  | { type: 'output'; line: string }
  | { type: 'info'; message: string }
  | { type: 'warning'; message: string };

/** Resolves once the ledger holds the event, so the work that follows is never ahead of events.jsonl. */
export type EmitLoopEvent = (e: LoopEvent) => Promise<void>;

export interface LoopEventSubscriber {
  event(e: LoopEvent): void;
}

/**
 * The ledger subscriber: the events.jsonl line of an event (the same types and fields as ever: resume, status
 * and the tests read them), or undefined for the console's own events.
 */
export function ledgerLine(e: LoopEvent): { type: LedgerEventType; data: Record<string, unknown> } | undefined {
  switch (e.type) {
    case 'phase': {
      const { type, iteration, of: _of, elapsedMs: _elapsed, phase, ...data } = e;
      return { type, data: { iteration, phase, ...data } };
    }
    case 'run-stopped':
      return { type: e.type, data: { ...e.stop } };
    case 'operator-stashed':
    case 'operator-restored':
    case 'operator-stash-kept':
    case 'leftovers-stashed':
    case 'champion-after-sync':
    case 'plan-written':
    case 'revert':
    case 'iteration-recorded':
    case 'target-reached':
    case 'limit-wait':
    case 'run-done': {
      const { type, ...data } = e;
      return { type, data };
    }
    case 'sync-merged':
    case 'sync-conflict-skipped':
    case 'plan-missing':
    case 'reverted':
    case 'failed-entry-not-recorded':
    case 'iteration-failed':
    case 'tpu-replaced':
    case 'output':
    case 'info':
    case 'warning':
      return undefined;
    default: {
      const never: never = e;
      throw new Error(`unknown loop event ${JSON.stringify(never)}`);
    }
  }
}

/**
 * More subscribers behind one (the console and --notify-cmd's notifier, src/core/notify/notifier.ts), each in
 * turn. One that throws is skipped for that event and its error goes to `onError`: a notifier's bug must
 * neither reach the ledger's append nor keep the console from showing the event.
 */
export function fanOut(subscribers: readonly LoopEventSubscriber[], onError: (e: Error) => void = () => undefined): LoopEventSubscriber {
  return {
    event(e) {
      for (const s of subscribers) {
        try {
          s.event(e);
        } catch (err) {
          onError(err as Error);
        }
      }
    },
  };
}

/**
 * One stream over the two subscribers. The append starts first and the console renders synchronously while
 * it is under way, so the console never holds up the ledger; the returned promise is the append.
 */
export function loopEventStream(ledger: Pick<Ledger, 'event'>, console: LoopEventSubscriber): EmitLoopEvent {
  return async (e) => {
    const line = ledgerLine(e);
    const appended = line ? ledger.event(line.type, line.data) : undefined;
    try {
      console.event(e);
    } finally {
      await appended;
    }
  };
}
