import { loopRun, type LoopRun } from './context.js';
import type { LoopDeps } from './deps.js';
import { runLoop, runSingle } from './driver.js';
import type { LoopResult } from './outcome.js';
import type { RunState } from './run-state.js';
import type { LoopSettings } from './settings.js';

export type { LoopConsole, LoopDeps, TextFiles } from './deps.js';

/**
 * The loop's public entry: runs iterations from a given one onward against the ports, holding no I/O of its
 * own. A thin face over the driver (driver.ts), which walks the phases; the run session builds one.
 */
export class LoopEngine {
  private readonly loop: LoopRun;

  constructor(settings: LoopSettings, deps: LoopDeps, state: RunState) {
    this.loop = loopRun(settings, deps, state);
  }

  get runState(): RunState {
    return this.loop.state;
  }

  saveState(): Promise<void> {
    return this.loop.saveState();
  }

  run(first: number): Promise<LoopResult> {
    return runLoop(this.loop, first);
  }

  /**
   * One iteration outside the numbered run (--bootstrap-infra's iteration 0): recorded like any other, but
   * the caller judges the outcome. Returns the stop or interruption, or undefined when the policies go on.
   */
  runOne(i: number): Promise<LoopResult | undefined> {
    return runSingle(this.loop, i);
  }
}
