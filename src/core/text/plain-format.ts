/**
 * Number grouping and string ordering without Intl. `toLocaleString` and `localeCompare` load ICU's locale data
 * into the process: measured on Node 20, the first call maps 5 MiB (number or date formatting) or 2 MiB
 * (collation) of the node binary's read-only data into resident memory for the rest of the loop's life
 * (issue 14's memory target; docs/performance.md). What gdnctl formats and sorts is ASCII-ish data (token counts,
 * op names, file names, ISO timestamps), where grouping by three digits and code-point order say the same.
 */

/** 1234567 → "1,234,567" (en-US grouping); non-integers keep their decimals. */
export function groupThousands(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const [int, frac] = String(Math.abs(n)).split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 ? '-' : ''}${grouped}${frac === undefined ? '' : `.${frac}`}`;
}

/** Code-point order, for sort(): deterministic across machines and locales. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
