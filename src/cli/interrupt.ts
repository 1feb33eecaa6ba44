/**
 * The process-wide interrupt state. src/cli/main.ts feeds it SIGINT/SIGTERM/SIGHUP; long-running commands
 * watch `signal` and register cleanups, and a second signal sets `isHurried` (docs/architecture.md "The signal path").
 */
export class Interrupt {
  private readonly controller = new AbortController();
  private hurryListeners: Array<() => void> = [];
  count = 0;
  signalName: NodeJS.Signals | undefined;

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get isHurried(): boolean {
    return this.count >= 2;
  }

  fire(name: NodeJS.Signals): void {
    this.count += 1;
    if (this.count === 1) {
      this.signalName = name;
      this.controller.abort(new InterruptedError(name));
    } else if (this.count === 2) {
      for (const l of this.hurryListeners) l();
    }
  }

  onHurry(listener: () => void): () => void {
    this.hurryListeners.push(listener);
    return () => {
      this.hurryListeners = this.hurryListeners.filter((l) => l !== listener);
    };
  }
}

export class InterruptedError extends Error {
  constructor(readonly signalName: NodeJS.Signals) {
    super(`interrupted by ${signalName}`);
    this.name = 'InterruptedError';
  }
}
