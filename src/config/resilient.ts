import { applyResilient } from '../core/loop/resilient.js';
import type { ResolvedConfig } from './resolve.js';

/**
 * The config codex-loop runs with under `--resilient`: only keys whose source is still `default` are filled
 * (a flag, a GDNCTL_* variable or a config-file entry always wins), and `--print-config` shows `resilient` as
 * the source of exactly the keys it filled.
 */
export function resilientConfig(config: ResolvedConfig): ResolvedConfig {
  const { values, changes } = applyResilient(config.values, (key) => {
    const source = (config.sources as Record<string, string | undefined>)[key];
    return source !== undefined && source !== 'default';
  });
  if (changes.length === 0) return config;
  const sources = { ...config.sources };
  for (const c of changes) (sources as Record<string, string>)[c.key] = 'resilient';
  return { ...config, values, sources };
}
