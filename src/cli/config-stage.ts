/**
 * Everything a command needs between argv and its run (flags from the field table, config resolution, the logger),
 * behind one dynamic import: one bundle entry to load instead of four (program.ts).
 */
export { addConfigOptions, givenFlagNames, givenFlags } from '../config/commander-bridge.js';
export { fieldsFor } from '../config/fields.js';
export { loadYamlFor, resolveConfigWith } from '../config/resolve-layers.js';
export { createLogger } from '../log.js';
