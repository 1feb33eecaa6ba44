import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lastEntryCommitLine, markFailedAttempt, stampCommit } from '../../src/core/stamp-log.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';

const LOG = `# Hill-climb log

### Iteration 1 - first
- Date: 2026-11-01
- Commit: this commit
- Hypothesis: a

### Iteration 2 - second
- Date: 2026-11-02
- Commit: this commit
- Hypothesis: b
`;

test('stampCommit rewrites only the last entry', () => {
  const out = stampCommit(LOG, SHA);
  assert.ok(out);
  assert.equal(out, LOG.replace(/- Commit: this commit\n- Hypothesis: b/, `- Commit: ${SHA}\n- Hypothesis: b`));
  assert.match(out, /### Iteration 1 - first\n- Date: 2026-11-01\n- Commit: this commit/);
});

test('stampCommit handles (pending), keeps indentation and CRLF', () => {
  const text = '### Iteration 3\r\n  - Commit: (pending)\r\n  - Notes\r\n';
  assert.equal(stampCommit(text, SHA), `### Iteration 3\r\n  - Commit: ${SHA}\r\n  - Notes\r\n`);
});

test('stampCommit takes the bottom-most Commit line of the entry', () => {
  const text = '### Iteration 4\n- Commit: this commit\n- sub\n- Commit: (pending)\n';
  assert.equal(stampCommit(text, SHA), `### Iteration 4\n- Commit: this commit\n- sub\n- Commit: ${SHA}\n`);
});

test('nothing to stamp → undefined: stamped already, no entry, no commit line, placeholder only in an old entry', () => {
  assert.equal(stampCommit(`### Iteration 1\n- Commit: ${SHA}\n`, SHA), undefined);
  assert.equal(stampCommit('# log\n- Commit: this commit\n', SHA), undefined);
  assert.equal(stampCommit('### Iteration 1\n- Date: x\n', SHA), undefined);
  assert.equal(stampCommit('### Iteration 1\n- Commit: this commit\n### Iteration 2\n- Commit: abcdef0\n', SHA), undefined);
  assert.equal(stampCommit('', SHA), undefined);
});

test('stampCommit refuses something that is not a SHA', () => {
  assert.throws(() => stampCommit(LOG, 'HEAD'), /not a commit SHA/);
});

test('markFailedAttempt writes Commit: none (<reason>) on one line', () => {
  const out = markFailedAttempt(LOG, 'post-check-failed:\n  tests');
  assert.ok(out);
  assert.match(out, /### Iteration 2 - second\n- Date: 2026-11-02\n- Commit: none \(post-check-failed: tests\)\n/);
  assert.equal(markFailedAttempt('### Iteration 1\n- Commit: none (x)\n', 'y'), undefined);
});

test('lastEntryCommitLine reads backtick-quoted values', () => {
  assert.equal(lastEntryCommitLine('### Iteration 9\n- Commit: `this commit`\n')?.value, 'this commit');
  assert.ok(stampCommit('### Iteration 9\n- Commit: `this commit`\n', SHA));
});
