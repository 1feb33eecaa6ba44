import type { CommandSpec } from '../command-spec.js';

const implementation = () => import('../loop/run-codex-loop.js');

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
  preload: implementation,
  async run(ctx) {
    const { runCodexLoop } = await implementation();
    return runCodexLoop(ctx);
  },
};
