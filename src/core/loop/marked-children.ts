import type { Phase } from './phases.js';
import type { LoopRun } from './context.js';

/** The phases whose children may leave their process group behind them: the agent's, the checks', the bench's. */
export function phaseStartsChildren(phase: Phase): boolean {
  return phase === 'agent' || phase === 'plan' || phase === 'post-checks' || phase === 'measure';
}

/**
 * End what the phase's children left running outside their groups (`setsid`, `nohup … &`): on Linux every
 * process carrying the run's marker (src/adapters/process/marked-processes.ts). Runs once per such phase,
 * never per line of output.
 */
export async function endMarkedChildren(r: LoopRun, after: Phase): Promise<void> {
  const children = r.d.children;
  if (!children) return;
  const found = await children.sweep();
  if (found.length === 0) return;
  await r.emit({ type: 'warning', message: `ended ${found.length} process(es) left running after the ${after} phase (pid ${found.join(', ')})` });
}
