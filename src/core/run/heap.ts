import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { AgentRunner } from '../../ports/agent.js';

/**
 * A loop runs for hours in one process, and V8's defaults size its heap for throughput. Measured by
 * bench:flatness (docs/performance.md): the young generation doubles each time the bytes that survived
 * scavenges since the last growth exceed its size, up to 16 MiB per semi-space, which every long run reaches
 * whatever one iteration allocates; and the old generation's limit grows so that promoted garbage piles up to
 * tens of MiB before a full collection. The young generation is held at its start size, and V8's
 * optimize-for-size heuristics (smaller heap growing factors) keep the old one near its live size. Set at run
 * time, so no launcher needs a flag; both are read when V8 next resizes the heap.
 */
export function holdHeapSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--optimize-for-size');
}

let fullGc: (() => void) | undefined;

/**
 * A full collection while the agent works: what the last iteration left (prompt, records, reports, spawn
 * bookkeeping) is garbage by then, and the process has nothing else to do. Without it the old generation grew
 * by ~0.5 MiB per iteration until V8's own limit, a saw-tooth of 5 MiB over the live size (bench:flatness).
 * A few milliseconds on a heap this size, off the path between two agent runs.
 */
export function collectWhileAgentRuns(): void {
  if (!fullGc) {
    setFlagsFromString('--expose-gc');
    fullGc = runInNewContext('gc') as () => void;
  }
  const gc = fullGc;
  setTimeout(() => gc(), 20).unref();
}

/**
 * The agent, with the heap held small from its first spawn on, and collected while each one runs. Set before
 * that, the flags made start-up (which allocates ~10 MiB compiling the loop's code) pay extra scavenges and a
 * memory-reducing full collection before the first agent ran; the long run they are for starts with that agent.
 */
export function holdHeapSmallFromFirstSpawn(agent: AgentRunner): AgentRunner {
  let held = false;
  return {
    name: agent.name,
    describe: (input) => agent.describe(input),
    preflight: () => agent.preflight(),
    run: (input) =>
      agent.run({
        ...input,
        onSpawn: (pgid) => {
          if (!held) {
            held = true;
            holdHeapSmall();
          }
          collectWhileAgentRuns();
          input.onSpawn?.(pgid);
        },
      }),
  };
}
