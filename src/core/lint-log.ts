/**
 * Hill-climb log hygiene rules: pure functions of the log text. The only rule that needs the outside world
 * (does a named commit exist?) is split in two: `lintLog` collects the SHAs, the caller resolves them in one
 * batch, and `commitProblems` turns the answers into problems.
 *
 * Entries are `### Iteration <n><suffix> ...` headings up to the next heading of level 1–3. Text before the
 * first entry (the log's own template and notes) is never checked, and nothing inside fenced code blocks
 * counts as a heading or a field. A required field may be spelled several ways (`Hypothesis|Selected hypothesis`)
 * and qualified (`- Next hypothesis (escalation):`); see lint-log-fields.ts.
 */

import { fieldAlternatives, fieldOf, normalizeFieldName } from './lint-log-fields.js';
import { byCodePoint } from './text/plain-format.js';

export { fieldAlternatives, normalizeFieldName } from './lint-log-fields.js';

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

interface Field {
  /** Normalised name: qualifier removed, lower case (`mfu/throughput delta`). */
  name: string;
  /** The text before the colon as written, qualifier included, for messages. */
  written: string;
  value: string;
  line: number;
  indent: number;
  hasBody: boolean;
}

interface Entry {
  heading: Heading;
  /** Field lines of the entry (outside code fences). */
  fields: Field[];
}

const ENTRY_HEADING = /^###\s+Iteration\b(.*)$/i;
const NUMBERED = /^\s+(\d+)([A-Za-z]*)(?![A-Za-z0-9])/;
const ANY_HEADING = /^(#{1,3})\s/;
const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
const SHA_LIST = /^([0-9a-f]{7,40}(?:\s*(?:,|\.\.\.?|\s)\s*[0-9a-f]{7,40})*)(?![0-9a-z])(.*)$/i;
const SHA = /[0-9a-f]{7,40}/gi;
const NONE_WITH_REASON = /^none\s*\(\s*\S[^)]*\)\s*$/i;

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
      const isSibling = fence === undefined && fieldOf(raw) !== undefined && indent <= last.indent;
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
    const fm = fieldOf(raw);
    if (current && fm) {
      const field: Field = { name: normalizeFieldName(fm.written), written: fm.written, value: fm.value.trim(), line, indent, hasBody: false };
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

function quoted(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

/** One required field of one entry: present in some accepted spelling and not empty, or a problem saying so. */
function requiredFieldProblems(e: Entry, spellings: readonly string[]): LintProblem[] {
  const wanted = spellings.map(normalizeFieldName);
  const f = e.fields.find((x) => wanted.includes(x.name));
  if (f) {
    const filler = f.hasBody ? undefined : emptyValue(f.value);
    if (filler === undefined || f.name === 'commit') return [];
    const what = filler === '' ? 'is empty' : `still holds the placeholder "${filler}"`;
    return [{ line: f.line, rule: 'empty-field', message: `"- ${f.written}:" ${what}; write the actual ${spellings[0]!.toLowerCase()} (or "n/a" and why)` }];
  }
  const accepted = spellings.length > 1 ? ` (accepted: ${quoted(spellings)}, each with an optional "(...)" qualifier)` : '';
  // A field that starts with an accepted name and goes on ("Correctness checks for attempt 2") is most likely
  // this one under a spelling nobody listed: say how to accept it rather than only "add it".
  const near = e.fields.find((x) => wanted.some((w) => x.name.startsWith(`${w} `)));
  const fix = near
    ? `line ${near.line} has "- ${near.written}:"; if that is this field, put the extra words in parentheses ("- ${spellings[0]} (...):") or accept the spelling with requiredFields "${[...spellings, near.written].join('|')}"`
    : 'add it (write "n/a" and why, if it does not apply)';
  return [{ line: e.heading.line, rule: 'missing-field', message: `${label(e.heading)} has no "- ${spellings[0]}:" line${accepted}; ${fix}` }];
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
  const required = o.requiredFields.map(fieldAlternatives).filter((a) => a.length > 0);
  for (const e of checked) {
    for (const spellings of required) problems.push(...requiredFieldProblems(e, spellings));
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
  return [...problems].sort((a, b) => a.line - b.line || byCodePoint(a.rule, b.rule));
}
