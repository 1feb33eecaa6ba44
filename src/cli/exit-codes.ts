/**
 * Stable process exit codes (docs/architecture.md "Errors and exit codes"; documented in README). Only the
 * CLI layer turns outcomes into these numbers; everything below it returns data or throws the typed errors
 * of src/errors.ts.
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
