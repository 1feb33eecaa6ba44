import type { CommandSpec } from '../command-spec.js';

const implementation = () => import('../loop/run-codex-loop.js');

/**
 * The loop's JavaScript is glue that runs a few times per iteration between child processes, so TurboFan buys
 * it nothing measurable (a 1-iteration run: 0.66 s CPU without, 0.71 s with), while its compiled code and the
 * compiler's own pages of the node binary stayed resident for the run's life: 3.4 MiB of the binary's text and
 * growing code space. The hot byte work of the loop (line splitting, JSON.parse of agent events) runs in C++
 * builtins either way. The young generation is held at its start size (1 MiB semi-spaces) from here too: held
 * only from the first agent spawn, start-up had grown it to 3 MiB each, 4 MiB of resident memory for the run's
 * life, for a few extra scavenges before the first agent. Set here, before the loop's code runs (set later,
 * start-up had already paged the compiler in), and for codex-loop only: a 500 MB trace summary or a long
 * lint-log keep their optimizing tier. src/core/run/heap.ts holds the rest of the loop's heap settings.
 * node:v8 is imported here, not at the top: this file is part of every command's start-up (`gdnctl --help`
 * too), and loading node:v8 cost those ~5 ms.
 */
async function interpretOnly(): Promise<void> {
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString('--no-opt');
  setFlagsFromString('--semi-space-growth-factor=1');
}

export const codexLoopCommand: CommandSpec = {
  name: 'codex-loop',
  summary: 'run the coding agent iteration after iteration: one verified commit each, kept or reverted, resumable',
  examples: [
    'gdnctl codex-loop --iterations 10 --resilient --dirty-policy stash --post-check "gdnctl lint-log"',
    'gdnctl codex-loop --iterations 3 --dry-run',
  ],
  handlesSignals: true,
  // --resilient fills policies nobody set before anything runs; --print-config shows those with source "resilient",
  // and the protected set the run will use.
  async effectiveConfig(config) {
    const [{ resilientConfig }, { withProtectedSet }] = await Promise.all([import('../../config/resilient.js'), import('../loop/protect-set.js')]);
    return withProtectedSet(resilientConfig(config));
  },
  preload: async () => {
    await interpretOnly();
    // The preflight's first git questions run while the loop's code loads (src/adapters/git/git-prefetch.ts).
    // Best effort: whatever fails here (a deleted working directory) fails again, and is reported, in the preflight.
    void import('../../adapters/git/git-prefetch.js')
      .then((m) => m.prefetchPreflight(process.cwd(), process.env))
      .catch(() => undefined);
    return implementation();
  },
  async run(ctx) {
    await interpretOnly();
    const { runCodexLoop } = await implementation();
    return runCodexLoop(ctx);
  },
};
