import { fieldTable } from './field-table.js';
import type { FieldInfo } from './field-describe.js';

export { envFor, flagFor } from './field-names.js';
export type { FastCheck, FieldInfo, FieldKind } from './field-describe.js';

export function fields(): FieldInfo[] {
  return fieldTable;
}

export interface CommandFlags {
  /** Shown in --help (unless hidden) and named in messages. */
  flag: string;
  /** Also accepted, never shown. */
  aliases: string[];
  hidden: boolean;
}

/** How `command` spells the key's flag (docs/architecture.md "Config naming"). */
export function flagsOf(f: FieldInfo, command: string): CommandFlags {
  return {
    flag: f.meta.flagOn?.[command] ?? f.flag,
    aliases: [...(f.meta.aliasesOn?.[command] ?? [])],
    hidden: Boolean(f.meta.hidden || f.meta.hiddenOn?.includes(command)),
  };
}

/** commander's attribute name for a long flag: `--tpu-name` → `tpuName`. */
export function attributeOf(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

export function fieldsFor(command: string): FieldInfo[] {
  return fields().filter((f) => f.meta.commands.includes('*') || f.meta.commands.includes(command));
}

let byKey: Map<string, FieldInfo> | undefined;

export function fieldByKey(key: string): FieldInfo | undefined {
  byKey ??= new Map(fieldTable.map((f) => [f.key, f]));
  return byKey.get(key);
}
