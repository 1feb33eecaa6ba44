/**
 * Stamping the hill-climb log (docs/architecture.md "The loop" → Stamping). The agent writes its entry in the same
 * commit as its change and cannot know that commit's SHA, so it writes `- Commit: this commit` (or
 * `(pending)`); the loop then stamps the SHA in a commit of its own. Pure text in, text out.
 *
 * As in the anchor: only the LAST `### Iteration` entry (its heading to end of file) is looked at, and only
 * its bottom-most `- Commit:` line is rewritten, and only while that line still holds a placeholder. Older
 * entries and already-stamped lines are never touched. Indentation and CRLF line ends are kept.
 */

const HEADING = /^### Iteration /;
const COMMIT_LINE = /^(\s*)- Commit:\s*(.*?)\s*$/;
const PLACEHOLDERS = new Set(['this commit', '(pending)']);

interface CommitLine {
  index: number;
  indent: string;
  value: string;
  eol: string;
}

/** The bottom-most `- Commit:` line of the last iteration entry, if any. */
export function lastEntryCommitLine(text: string): CommitLine | undefined {
  const lines = text.split('\n');
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (HEADING.test(lines[i] ?? '')) {
      start = i;
      break;
    }
  }
  if (start < 0) return undefined;
  for (let i = lines.length - 1; i > start; i--) {
    const raw = lines[i] ?? '';
    const eol = raw.endsWith('\r') ? '\r' : '';
    const m = COMMIT_LINE.exec(eol ? raw.slice(0, -1) : raw);
    if (m) return { index: i, indent: m[1] ?? '', value: (m[2] ?? '').replace(/^`(.*)`$/, '$1'), eol };
  }
  return undefined;
}

function replaceCommitValue(text: string, value: string): string | undefined {
  const line = lastEntryCommitLine(text);
  if (!line || !PLACEHOLDERS.has(line.value.toLowerCase())) return undefined;
  const lines = text.split('\n');
  lines[line.index] = `${line.indent}- Commit: ${value}${line.eol}`;
  return lines.join('\n');
}

/** Replace the last entry's `Commit: this commit|(pending)` with the SHA; undefined when nothing to stamp. */
export function stampCommit(text: string, sha: string): string | undefined {
  if (!/^[0-9a-f]{7,64}$/i.test(sha)) throw new Error(`stampCommit: not a commit SHA: ${JSON.stringify(sha)}`);
  return replaceCommitValue(text, sha);
}

/** Record a failed attempt as `- Commit: none (<reason>)`, which lint-log accepts; undefined when no placeholder. */
export function markFailedAttempt(text: string, reason: string): string | undefined {
  const oneLine = reason.replace(/\s+/g, ' ').trim() || 'failed attempt';
  return replaceCommitValue(text, `none (${oneLine})`);
}
