import { lastEntryCommitLine } from '../stamp-log.js';

/** The last entry's Commit line (a placeholder, or a SHA of the failed range) → `none (<reason>)`. */
export function markFailedEntry(text: string, rangeShas: string[], reason: string): string | undefined {
  const line = lastEntryCommitLine(text);
  if (!line) return undefined;
  const v = line.value.toLowerCase();
  const ours = v === 'this commit' || v === '(pending)' || (v.length >= 7 && rangeShas.some((sha) => sha.startsWith(v)));
  if (!ours) return undefined;
  const lines = text.split('\n');
  lines[line.index] = `${line.indent}- Commit: none (${reason})${line.eol}`;
  return lines.join('\n');
}
