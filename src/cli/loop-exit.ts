import type { LoopResult } from '../core/loop/outcome.js';
import { ExitCode } from './exit-codes.js';

/**
 * The loop's outcome → the process exit code (docs/architecture.md "Exit codes"): 3 when the no-commit policy stopped the
 * loop, 124 when an agent timeout did, 130 interrupted, 1 for any other stop.
 */
export function loopExitCode(result: LoopResult): number {
  switch (result.kind) {
    case 'done':
    case 'target-reached':
      return ExitCode.ok;
    case 'interrupted':
      return ExitCode.interrupted;
    case 'stopped': {
      const r = result.stop.reason;
      if (r === 'no-commit') return ExitCode.noCommit;
      if (r === 'agent-timeout' || r === 'agent-idle-timeout') return ExitCode.agentTimeout;
      return ExitCode.failed;
    }
    default: {
      const never: never = result;
      throw new Error(`unknown loop result ${JSON.stringify(never)}`);
    }
  }
}
