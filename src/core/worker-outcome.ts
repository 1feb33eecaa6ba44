import type { RemoteRunResult } from '../ports/remote.js';

/**
 * One exit code for a multi-worker run (docs/architecture.md exit codes): any unreachable worker → 4 (a resource could
 * not be had, even if others failed too); else any non-zero or killed worker → 1; else 0.
 */
export function workersExitCode(results: readonly RemoteRunResult[]): 0 | 1 | 4 {
  if (results.length === 0) return 4;
  if (results.some((r) => r.unreachable)) return 4;
  if (results.some((r) => r.exitCode !== 0)) return 1;
  return 0;
}
