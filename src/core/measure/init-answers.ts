/**
 * Validation of `gdnctl init` answers. Like auto-optimize, success criteria must be numbers: "as fast as
 * possible" is refused (and asked again when interactive).
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export function parseTarget(input: string): Parsed<number> {
  const t = input.trim().replace(/,/g, '');
  const m = /^(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*[a-zA-Z%/µ]*$/.exec(t);
  if (!m) return { ok: false, message: `"${input.trim()}" is not a number; give the target value of the metric, e.g. 12.5 ("as fast as possible" is not a target)` };
  return { ok: true, value: Number(m[1]) };
}

export function parsePct(input: string): Parsed<number> {
  const t = input.trim().replace(/%$/, '').trim();
  const n = Number(t);
  if (t === '' || !Number.isFinite(n) || n < 0) return { ok: false, message: `"${input.trim()}" is not a percentage; give the minimum gain to keep a change, e.g. 2 or 0` };
  return { ok: true, value: n };
}

export function parseDirection(input: string): Parsed<'higher' | 'lower'> {
  const t = input.trim().toLowerCase();
  if (['higher', 'high', 'up', 'max', 'maximize'].includes(t)) return { ok: true, value: 'higher' };
  if (['lower', 'low', 'down', 'min', 'minimize'].includes(t)) return { ok: true, value: 'lower' };
  return { ok: false, message: `"${input.trim()}" is not a direction; answer higher or lower` };
}

export function parseText(input: string, what: string): Parsed<string> {
  const t = input.trim();
  return t ? { ok: true, value: t } : { ok: false, message: `${what} is needed` };
}

export function parseGlobs(input: string): Parsed<string[]> {
  return { ok: true, value: input.split(/[,\s]+/).map((s) => s.trim()).filter(Boolean) };
}

/** Direction must agree with the target relative to the baseline only at run time; here both are just checked. */
export interface InitAnswers {
  goal: string;
  scopeGlob: string[];
  metric: string;
  direction: 'higher' | 'lower';
  target: number;
  minImprovementPct: number;
  testCommand: string;
  bench: string;
}
