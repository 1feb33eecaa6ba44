import { describeFields, type FieldInfo } from './field-describe.js';
import { optionFields } from './schema.js';

/**
 * Every config key as plain data, derived from the zod schema. The bundle replaces this module with the same
 * table computed at build time (scripts/build.mjs), so a command's flags, env names and defaults cost no zod.
 */
export const fieldTable: FieldInfo[] = describeFields(optionFields);
