import type { Ledger } from '../../ports/ledger.js';
import type { RunChildren } from '../../ports/children.js';
import type { RunState } from '../loop/run-state.js';

/**
 * state.json always names the process groups running now: each start is written at once (a SIGKILL of gdnctl
 * a moment later still leaves it findable), and every other state write carries the current set too. A group
 * that ended is dropped at the next write; until then its recorded start time keeps a reused pid safe.
 */
export class ChildRecorder {
  private stop: (() => void) | undefined;
  constructor(private readonly children: RunChildren) {}

  /** From now on state.json names this process's marker and every group it starts. */
  record(state: RunState, save: () => Promise<void>): void {
    if (this.stop) return;
    state.childMarker = this.children.marker;
    this.stop = this.children.onStart(() => {
      state.childGroups = this.children.running();
      void save().catch(() => undefined);
    });
  }

  /**
   * The end of a run, on every way out: any group still running is ended, then (Linux) every process still
   * carrying the marker, so no daemon an agent or a check left behind outlives gdnctl. Returns their pids.
   */
  async end(state: RunState | undefined): Promise<number[]> {
    this.stop?.();
    this.stop = undefined;
    await this.children.endGroups(this.children.running());
    const found = await this.children.sweep();
    if (state) state.childGroups = [];
    return found;
  }
}

/**
 * state.json writes in the order they were asked for. Writes from two places at once (a child's start beside a
 * phase's own write) would share the temp file and could rename a half-written or older state into place.
 */
export function serialStateWrites<L extends Ledger>(ledger: L): L {
  let last: Promise<void> = Promise.resolve();
  const writeState = (state: unknown, opts?: { durable?: boolean }): Promise<void> => {
    const next = last.then(() => ledger.writeState(state, opts));
    last = next.catch(() => undefined);
    return next;
  };
  return new Proxy(ledger, {
    get(target, prop) {
      if (prop === 'writeState') return writeState;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
