/** Counts from pytest's final summary line, e.g. "=== 1 failed, 87 passed, 2 skipped in 12.30s ===". */
export interface PytestSummary {
  passed: number;
  failed: number;
  skipped: number;
  errors: number;
  xfailed: number;
  xpassed: number;
  deselected: number;
  warnings: number;
  durationS?: number;
  /** The summary line as printed (without the ===== rules). */
  line: string;
}

const KEYS: Record<string, keyof Omit<PytestSummary, 'durationS' | 'line'>> = {
  passed: 'passed',
  failed: 'failed',
  skipped: 'skipped',
  error: 'errors',
  errors: 'errors',
  xfailed: 'xfailed',
  xpassed: 'xpassed',
  deselected: 'deselected',
  warning: 'warnings',
  warnings: 'warnings',
};

// "<counts> in 12.30s" or "... in 62.01s (0:01:02)"; "no tests ran in 0.01s" has no counts.
const LINE = /^(?:=+ )?((?:\d+ [a-z]+(?:, )?)+|no tests ran) in (\d+(?:\.\d+)?)s(?: \([0-9:]+\))?(?: =+)?$/;

/** Parse one line; undefined unless it is a pytest summary line. */
export function parsePytestSummaryLine(raw: string): PytestSummary | undefined {
  // Worker prefixes and colour codes are stripped by callers' output, but tolerate ANSI here anyway.
  const text = raw.replace(/\x1b\[[0-9;]*m/g, '').trim();
  const m = LINE.exec(text);
  if (!m) return undefined;
  const out: PytestSummary = {
    passed: 0, failed: 0, skipped: 0, errors: 0, xfailed: 0, xpassed: 0, deselected: 0, warnings: 0,
    durationS: Number(m[2]),
    line: text.replace(/^=+ /, '').replace(/ =+$/, ''),
  };
  if (m[1] !== 'no tests ran') {
    for (const part of m[1]!.split(', ')) {
      const [n, word] = part.split(' ');
      const key = KEYS[word ?? ''];
      if (!key) return undefined;
      out[key] += Number(n);
    }
  }
  return out;
}

/** The last summary line in an output (pytest prints exactly one per run; a plan may run several). */
export function parsePytestSummary(output: string): PytestSummary | undefined {
  const lines = output.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const s = parsePytestSummaryLine(lines[i]!);
    if (s) return s;
  }
  return undefined;
}
