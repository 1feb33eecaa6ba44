import type { z } from 'zod';

/**
 * Metadata attached to each config field with zod's `.meta()`. The zod schema stays the single source
 * of truth: type, default and validation come from the zod type, help text and CLI wiring from here.
 */
export interface OptionMeta {
  /** One help line, shown by --help and checked by a test for every key. */
  help: string;
  /** Subcommands that expose this key as a flag ('*' = every subcommand). YAML/env accept every key. */
  commands: readonly string[];
  /** Value is a filesystem path (or list of paths): relative values resolve from the config file's folder. */
  path?: boolean;
  /** Placeholder in help, e.g. "<n>". */
  valueName?: string;
  /** Short flag such as "-e". */
  short?: string;
  /** Hide from --help (still settable). */
  hidden?: boolean;
}

/** Attach gdnctl option metadata to a zod field. */
export function opt<T extends z.ZodType>(schema: T, meta: OptionMeta): T {
  return schema.meta(meta as unknown as Record<string, unknown>) as T;
}

export function metaOf(schema: z.ZodType): OptionMeta | undefined {
  return schema.meta() as unknown as OptionMeta | undefined;
}
