/**
 * Hill-climb log hygiene rules: pure functions of the log text. The only rule that needs the outside world
 * (does a named commit exist?) is split in two: `lintLog` collects the SHAs, the caller resolves them in one
 * batch, and `commitProblems` turns the answers into problems.
 *
 * Entries are `### Iteration <n><suffix> ...` headings up to the next heading of level 1–3. Text before the
 * first entry (the log's own template and notes) is never checked, and nothing inside fenced code blocks
 * counts as a heading or a field.
 */

export type LintRule =
  | 'commit-pending'
  | 'commit-this-commit'
  | 'commit-unrecognized'
  | 'commit-not-found'
  | 'commit-ambiguous'
  | 'missing-field'
  | 'empty-field'
  | 'heading-malformed'
  | 'heading-number-decreased'
  | 'heading-duplicate-number'
  | 'heading-returned-to-base'
  | 'heading-suffix-not-increasing';

export interface LintProblem {
  /** 1-based line number in the log file. */
  line: number;
  rule: LintRule;
  message: string;
}

export interface LintOptions {
  scope: 'last-entry' | 'all';
  allowPending: boolean;
  allowThisCommit: boolean;
  allowNonMonotonic: boolean;
  requiredFields: readonly string[];
}

/** A SHA named by a `- Commit:` line of a checked entry, to be looked up in the repository. */
export interface CommitRef {
  line: number;
  sha: string;
}

export interface LintResult {
  problems: LintProblem[];
  commitRefs: CommitRef[];
  entriesChecked: number;
}

export type CommitStatus = 'commit' | 'missing' | 'ambiguous';

export interface Heading {
  line: number;
  text: string;
  /** Undefined when the heading has no number (heading-malformed). */
  num?: number;
  suffix: string;
}

interface Entry {
  heading: Heading;
  /** Field lines of the entry (outside code fences): lower-cased name, raw value, line number. */
  fields: Array<{ name: string; value: string; line: number; indent: number; hasBody: boolean }>;
}

const ENTRY_HEADING = /^###\s+Iteration\b(.*)$/i;
const NUMBERED = /^\s+(\d+)([A-Za-z]*)(?![A-Za-z0-9])/;
const ANY_HEADING = /^(#{1,3})\s/;
const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
const FIELD = /^\s*[-*+]\s+([^:]+?)\s*:(.*)$/;
const SHA_LIST = /^([0-9a-f]{7,40}(?:\s*(?:,|\.\.\.?|\s)\s*[0-9a-f]{7,40})*)(?![0-9a-z])(.*)$/i;
const SHA = /[0-9a-f]{7,40}/gi;
const NONE_WITH_REASON = /^none\s*\(\s*\S[^)]*\)\s*$/i;

export function normalizeFieldName(name: string): string {
  return name.replace(/\*\*|__/g, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

function parse(text: string): Entry[] {
  const lines = text.split(/\r?\n/);
  const entries: Entry[] = [];
  let current: Entry | undefined;
  let fence: string | undefined;
  // The last top-level field seen, to tell an empty field from one whose content follows on the next lines.
  let last: Entry['fields'][number] | undefined;
  lines.forEach((raw, i) => {
    const line = i + 1;
    const indent = raw.length - raw.trimStart().length;
    if (last && raw.trim() !== '') {
      // Any text before the next field of the same or a lower indentation (sub-bullets, a paragraph, a code
      // block) fills an empty field; a heading ends the entry first.
      const isHeading = fence === undefined && ANY_HEADING.test(raw);
      const isSibling = fence === undefined && FIELD.test(raw) && indent <= last.indent;
      if (!isHeading && !isSibling) last.hasBody = true;
    }
    const f = FENCE.exec(raw);
    if (f) {
      const marker = f[1]!;
      if (fence === undefined) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return;
    }
    if (fence !== undefined) return;
    const h = ENTRY_HEADING.exec(raw);
    if (h) {
      const n = NUMBERED.exec(h[1]!);
      const heading: Heading = { line, text: raw.trim(), suffix: n ? n[2]!.toLowerCase() : '' };
      if (n) heading.num = Number(n[1]);
      current = { heading, fields: [] };
      entries.push(current);
      last = undefined;
      return;
    }
    if (ANY_HEADING.test(raw)) {
      current = undefined;
      last = undefined;
      return;
    }
    const fm = FIELD.exec(raw.replace(/\*\*|__/g, ''));
    if (current && fm) {
      const field = { name: normalizeFieldName(fm[1]!), value: fm[2]!.trim(), line, indent, hasBody: false };
      current.fields.push(field);
      // A sub-bullet field fills its parent; only top-level-or-same fields start a new "last".
      if (!last || indent <= last.indent) last = field;
    }
  });
  return entries;
}

/** Longer suffixes sort after shorter ones, so "z" < "aa" (the anchor compared plain strings). */
function suffixAfter(a: string, b: string): boolean {
  return a.length !== b.length ? a.length > b.length : a > b;
}

function label(h: Heading): string {
  return `Iteration ${h.num ?? '?'}${h.suffix}`;
}

/** Heading order over the whole file: each numbered heading against the one before it and all earlier numbers. */
export function headingProblems(headings: readonly Heading[]): LintProblem[] {
  const problems: LintProblem[] = [];
  const firstLineOf = new Map<number, number>();
  let prev: Heading | undefined;
  for (const h of headings) {
    if (h.num === undefined) continue;
    const at = (rule: LintRule, message: string): void => void problems.push({ line: h.line, rule, message });
    if (prev?.num !== undefined) {
      const p = prev as Heading & { num: number };
      const where = `${label(p)} (line ${p.line})`;
      if (h.num < p.num) {
        at('heading-number-decreased', `${label(h)} comes after ${where}; numbers must increase, renumber it to ${p.num + 1} or later`);
      } else if (h.num === p.num) {
        if (p.suffix !== '' && h.suffix === '') {
          at('heading-returned-to-base', `${label(h)} follows its sub-iteration ${where}; a bare number must come before its suffixed ones, use ${h.num + 1} or a later suffix`);
        } else if (p.suffix === '' && h.suffix === '') {
          at('heading-duplicate-number', `${label(h)} repeats ${where}; give it the next number (${h.num + 1}) or a suffix (${h.num}a)`);
        } else if (!suffixAfter(h.suffix, p.suffix)) {
          at('heading-suffix-not-increasing', `${label(h)} does not come after ${where}; suffixes must increase (a, b, c, ...)`);
        }
      } else if (firstLineOf.has(h.num)) {
        at('heading-duplicate-number', `${label(h)} reuses the number of line ${firstLineOf.get(h.num)}; give it a new number`);
      }
    }
    if (!firstLineOf.has(h.num)) firstLineOf.set(h.num, h.line);
    prev = h;
  }
  return problems;
}

/** The value when it says nothing (empty, TBD/TODO, a template "<...>"), else undefined. */
function emptyValue(value: string): string | undefined {
  const v = value.replace(/`/g, '').trim();
  return v === '' || /^(tbd|todo|\?+|\.\.\.|…|<[^>]*>)$/i.test(v) ? v : undefined;
}

function commitValueProblems(value: string, line: number, o: LintOptions, refs: CommitRef[]): LintProblem[] {
  const v = value.replace(/`/g, '').trim();
  const lower = v.toLowerCase();
  if (lower === '(pending)' || lower === 'pending') {
    return o.allowPending
      ? []
      : [{ line, rule: 'commit-pending', message: 'Commit is still "(pending)"; commit the change and write its SHA, or record a failed attempt as "none (<reason>)"' }];
  }
  if (lower === 'this commit') {
    return o.allowThisCommit
      ? []
      : [{ line, rule: 'commit-this-commit', message: '"Commit: this commit" was never stamped with a SHA; replace it with the SHA (the loop does this after verify-commit; pass --allow-this-commit to lint before stamping)' }];
  }
  if (NONE_WITH_REASON.test(v)) return [];
  const m = SHA_LIST.exec(v);
  if (m) {
    for (const sha of m[1]!.match(SHA) ?? []) refs.push({ line, sha: sha.toLowerCase() });
    return [];
  }
  const hint = lower === 'none' ? 'give the reason: "none (<reason>)"' : 'write the commit SHA (7-40 hex digits), or "none (<reason>)" for a failed attempt';
  return [{ line, rule: 'commit-unrecognized', message: `Commit value "${v}" is not a commit; ${hint}` }];
}

/** All rules except commit existence; returns the SHAs to verify alongside the problems. */
export function lintLog(text: string, o: LintOptions): LintResult {
  const entries = parse(text);
  const problems: LintProblem[] = [];
  const commitRefs: CommitRef[] = [];
  for (const e of entries) {
    if (e.heading.num === undefined) {
      problems.push({
        line: e.heading.line,
        rule: 'heading-malformed',
        message: `"${e.heading.text}" has no iteration number; write "### Iteration <n> - <title>"`,
      });
    }
  }
  if (!o.allowNonMonotonic) problems.push(...headingProblems(entries.map((e) => e.heading)));

  const checked = o.scope === 'all' ? entries : entries.slice(-1);
  for (const e of checked) {
    const names = new Set(e.fields.map((f) => f.name));
    for (const req of o.requiredFields) {
      if (names.has(normalizeFieldName(req))) {
        const f = e.fields.find((x) => x.name === normalizeFieldName(req))!;
        const filler = f.hasBody ? undefined : emptyValue(f.value);
        if (filler !== undefined && f.name !== 'commit') {
          problems.push({
            line: f.line,
            rule: 'empty-field',
            message: `"- ${req}:" ${filler === '' ? 'is empty' : `still holds the placeholder "${filler}"`}; write the actual ${req.toLowerCase()} (or "n/a" and why)`,
          });
        }
        continue;
      }
      problems.push({
        line: e.heading.line,
        rule: 'missing-field',
        message: `${label(e.heading)} has no "- ${req}:" line; add it (write "n/a" and why, if it does not apply)`,
      });
    }
    for (const f of e.fields) {
      if (f.name === 'commit') problems.push(...commitValueProblems(f.value, f.line, o, commitRefs));
    }
  }
  return { problems: sortProblems(problems), commitRefs, entriesChecked: checked.length };
}

/** Problems for SHAs the repository does not know (statuses keyed by the lower-case SHA as written). */
export function commitProblems(refs: readonly CommitRef[], statuses: ReadonlyMap<string, CommitStatus>): LintProblem[] {
  const problems: LintProblem[] = [];
  for (const r of refs) {
    const s = statuses.get(r.sha) ?? 'missing';
    if (s === 'missing') {
      problems.push({ line: r.line, rule: 'commit-not-found', message: `commit ${r.sha} does not exist in this repository; write the SHA of the commit that holds the change (git log --oneline)` });
    } else if (s === 'ambiguous') {
      problems.push({ line: r.line, rule: 'commit-ambiguous', message: `commit ${r.sha} matches several objects; write a longer SHA` });
    }
  }
  return problems;
}

export function sortProblems(problems: LintProblem[]): LintProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.rule.localeCompare(b.rule));
}
