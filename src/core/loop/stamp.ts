import { relative } from 'node:path';
import { stampCommit } from '../stamp-log.js';
import { iterNumber } from '../text/iteration-name.js';
import { enter, NEXT, type IterationContext, type PhaseOutcome } from './context.js';

/**
 * stamp: the agent wrote `Commit: this commit` in its hill-climb log entry; the loop replaces it with the
 * agent's SHA in a commit of its own (`gdnctl: stamp iteration NNN`), never an amend. No entry to stamp is
 * not a failure: the log may live elsewhere or the entry name the SHA already.
 */
export async function stamp(c: IterationContext): Promise<PhaseOutcome> {
  const range = c.it.range;
  if (!range) throw new Error('stamp: verify-commit has not run');
  await enter(c, { phase: 'stamp' });
  const text = await c.d.files.read(c.s.hillclimbLog);
  const stamped = text === undefined ? undefined : stampCommit(text, range.to);
  if (stamped === undefined) return NEXT;
  await c.d.files.write(c.s.hillclimbLog, stamped);
  const sha = await c.d.git.commitPaths([relative(c.d.git.root, c.s.hillclimbLog)], `gdnctl: stamp iteration ${iterNumber(c.it.i)}`);
  c.it.stampSha = sha;
  c.it.head = sha;
  return NEXT;
}
