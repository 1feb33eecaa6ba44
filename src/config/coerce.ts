import type { FieldInfo, FieldKind } from './fields.js';

/** Convert one raw string (from a flag or an env var) to the field's type; throws a one-line message. */
export function coerceScalar(kind: Exclude<FieldKind, 'list'>, raw: string, choices?: string[]): unknown {
  switch (kind) {
    case 'string':
      return raw;
    case 'number': {
      const n = Number(raw.trim());
      if (raw.trim() === '' || !Number.isFinite(n)) throw new Error(`expected a number, got ${JSON.stringify(raw)}`);
      return n;
    }
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
      throw new Error(`expected true or false, got ${JSON.stringify(raw)}`);
    }
    case 'enum':
      if (choices && !choices.includes(raw)) {
        throw new Error(`expected one of ${choices.join('|')}, got ${JSON.stringify(raw)}`);
      }
      return raw;
    case 'json':
      try {
        return JSON.parse(raw);
      } catch {
        throw new Error(`expected JSON, got ${JSON.stringify(raw.slice(0, 60))}`);
      }
  }
}

/** An env var's value: lists are JSON arrays (docs/architecture.md "Config naming"). */
export function coerceEnv(field: FieldInfo, raw: string): unknown {
  if (field.kind !== 'list') return coerceScalar(field.kind, raw, field.choices);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`expected a JSON array such as ["a","b"], got ${JSON.stringify(raw.slice(0, 60))}`);
  }
  if (!Array.isArray(parsed)) throw new Error('expected a JSON array such as ["a","b"]');
  return parsed.map((v) =>
    typeof v === 'string' && field.elementKind !== 'string' && field.elementKind !== 'json'
      ? coerceScalar(field.elementKind ?? 'string', v, field.choices)
      : v,
  );
}
