/**
 * Stable process exit codes (DESIGN.md "Exit codes"; documented in README). Only src/cli/main.ts
 * turns outcomes into these numbers; everything below it returns data or throws the typed errors here.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  noCommit: 3,
  resourceUnavailable: 4,
  agentTimeout: 124,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Bad flag, bad config, unmet precondition. Nothing has been touched. Exit 2. */
export class UsageError extends Error {
  readonly exitCode = ExitCode.usage;
  /** One line per problem; each says what is wrong and how to fix it. */
  readonly lines: string[];
  constructor(lines: string | string[]) {
    const all = Array.isArray(lines) ? lines : [lines];
    super(all.join('\n'));
    this.name = 'UsageError';
    this.lines = all;
  }
}

/** A required resource could not be had: agent binary, TPU, ssh to a worker. Exit 4. */
export class ResourceError extends Error {
  readonly exitCode = ExitCode.resourceUnavailable;
  constructor(message: string) {
    super(message);
    this.name = 'ResourceError';
  }
}
