import type { CommandSpec } from '../command-spec.js';
import type { ResolvedConfig } from '../../config/resolve.js';
import { applyResilient } from '../../core/loop/resilient.js';

/** --resilient rewrites policies before anything runs; --print-config shows the result with source "resilient". */
export function resilientConfig(config: ResolvedConfig): ResolvedConfig {
  const { values, changes } = applyResilient(config.values);
  if (changes.length === 0) return config;
  const sources = { ...config.sources };
  for (const c of changes) (sources as Record<string, string>)[c.key] = 'resilient';
  return { ...config, values, sources };
}

export const codexLoopCommand: CommandSpec = {
  name: 'codex-loop',
  summary: 'run the coding agent iteration after iteration: one verified commit each, kept or reverted, resumable',
  examples: [
    'gdnctl codex-loop --iterations 10 --resilient --dirty-policy stash --post-check "gdnctl lint-log"',
    'gdnctl codex-loop --iterations 3 --dry-run',
  ],
  handlesSignals: true,
  effectiveConfig: resilientConfig,
  async run(ctx) {
    const { runCodexLoop } = await import('../loop/run-codex-loop.js');
    return runCodexLoop(ctx);
  },
};
