import type { z } from 'zod';
import { metaOf, type OptionMeta } from './option-meta.js';
import type { ConfigKey } from './schema.js';
import { envFor, flagFor } from './field-names.js';

export type FieldKind = 'string' | 'number' | 'boolean' | 'enum' | 'list' | 'json';

/**
 * A check on a value that accepts nothing the key's zod schema rejects, and for which zod's output is the value
 * itself. Given values that pass it skip zod (start-up: building and compiling the zod schema was most of a
 * small command's run); a value that fails it, or a key without one, goes to zod, so every message stays zod's.
 */
export type FastCheck =
  | { type: 'string'; minLength?: number }
  | { type: 'number'; int?: boolean; min?: number; minExclusive?: boolean; max?: number; maxExclusive?: boolean }
  | { type: 'boolean' }
  | { type: 'enum'; values: string[] }
  | { type: 'list'; element: FastCheck; minLength?: number };

/** One config key as plain data: everything the CLI needs without evaluating the zod schema. */
export interface FieldInfo {
  key: ConfigKey;
  kind: FieldKind;
  /** Allowed values for enums (and for lists of enums). */
  choices?: string[];
  /** For lists: the kind of each element. */
  elementKind?: Exclude<FieldKind, 'list'>;
  defaultValue: unknown;
  meta: OptionMeta;
  flag: string;
  env: string;
  /** See FastCheck; absent when only zod can judge a given value. */
  fast?: FastCheck;
  /** Left unset, zod returns the default unchanged (or nothing, for an optional key without one). */
  absentIsDefault: boolean;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  entries?: Record<string, unknown>;
  defaultValue?: unknown;
  in?: z.ZodType;
  format?: string;
  /** Set when the schema is itself a check (z.url(), z.int()). */
  check?: string;
  checks?: Array<{ _zod: { def: CheckDef } }>;
}

interface CheckDef {
  check: string;
  format?: string;
  value?: unknown;
  inclusive?: boolean;
  minimum?: unknown;
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
      return { kind: 'enum', choices: Object.values(d.entries ?? {}) as string[] };
    default:
      return { kind: 'json' };
  }
}

/**
 * Walk the wrappers zod applies to a key. `absentIsDefault`: left unset, zod returns exactly the outermost default
 * (or nothing, for an optional key with no default below it). Undefined when a pipe, prefault, nullable or
 * readonly stands above the value type (the output could differ from the input).
 */
function plainWrappers(schema: z.ZodType): { core: z.ZodType; absentIsDefault: boolean } | undefined {
  let s = schema;
  let absent: 'default' | 'undefined' | undefined;
  let sawDefault = false;
  for (;;) {
    const d = def(s);
    if (d.type === 'default') {
      absent ??= 'default';
      sawDefault = true;
      s = d.innerType!;
    } else if (d.type === 'optional') {
      absent ??= 'undefined';
      s = d.innerType!;
    } else if (d.type === 'pipe' || d.type === 'prefault' || d.type === 'nullable' || d.type === 'readonly') {
      return undefined;
    } else {
      return { core: s, absentIsDefault: absent === 'default' || (absent === 'undefined' && !sawDefault) };
    }
  }
}

/** The FastCheck of a bare value type, or undefined when one of its checks is not understood here. */
function fastOf(core: z.ZodType): FastCheck | undefined {
  const d = def(core);
  const checks = (d.checks ?? []).map((c) => c._zod.def);
  if (d.check !== undefined && d.check !== 'number_format') return undefined;
  switch (d.type) {
    case 'string': {
      if (d.format !== undefined) return undefined;
      const out: FastCheck = { type: 'string' };
      for (const c of checks) {
        if (c.check !== 'min_length' || typeof c.minimum !== 'number') return undefined;
        out.minLength = Math.max(out.minLength ?? 0, c.minimum);
      }
      return out;
    }
    case 'number': {
      const out: Extract<FastCheck, { type: 'number' }> = { type: 'number' };
      const formats = [d.format, ...checks.filter((c) => c.check === 'number_format').map((c) => c.format)].filter(Boolean);
      for (const f of formats) {
        if (f === 'safeint') out.int = true;
        else if (f !== 'float64') return undefined;
      }
      for (const c of checks) {
        if (c.check === 'number_format') continue;
        if (typeof c.value !== 'number') return undefined;
        if (c.check === 'greater_than' && (out.min === undefined || c.value >= out.min)) {
          out.min = c.value;
          out.minExclusive = !c.inclusive;
        } else if (c.check === 'less_than' && (out.max === undefined || c.value <= out.max)) {
          out.max = c.value;
          out.maxExclusive = !c.inclusive;
        } else if (c.check !== 'greater_than' && c.check !== 'less_than') return undefined;
      }
      return out;
    }
    case 'boolean':
      return checks.length === 0 ? { type: 'boolean' } : undefined;
    case 'enum': {
      const values = Object.values(d.entries ?? {});
      return checks.length === 0 && values.every((v) => typeof v === 'string') ? { type: 'enum', values: values as string[] } : undefined;
    }
    case 'array': {
      const el = plainWrappers(d.element!);
      const element = el && el.core === d.element ? fastOf(el.core) : undefined;
      if (!element || element.type === 'list') return undefined;
      const out: FastCheck = { type: 'list', element };
      for (const c of checks) {
        if (c.check !== 'min_length' || typeof c.minimum !== 'number') return undefined;
        out.minLength = Math.max(out.minLength ?? 0, c.minimum);
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** Every key of the schema as plain data (also run by scripts/build.mjs, which bundles the result as JSON). */
export function describeFields(optionFields: Record<string, z.ZodType>): FieldInfo[] {
  return (Object.keys(optionFields) as ConfigKey[]).map((key) => {
    const schema = optionFields[key]!;
    const meta = metaOf(schema);
    if (!meta) throw new Error(`config key ${key} has no .meta() help`);
    const { core, defaultValue } = unwrap(schema);
    const d = def(core);
    const plain = plainWrappers(schema);
    const fast = plain ? fastOf(plain.core) : undefined;
    const base = {
      key,
      defaultValue,
      meta,
      flag: flagFor(key),
      env: envFor(key),
      ...(fast ? { fast } : {}),
      absentIsDefault: plain?.absentIsDefault ?? false,
    };
    if (d.type === 'array') {
      const el = scalarKind(unwrap(d.element!).core);
      return { ...base, kind: 'list' as const, elementKind: el.kind, ...(el.choices ? { choices: el.choices } : {}) };
    }
    return { ...base, ...scalarKind(core) };
  });
}
