import type { Clock } from '../../ports/clock.js';
import { tpuShape } from '../tpu-chips.js';
import { exhaustedBefore, hasTimeCaps, msUntilTimeCap, timeExhausted, type BudgetSettings, type BudgetStop, type SpendState, type TimeSpent } from './caps.js';

/** How often the agent phase looks at the time caps at most; a cap's own deadline wakes it sooner. */
const POLL_MS = 60_000;

/** The held TPU as the tracker sees it: its accelerator type gives the chips (src/core/tpu-chips.ts). */
export interface HeldTpu {
  current(): { acceleratorType: string } | undefined;
}

/** The budget's watch over one agent pass: its signal aborts the pass when a time cap runs out. */
export interface BudgetWatch {
  readonly signal: AbortSignal;
  /** The cap that ran out during the pass, if one did. */
  fired(): BudgetStop | undefined;
  /** The pass is over: stop watching (and book the time). */
  stop(): void;
}

/**
 * The run's budgets against its state: books wall-clock and TPU chip time into `state.budgetSpent` (so a
 * resume goes on from there; the time between a kill and the resume is not counted), decides before each
 * iteration whether the next may start, and watches the time caps while the agent runs.
 */
export class BudgetTracker {
  private lastMs: number;
  private warnedChips = false;

  constructor(
    private readonly b: BudgetSettings,
    private readonly state: SpendState,
    private readonly clock: Clock,
    private readonly tpu: HeldTpu | undefined,
    private readonly warn: (message: string) => void = () => undefined,
  ) {
    this.lastMs = clock.now();
  }

  /** Chips of the node held now; an accelerator type gdnctl does not know counts as one chip (with a warning). */
  private chips(): number | undefined {
    const node = this.tpu?.current();
    if (!node) return undefined;
    const shape = tpuShape(node.acceleratorType);
    if (shape) return shape.chips;
    if (!this.warnedChips && this.b.maxTpuChipMs !== undefined) {
      this.warnedChips = true;
      this.warn(`--max-tpu-hours: unknown accelerator type ${node.acceleratorType}; counting it as 1 chip`);
    }
    return 1;
  }

  /** Book the time since the last look. */
  tick(): TimeSpent {
    const now = this.clock.now();
    const dt = Math.max(0, now - this.lastMs);
    this.lastMs = now;
    const spent = (this.state.budgetSpent ??= { wallMs: 0, tpuChipMs: 0 });
    spent.wallMs += dt;
    spent.tpuChipMs += dt * (this.chips() ?? 0);
    return spent;
  }

  /** Before iteration i starts: the cap that has run out (with the committed spend), if any. */
  beforeIteration(): BudgetStop | undefined {
    this.tick();
    return exhaustedBefore(this.b, this.state);
  }

  /** Watch the time caps while an agent pass runs; `outer` (the run's signal) aborts the pass too. */
  watch(outer: AbortSignal): BudgetWatch {
    const pass = new AbortController();
    const done = new AbortController();
    const onOuter = (): void => pass.abort(outer.reason);
    if (outer.aborted) onOuter();
    else outer.addEventListener('abort', onOuter, { once: true });
    let fired: BudgetStop | undefined;
    if (hasTimeCaps(this.b)) {
      void (async () => {
        while (!done.signal.aborted) {
          const over = timeExhausted(this.b, this.tick());
          if (over) {
            fired = over;
            pass.abort(over);
            return;
          }
          const left = msUntilTimeCap(this.b, this.state.budgetSpent ?? { wallMs: 0, tpuChipMs: 0 }, this.chips()) ?? POLL_MS;
          const before = this.clock.now();
          await this.clock.sleep(Math.max(1, Math.min(left, POLL_MS)), done.signal).catch(() => undefined);
          // A clock that does not move while sleeping (a test's) must not spin this loop hot.
          if (this.clock.now() === before && !done.signal.aborted) await new Promise((r) => setTimeout(r, 5));
        }
      })();
    }
    return {
      signal: pass.signal,
      fired: () => fired,
      stop: () => {
        done.abort();
        outer.removeEventListener('abort', onOuter);
        this.tick();
      },
    };
  }
}
