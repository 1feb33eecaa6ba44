import type { z } from 'zod';
import { metaOf, type OptionMeta } from './option-meta.js';
import { optionFields, type ConfigKey } from './schema.js';

export type FieldKind = 'string' | 'number' | 'boolean' | 'enum' | 'list' | 'json';

export interface FieldInfo {
  key: ConfigKey;
  kind: FieldKind;
  /** Allowed values for enums (and for lists of enums). */
  choices?: string[];
  /** For lists: the kind of each element. */
  elementKind?: Exclude<FieldKind, 'list'>;
  defaultValue: unknown;
  meta: OptionMeta;
  schema: z.ZodType;
  flag: string;
  env: string;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  entries?: Record<string, string>;
  defaultValue?: unknown;
  in?: z.ZodType;
}

function def(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Strip default/optional/nullable/pipe wrappers to reach the value type. */
function unwrap(schema: z.ZodType): { core: z.ZodType; defaultValue: unknown } {
  let s = schema;
  let defaultValue: unknown;
  for (;;) {
    const d = def(s);
    if (d.type === 'default' || d.type === 'prefault') {
      if (defaultValue === undefined) defaultValue = d.defaultValue;
      s = d.innerType!;
    } else if (d.type === 'optional' || d.type === 'nullable' || d.type === 'readonly') {
      s = d.innerType!;
    } else if (d.type === 'pipe') {
      s = d.in!;
    } else {
      return { core: s, defaultValue };
    }
  }
}

function scalarKind(schema: z.ZodType): { kind: Exclude<FieldKind, 'list'>; choices?: string[] } {
  const d = def(schema);
  switch (d.type) {
    case 'string':
      return { kind: 'string' };
    case 'number':
    case 'int':
      return { kind: 'number' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'enum':
      return { kind: 'enum', choices: Object.values(d.entries ?? {}) };
    default:
      return { kind: 'json' };
  }
}

/** camelCase key -> kebab-case long flag. */
export function flagFor(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/** camelCase key -> GDNCTL_SCREAMING_SNAKE. */
export function envFor(key: string): string {
  return 'GDNCTL_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}

let cache: FieldInfo[] | undefined;

export function fields(): FieldInfo[] {
  if (cache) return cache;
  cache = (Object.keys(optionFields) as ConfigKey[]).map((key) => {
    const schema = optionFields[key] as z.ZodType;
    const meta = metaOf(schema);
    if (!meta) throw new Error(`config key ${key} has no .meta() help`);
    const { core, defaultValue } = unwrap(schema);
    const d = def(core);
    const base = { key, defaultValue, meta, schema, flag: flagFor(key), env: envFor(key) };
    if (d.type === 'array') {
      const el = scalarKind(unwrap(d.element!).core);
      return { ...base, kind: 'list' as const, elementKind: el.kind, ...(el.choices ? { choices: el.choices } : {}) };
    }
    const k = scalarKind(core);
    return { ...base, ...k };
  });
  return cache;
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

export function fieldByKey(key: string): FieldInfo | undefined {
  return fields().find((f) => f.key === key);
}
