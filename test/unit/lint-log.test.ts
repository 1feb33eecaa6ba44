import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commitProblems, lintLog, type LintOptions } from '../../src/core/lint-log.js';
import { DEFAULT_REQUIRED_FIELDS } from '../../src/config/options/lint.js';

const defaults: LintOptions = {
  scope: 'last-entry',
  allowPending: false,
  allowThisCommit: false,
  allowNonMonotonic: false,
  requiredFields: [...DEFAULT_REQUIRED_FIELDS],
};

function entry(heading: string, commit = 'abc1234', extra: string[] = []): string {
  return [
    `### ${heading} - try something`,
    '- Date: 2026-11-23',
    `- Commit: ${commit}`,
    '- Hypothesis: fewer pallas_calls',
    '- Change summary: fused two kernels',
    '- Correctness checks: tests pass',
    '- MFU/throughput delta: +4.1%',
    '- Next hypothesis: tile V',
    ...extra,
    '',
  ].join('\n');
}

const preamble = '# GDN hill-climb log\n\nEntry template:\n- Commit: <sha>\n- Commit: (pending)\n\n';

function lint(text: string, o: Partial<LintOptions> = {}) {
  return lintLog(text, { ...defaults, ...o });
}

function rules(text: string, o: Partial<LintOptions> = {}): string[] {
  return lint(text, o).problems.map((p) => `${p.line}:${p.rule}`);
}

test('a clean log passes and reports the SHAs to verify', () => {
  const r = lint(preamble + entry('Iteration 1') + entry('Iteration 2', 'DEF5678'));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.commitRefs, [{ line: 17, sha: 'def5678' }]);
  assert.equal(r.entriesChecked, 1);
});

test('anchor: "- Commit: (pending)" fails, --allow-pending accepts it', () => {
  const text = preamble + entry('Iteration 1', '(pending)');
  assert.deepEqual(rules(text), ['9:commit-pending']);
  assert.deepEqual(rules(text, { allowPending: true }), []);
});

test('anchor: "- Commit: this commit" fails, --allow-this-commit accepts it', () => {
  const text = entry('Iteration 1', 'this commit');
  assert.deepEqual(rules(text), ['3:commit-this-commit']);
  assert.deepEqual(rules(text, { allowThisCommit: true }), []);
});

test('the preamble (log template) is never checked, even with scope all', () => {
  assert.deepEqual(rules(preamble + entry('Iteration 1'), { scope: 'all' }), []);
});

test('anchor: a heading number that decreases', () => {
  const text = entry('Iteration 2') + entry('Iteration 1');
  assert.deepEqual(rules(text), ['9:heading-number-decreased']);
  assert.deepEqual(rules(text, { allowNonMonotonic: true }), []);
});

test('anchor: a duplicate number, adjacent or after a decrease', () => {
  assert.deepEqual(rules(entry('Iteration 3') + entry('Iteration 3')), ['9:heading-duplicate-number']);
  const later = rules(entry('Iteration 5') + entry('Iteration 3') + entry('Iteration 5'), { scope: 'all' });
  assert.deepEqual(later, ['9:heading-number-decreased', '17:heading-duplicate-number']);
});

test('anchor: a suffixed heading followed by its bare number', () => {
  assert.deepEqual(rules(entry('Iteration 4') + entry('Iteration 4a') + entry('Iteration 4')), ['17:heading-returned-to-base']);
});

test('anchor: suffixes that do not increase; a, b and z, aa do', () => {
  assert.deepEqual(rules(entry('Iteration 4b') + entry('Iteration 4a')), ['9:heading-suffix-not-increasing']);
  assert.deepEqual(rules(entry('Iteration 4a') + entry('Iteration 4A')), ['9:heading-suffix-not-increasing']);
  assert.deepEqual(rules(entry('Iteration 4') + entry('Iteration 4a') + entry('Iteration 4b') + entry('Iteration 5')), []);
  assert.deepEqual(rules(entry('Iteration 4z') + entry('Iteration 4aa')), []);
});

test('every problem is reported, not only the first, each with its line', () => {
  const text = entry('Iteration 2', '(pending)') + entry('Iteration 1', 'this commit');
  const r = lint(text, { scope: 'all' });
  assert.deepEqual(
    r.problems.map((p) => `${p.line}:${p.rule}`),
    ['3:commit-pending', '9:heading-number-decreased', '11:commit-this-commit'],
  );
  for (const p of r.problems) assert.ok(p.message.length > 20, p.message);
});

test('scope last-entry checks only the last entry; scope all checks each', () => {
  const text = entry('Iteration 1', '(pending)') + entry('Iteration 2');
  assert.deepEqual(rules(text), []);
  assert.deepEqual(rules(text, { scope: 'all' }), ['3:commit-pending']);
  assert.equal(lint(text, { scope: 'all' }).entriesChecked, 2);
});

test('a log without entries has nothing to check', () => {
  const r = lint(preamble);
  assert.deepEqual(r.problems, []);
  assert.equal(r.entriesChecked, 0);
});

test('missing required fields are named on the heading line; names are case-insensitive', () => {
  const text = '### Iteration 1 - x\n- date: today\n- COMMIT: abc1234\n- **Hypothesis**: y\n';
  const r = lint(text);
  assert.deepEqual(
    r.problems.map((p) => `${p.line}:${p.rule}`),
    ['1:missing-field', '1:missing-field', '1:missing-field', '1:missing-field'],
  );
  assert.match(r.problems[0]!.message, /"- Change summary:"/);
  assert.deepEqual(rules(text, { requiredFields: ['Date', 'commit', 'HYPOTHESIS'] }), []);
});

test('fields and headings inside fenced code blocks do not count', () => {
  const text = entry('Iteration 1') + '### Iteration 2 - x\n```\n- Date: no\n### Iteration 1\n```\n- Commit: abc1234\n';
  const r = lint(text, { scope: 'all', requiredFields: ['Date'] });
  assert.deepEqual(r.problems.map((p) => `${p.line}:${p.rule}`), ['9:missing-field']);
  assert.deepEqual(r.commitRefs.map((c) => c.line), [3, 14]);
});

test('an entry ends at the next heading of level 1-3, so trailing sections are not part of it', () => {
  const text = entry('Iteration 1') + '## Notes\n- Commit: (pending)\n';
  assert.deepEqual(rules(text), []);
});

test('Commit: none (<reason>) is accepted; bare none, placeholders and junk are not', () => {
  assert.deepEqual(rules(entry('Iteration 1', 'none (failed attempt: tests red)')), []);
  assert.deepEqual(rules(entry('Iteration 1', 'none')), ['3:commit-unrecognized']);
  assert.deepEqual(rules(entry('Iteration 1', '<sha>')), ['3:commit-unrecognized']);
  assert.deepEqual(rules(entry('Iteration 1', 'abc12')), ['3:commit-unrecognized']);
  assert.deepEqual(rules(entry('Iteration 1', 'abc1234xyz')), ['3:commit-unrecognized']);
});

test('SHA forms: backticks, ranges and lists, trailing notes', () => {
  const shas = (c: string) => lint(entry('Iteration 1', c)).commitRefs.map((r) => r.sha);
  assert.deepEqual(shas('`abc1234`'), ['abc1234']);
  assert.deepEqual(shas('abc1234..def5678'), ['abc1234', 'def5678']);
  assert.deepEqual(shas('abc1234, def5678 (stamped)'), ['abc1234', 'def5678']);
  assert.deepEqual(shas('a'.repeat(40)), ['a'.repeat(40)]);
});

test('a heading without a number is malformed', () => {
  assert.deepEqual(rules(entry('Iteration next')), ['1:heading-malformed']);
});

test('commitProblems: missing and ambiguous SHAs become problems on their lines', () => {
  const refs = [
    { line: 3, sha: 'abc1234' },
    { line: 9, sha: 'def5678' },
    { line: 12, sha: 'aaaaaaa' },
  ];
  const statuses = new Map([
    ['abc1234', 'commit' as const],
    ['def5678', 'missing' as const],
    ['aaaaaaa', 'ambiguous' as const],
  ]);
  assert.deepEqual(
    commitProblems(refs, statuses).map((p) => `${p.line}:${p.rule}`),
    ['9:commit-not-found', '12:commit-ambiguous'],
  );
});

test('a required field that is empty or still a template placeholder is reported on its line', () => {
  const text = [
    '### Iteration 1 - x',
    '- Date:',
    '- Commit: abc1234',
    '- Hypothesis: <the bet>',
    '- Change summary: TBD',
    '- Correctness checks:',
    '  - Command: pytest tests/test_gdn.py',
    '  - Result: 12 passed',
    '- MFU/throughput delta:',
    '```',
    'MFU 6.1 -> 7.4',
    '```',
    '- Next hypothesis:',
    'Tile V across two heads.',
    '- Notes:',
    '',
  ].join('\n');
  assert.deepEqual(rules(text), ['2:empty-field', '4:empty-field', '5:empty-field']);
  assert.match(lint(text).problems[1]!.message, /still holds the placeholder "<the bet>"/);
});

test('the last field of an entry is empty when the next entry follows at once', () => {
  const text = '### Iteration 1\n- Date: d\n- Next hypothesis:\n### Iteration 2\n- Date: d\n';
  assert.deepEqual(rules(text, { scope: 'all', requiredFields: ['Date', 'Next hypothesis'] }), ['3:empty-field', '4:missing-field']);
});
