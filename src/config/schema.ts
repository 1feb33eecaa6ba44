import { z } from 'zod';
import { globalOptions } from './options/global.js';
import { lintOptions } from './options/lint.js';
import { directiveOptions } from './options/directives.js';
import { sshOptions } from './options/ssh.js';
import { tpuOptions } from './options/tpu.js';
import { loopOptions } from './options/loop.js';
import { agentOptions } from './options/agent.js';
import { measureOptions } from './options/measure.js';
import { initOptions } from './options/init.js';
import { remoteOptions } from './options/remote.js';
import { mfuOptions } from './options/mfu.js';
import { notifyOptions } from './options/notify.js';
import { parallelOptions } from './options/parallel.js';
import { statusOptions } from './options/status.js';
import { rayOptions } from './options/ray.js';
import { budgetOptions } from './options/budget.js';

/**
 * The one config schema: one flat namespace of camelCase keys (docs/architecture.md "Config naming").
 * Each domain owns a file under options/; add new domains to the spread below. A key must appear in
 * exactly one domain file (a test checks every key has a flag, an env name and a help line).
 */
export const optionFields = {
  ...globalOptions,
  ...lintOptions,
  ...directiveOptions,
  ...sshOptions,
  ...tpuOptions,
  ...loopOptions,
  ...agentOptions,
  ...measureOptions,
  ...initOptions,
  ...remoteOptions,
  ...mfuOptions,
  ...notifyOptions,
  ...statusOptions,
  ...parallelOptions,
  ...rayOptions,
  ...budgetOptions,
};

export const configSchema = z.strictObject(optionFields);
export type Config = z.output<typeof configSchema>;
export type ConfigKey = keyof typeof optionFields;
