/**
 * The typed errors every layer may throw for an expected refusal (docs/architecture.md "Errors and exit
 * codes"). This file is a leaf: it imports nothing of ours. Only the CLI edge (src/cli/main.ts and
 * src/cli/program.ts) turns these into exit codes and messages; the numbers live in src/cli/exit-codes.ts.
 */

/** Bad flag, bad config, unmet precondition. Nothing has been touched. Exit 2. */
export class UsageError extends Error {
  /** One line per problem; each says what is wrong and how to fix it. */
  readonly lines: string[];
  constructor(lines: string | string[]) {
    const all = Array.isArray(lines) ? lines : [lines];
    super(all.join('\n'));
    this.name = 'UsageError';
    this.lines = all;
  }
}

/** A required resource could not be had: agent binary, credentials, a TPU, ssh to a worker. Exit 4. */
export class ResourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceError';
  }
}

/** The run was interrupted by a signal; thrown through the loop after its cleanup ran. Exit 130. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'Interrupted';
  }
}
