/**
 * Stand-in for git's src/core/stamp-log.ts until it lands: in the last "### Iteration" entry, the bottom-most
 * "- Commit:" line whose value is "this commit" or "(pending)" becomes "- Commit: <sha>" (indent kept).
 * Returns undefined when there is nothing to stamp.
 */
export function stampLastEntry(text: string, sha: string): string | undefined {
  const lines = text.split('\n');
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]!.startsWith('### Iteration ')) {
      start = i;
      break;
    }
  }
  if (start < 0) return undefined;
  for (let i = lines.length - 1; i > start; i--) {
    const m = /^(\s*)- Commit:\s*(.*?)\s*$/.exec(lines[i]!);
    if (!m) continue;
    if (m[2] !== 'this commit' && m[2] !== '(pending)') return undefined;
    lines[i] = `${m[1]}- Commit: ${sha}`;
    return lines.join('\n');
  }
  return undefined;
}
