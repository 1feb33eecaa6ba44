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
  /**
   * The flag a command shows when it is not the kebab-case of the key: one concept keeps one key (YAML,
   * GDNCTL_*), while each command spells its flag the way its users already type it (`devTpuName` is
   * `--tpu-name` on dev-tpu-allocate, as in the Python tool, and `--dev-tpu-name` on codex-loop).
   */
  flagOn?: Readonly<Record<string, string>>;
  /** More spellings a command accepts for the key, left out of --help (old or the other commands' names). */
  aliasesOn?: Readonly<Record<string, readonly string[]>>;
  /** Commands that accept the key's flag but leave it out of --help (superseded there by another key's flag). */
  hiddenOn?: readonly string[];
}

/** Attach gdnctl option metadata to a zod field. */
export function opt<T extends z.ZodType>(schema: T, meta: OptionMeta): T {
  return schema.meta(meta as unknown as Record<string, unknown>) as T;
}

export function metaOf(schema: z.ZodType): OptionMeta | undefined {
  return schema.meta() as unknown as OptionMeta | undefined;
}
