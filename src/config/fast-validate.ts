import type { FastCheck, FieldInfo } from './field-describe.js';

function passes(c: FastCheck, v: unknown): boolean {
  switch (c.type) {
    case 'string':
      return typeof v === 'string' && v.length >= (c.minLength ?? 0);
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) return false;
      if (c.int && !Number.isSafeInteger(v)) return false;
      if (c.min !== undefined && (c.minExclusive ? v <= c.min : v < c.min)) return false;
      if (c.max !== undefined && (c.maxExclusive ? v >= c.max : v > c.max)) return false;
      return true;
    case 'boolean':
      return typeof v === 'boolean';
    case 'enum':
      return typeof v === 'string' && c.values.includes(v);
    case 'list':
      return Array.isArray(v) && v.length >= (c.minLength ?? 0) && v.every((x) => passes(c.element, x));
  }
}

const copy = (v: unknown): unknown => (v !== null && typeof v === 'object' ? structuredClone(v) : v);

/**
 * What `configSchema.safeParse(merged)` would return as data, computed without zod, or undefined when zod must
 * judge (a given value its FastCheck cannot vouch for, or an unset key whose default zod would transform). Never
 * answers for a value zod rejects, so every error message still comes from zod.
 */
export function fastParse(merged: Record<string, unknown>, all: readonly FieldInfo[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const f of all) {
    const v = merged[f.key];
    if (v === undefined) {
      if (!f.absentIsDefault) return undefined;
      if (f.defaultValue !== undefined) out[f.key] = copy(f.defaultValue);
    } else {
      if (!f.fast || !passes(f.fast, v)) return undefined;
      out[f.key] = v;
    }
  }
  return out;
}
