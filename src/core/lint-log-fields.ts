/**
 * Field lines of the hill-climb log: `- <Name>[ <qualifier>]: <value>`. Pure text helpers of lint-log.
 */

const BULLET = /^\s*[-*+]\s+(.*)$/;

export function normalizeFieldName(name: string): string {
  return stripQualifiers(name.replace(/\*\*|__/g, '').replace(/\s+/g, ' ').trim()).toLowerCase();
}

/**
 * The index of the colon that ends a field name: the first one outside parentheses and backticks, so
 * `- Hotspots observed (TPU:0 aggregate):` is one field. Without such a colon, the first colon at all.
 */
function nameColon(text: string): number {
  let depth = 0;
  let code = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '`') code = !code;
    else if (code) continue;
    else if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ':' && depth === 0) return i;
  }
  return text.indexOf(':');
}

/** Where the group that closes `text` opens: a balanced `(...)` or a `` `...` `` span; -1 when it ends in neither. */
function trailingGroupStart(text: string): number {
  const last = text[text.length - 1];
  if (last === '`') return text.lastIndexOf('`', text.length - 2);
  if (last !== ')') return -1;
  let depth = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    if (text[i] === ')') depth++;
    else if (text[i] === '(' && --depth === 0) return i;
  }
  return -1;
}

/**
 * `- <Name>[ <qualifier>]:` — drop trailing parenthesised or backticked qualifiers, so
 * ``Change summary (`lib/…`)`` and `Next hypothesis (escalation)` are the fields they qualify. A name that is
 * nothing but such a group (`` `while` ``) stays as written.
 */
function stripQualifiers(name: string): string {
  let n = name;
  for (;;) {
    const start = trailingGroupStart(n);
    if (start <= 0) return n;
    const rest = n.slice(0, start).trimEnd();
    if (rest === '') return n;
    n = rest;
  }
}

/** A `- <Name>: <value>` line (bold markers removed), or undefined when the line is no field. */
export function fieldOf(raw: string): { written: string; value: string } | undefined {
  const b = BULLET.exec(raw.replace(/\*\*|__/g, ''));
  if (!b) return undefined;
  const text = b[1]!;
  const colon = nameColon(text);
  if (colon <= 0) return undefined;
  const written = text.slice(0, colon).replace(/\s+/g, ' ').trim();
  return written === '' ? undefined : { written, value: text.slice(colon + 1) };
}

/** The spellings a `requiredFields` entry accepts: `Hypothesis|Selected hypothesis` → both. */
export function fieldAlternatives(entry: string): string[] {
  return entry
    .split('|')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

