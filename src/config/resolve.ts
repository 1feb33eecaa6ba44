import { configSchema } from './schema.js';
import { resolveConfigWith, type ResolveInput, type ResolvedConfig } from './resolve-layers.js';

export * from './resolve-layers.js';
export { formatConfig } from './format-config.js';

/**
 * Merge defaults < config file < GDNCTL_* env < flags, validate with the zod schema, resolve paths. Every
 * problem becomes one line of a UsageError (exit 2). Loads zod; the CLI's start-up calls resolveConfigWith first
 * and comes here only when a value needs zod's judgement.
 */
export function resolveConfig(input: ResolveInput): ResolvedConfig {
  return resolveConfigWith(input, configSchema)!;
}
