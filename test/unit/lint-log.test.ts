import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commitProblems, lintLog, type LintOptions } from '../../src/core/lint-log.js';
import { DEFAULT_REQUIRED_FIELDS } from '../../src/config/options/lint.js';
import { generateHillclimbLog, REQUIRED, type RequiredField } from '../fixtures/hillclimb-log.js';

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

test('qualified field names: "(...)" and backticked suffixes name the field they qualify, colons inside them too', () => {
  const text = [
    '### Iteration 1 - x',
    '- Date: d',
    '- Commit: abc1234',
    '- Hypothesis (revised after the probe): h',
    '- Change summary (`lib/levanter/src/levanter/layers/gated_deltanet.py:1406`):',
    '  - did it',
    '- Correctness checks `dev-tpu-test`: 87 passed',
    '- MFU/throughput delta (vs baseline run `gdn_i1-5ecaf5` (old)):',
    '  - `throughput/mfu`: `4.15 -> 4.21`',
    '- Next hypothesis (escalation): bolder',
    '',
  ].join('\n');
  assert.deepEqual(rules(text), []);
  // Without the qualifier stripped, "MFU/throughput delta (vs ...)" would not be the required field: prove it is read.
  const empty = text.replace('- MFU/throughput delta (vs baseline run `gdn_i1-5ecaf5` (old)):\n  - `throughput/mfu`: `4.15 -> 4.21`\n', '- MFU/throughput delta (vs baseline):\n');
  assert.deepEqual(rules(empty), ['8:empty-field']);
  assert.match(lint(empty).problems[0]!.message, /^"- MFU\/throughput delta \(vs baseline\):" is empty/);
});

test('a requiredFields entry "A|B" accepts either spelling, and a missing one names them all', () => {
  const text = '### Iteration 3 - x\n- Selected hypothesis: h\n- Next bold hypothesis (escalation): n\n';
  assert.deepEqual(rules(text, { requiredFields: ['Hypothesis|Selected hypothesis', 'Next hypothesis|Next bold hypothesis'] }), []);
  const r = lint(text, { requiredFields: ['Hypothesis', 'Change summary|Change attempt summary'] });
  assert.deepEqual(r.problems.map((p) => `${p.line}:${p.rule}`), ['1:missing-field', '1:missing-field']);
  assert.match(r.problems[0]!.message, /^Iteration 3 has no "- Hypothesis:" line; add it/);
  assert.match(r.problems[1]!.message, /has no "- Change summary:" line \(accepted: "Change summary", "Change attempt summary", each with an optional/);
});

test('the default list accepts the drift of a real log: Selected hypothesis, Change attempt summary, Next bold hypothesis', () => {
  const text = [
    '### Iteration 21 - Macro Move D (reverted)',
    '- Date: 2026-02-21T20:31:14Z',
    '- Commit: none (failed attempt)',
    '- Selected hypothesis: one fused kernel',
    '- Change attempt summary:',
    '  - Implemented it, then reverted it.',
    '- Correctness checks:',
    '  - Result: `49 passed, 40 skipped`.',
    '- MFU/throughput delta (vs baseline run `gdn_invreuse_i1`):',
    '  - `throughput/mfu`: `5.640151 -> 5.457648` (`-3.24%`).',
    '- Next bold hypothesis: V-tiling',
    '',
  ].join('\n');
  assert.deepEqual(rules(text), []);
});

test('a field that starts with the required name and goes on is a missing field with a way to accept it', () => {
  const text = entry('Iteration 1').replace('- Correctness checks: tests pass', '- Correctness checks for attempt 2: tests pass');
  const r = lint(text);
  assert.deepEqual(r.problems.map((p) => `${p.line}:${p.rule}`), ['1:missing-field']);
  assert.match(r.problems[0]!.message, /line 6 has "- Correctness checks for attempt 2:"; .*"- Correctness checks \(\.\.\.\):".*requiredFields "Correctness checks\|Correctness checks for attempt 2"/);
});

test('generated 50-entry logs in the real style: no false positives under the default fields', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const g = generateHillclimbLog({ entries: 50, seed });
    const r = lint(g.text, { scope: 'all' });
    assert.deepEqual(r.problems, [], `seed ${seed}: ${r.problems.map((p) => `${p.line}:${p.rule}: ${p.message}`).join('\n')}`);
    assert.equal(r.entriesChecked, 50);
    const named = g.entries.filter((e) => !/none \(failed attempt\)/.test(g.text.split('\n')[e.fieldLines.Commit! - 1]!));
    assert.equal(r.commitRefs.length, named.length, `seed ${seed}`);
    assert.ok(named.length > 0 && named.length < 50, 'the log mixes SHAs and failed attempts');
    assert.ok(g.entries.some((e) => /\d+b$/.test(e.label)), 'the log has a sub-iteration heading');
    assert.ok(/\(loop \d+\/20\)/.test(g.text) && /```markdown\n### Iteration <N>/.test(g.text));
  }
});

test('generated logs: every field taken out of an entry is found, on that entry, and nothing else', () => {
  const omit = new Map<number, RequiredField[]>();
  for (let i = 0; i < 50; i++) omit.set(i, [REQUIRED[i % REQUIRED.length]!]);
  const g = generateHillclimbLog({ entries: 50, seed: 7, omit });
  const r = lint(g.text, { scope: 'all' });
  const expected = g.entries.map((e, i) => `${e.headingLine}:missing-field:${e.label}:${REQUIRED[i % REQUIRED.length]}`);
  const got = r.problems.map((p) => `${p.line}:${p.rule}:${/^(Iteration \S+) has no "- ([^"]+):"/.exec(p.message)?.slice(1).join(':')}`);
  assert.deepEqual(got, expected);
});

test('generated logs: the last entry missing any one field fails the default (last-entry) check', () => {
  for (const field of REQUIRED) {
    const g = generateHillclimbLog({ entries: 50, seed: 11, omit: new Map([[49, [field]]]) });
    const r = lint(g.text);
    assert.deepEqual(r.problems.map((p) => `${p.line}:${p.rule}`), [`${g.entries[49]!.headingLine}:missing-field`], field);
    assert.match(r.problems[0]!.message, new RegExp(`has no "- ${field.replace('/', '\\/')}:" line`));
  }
});
