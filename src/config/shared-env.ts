import { fields, type FieldInfo } from './fields.js';
import type { Config } from './schema.js';

/**
 * One source for the settings a loop shares with the subcommands it runs as post-checks and benches
 * (docs/architecture.md "What post-checks see"). Every config key that `codex-loop` and one of these
 * subcommands both read is handed to the child as its `GDNCTL_*` variable, holding the loop's resolved value,
 * so `--post-check "gdnctl lint-log"` checks the log the loop writes, whatever flag, env var or file set it.
 * The child resolves them with the normal precedence, so a flag written into the post-check still wins.
 * The list is computed from the schema: a new shared key is covered without touching this file.
 */
export const CHILD_COMMANDS: readonly string[] = ['lint-log', 'dev-tpu-test', 'dev-tpu-profile'];

export function sharedSettingFields(parent = 'codex-loop', children: readonly string[] = CHILD_COMMANDS): FieldInfo[] {
  // Keys of every subcommand ('*': workdir, console format, verbosity) describe the parent's own console and
  // cwd, not the experiment: a post-check runs in the workdir already and keeps its own console settings.
  return fields().filter((f) => {
    const c = f.meta.commands;
    return !c.includes('*') && c.includes(parent) && children.some((k) => c.includes(k));
  });
}

/** The env var text of one value, in the form coerceEnv reads back (lists and objects as JSON). */
export function envText(field: FieldInfo, value: unknown): string {
  switch (field.kind) {
    case 'list':
    case 'json':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return String(value);
  }
}

/** `GDNCTL_*` variables for every shared key that has a value. */
export function sharedSettingsEnv(values: Config, parent = 'codex-loop', children: readonly string[] = CHILD_COMMANDS): Record<string, string> {
  const bag = values as unknown as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const f of sharedSettingFields(parent, children)) {
    const v = bag[f.key];
    if (v === undefined || v === null) continue;
    out[f.env] = envText(f, v);
  }
  return out;
}
