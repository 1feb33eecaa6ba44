import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runProgram } from '../helpers/cli.js';
import { generateHillclimbLog } from '../fixtures/hillclimb-log.js';

const temps: string[] = [];
after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

const gitEnv = {
  PATH: process.env.PATH,
  HOME: '/nonexistent',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.com',
};

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { env: gitEnv, encoding: 'utf8' }).trim();
}

/** A real repository with one commit; returns its folder and that commit's SHA. */
function repo(): { dir: string; sha: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-lint-'));
  temps.push(dir);
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'kernel.py'), 'x = 1\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'kernel');
  return { dir, sha: git(dir, 'rev-parse', 'HEAD') };
}

const LOG = 'lib/levanter/.agents/projects/gdn_pallas_tpu_hillclimb.md';

function entry(n: string, commit: string): string {
  return `### Iteration ${n} - fuse\n- Date: 2026-11-23\n- Commit: ${commit}\n- Hypothesis: h\n- Change summary: c\n- Correctness checks: ok\n- MFU/throughput delta: +5%\n- Next hypothesis: n\n`;
}

function writeLog(dir: string, text: string, path = LOG): string {
  const file = join(dir, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

async function run(cwd: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const { code, stdout, stderr } = await runProgram(['lint-log', ...argv], { cwd, env: { PATH: process.env.PATH } });
  return { code, out: stdout, err: stderr };
}

test('clean log at the default path (hillclimbLog, relative to the workdir) with a real SHA passes', async () => {
  const { dir, sha } = repo();
  writeLog(dir, '# log\n\n' + entry('1', sha.slice(0, 7)));
  const r = await run(dir);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /log lint passed: lib\/levanter\/.*hillclimb\.md \(1 entry checked, scope last-entry\)/);
});

test('anchor: pending -> 1, this commit -> 1, each allowed by its flag', async () => {
  const { dir } = repo();
  writeLog(dir, entry('1', '(pending)'));
  assert.equal((await run(dir)).code, 1);
  assert.equal((await run(dir, '--allow-pending')).code, 0);
  writeLog(dir, entry('1', 'this commit'));
  const r = await run(dir);
  assert.equal(r.code, 1);
  assert.match(r.out, /hillclimb\.md:3: commit-this-commit: /);
  assert.equal((await run(dir, '--allow-this-commit')).code, 0);
});

test('a SHA missing from the repository fails in one batch; --no-verify-commits skips the lookup', async () => {
  const { dir, sha } = repo();
  writeLog(dir, entry('1', sha) + entry('2', 'deadbee') + entry('3', `${sha.slice(0, 8)}..0123456789abcdef`), 'log.md');
  const r = await run(dir, '--log-file', 'log.md', '--scope', 'all');
  assert.equal(r.code, 1, r.out + r.err);
  const lines = r.out.trim().split('\n');
  assert.deepEqual(lines.slice(0, -1).map((l) => l.split(': ')[0] + ':' + l.split(': ')[1]), [
    'log.md:11:commit-not-found',
    'log.md:19:commit-not-found',
  ]);
  assert.match(lines[0]!, /deadbee does not exist/);
  assert.equal((await run(dir, '--log-file', 'log.md', '--scope', 'all', '--no-verify-commits')).code, 0);
});

test('a tag or tree SHA is not a commit; Commit: none (<reason>) is accepted', async () => {
  const { dir } = repo();
  const tree = git(dir, 'rev-parse', 'HEAD^{tree}');
  writeLog(dir, entry('1', tree) + entry('2', 'none (tests failed, reverted)'), 'log.md');
  const r = await run(dir, '--log-file', 'log.md', '--scope', 'all', '--json');
  assert.equal(r.code, 1);
  const json = JSON.parse(r.out) as { ok: boolean; problems: Array<{ line: number; rule: string }> };
  assert.equal(json.ok, false);
  assert.deepEqual(json.problems.map((p) => [p.line, p.rule]), [[3, 'commit-not-found']]);
});

test('--json prints {file, scope, ok, problems} with every problem and its line', async () => {
  const { dir, sha } = repo();
  const file = writeLog(dir, entry('2', '(pending)') + entry('1', sha) + '### Iteration 1a\n- Commit: this commit\n');
  const r = await run(dir, '--json', '--scope', 'all');
  assert.equal(r.code, 1);
  const json = JSON.parse(r.out) as Record<string, unknown>;
  assert.equal(json.file, file);
  assert.equal(json.scope, 'all');
  assert.equal(json.ok, false);
  const problems = json.problems as Array<{ line: number; rule: string; message: string }>;
  assert.deepEqual(
    problems.map((p) => `${p.line}:${p.rule}`),
    ['3:commit-pending', '9:heading-number-decreased', ...Array(6).fill('17:missing-field'), '18:commit-this-commit'],
  );
});

test('anchor: missing file -> 2 with a fix; a directory in its place (EISDIR) -> 2', async () => {
  const { dir } = repo();
  const missing = await run(dir);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /log file not found; create it, or point --log-file/);
  assert.equal(missing.out, '');
  mkdirSync(join(dir, LOG), { recursive: true });
  const isDir = await run(dir);
  assert.equal(isDir.code, 2);
  assert.match(isDir.err, /is a directory, not a log file/);
  const asJson = await run(dir, '--json');
  assert.equal(asJson.code, 2);
  assert.equal((JSON.parse(asJson.out) as { error: { code: string } }).error.code, 'EISDIR');
});

test('outside a git repository, commits cannot be verified: exit 2 naming --no-verify-commits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-nogit-'));
  temps.push(dir);
  writeLog(dir, entry('1', 'abc1234'), 'log.md');
  const r = await run(dir, '--log-file', 'log.md');
  assert.equal(r.code, 2);
  assert.match(r.err, /--no-verify-commits/);
  assert.equal((await run(dir, '--log-file', 'log.md', '--no-verify-commits')).code, 0);
});

test('requiredFields from gdnctl.yaml replaces the default list', async () => {
  const { dir, sha } = repo();
  writeLog(dir, `### Iteration 1\n- Commit: ${sha}\n- Result: ok\n`, 'log.md');
  assert.equal((await run(dir, '--log-file', 'log.md')).code, 1);
  writeFileSync(join(dir, 'gdnctl.yaml'), 'requiredFields: [Commit, result]\n');
  const r = await run(dir, '--log-file', 'log.md');
  assert.equal(r.code, 0, r.out + r.err);
});

test('global log flags reach the logger: --verbose --log-format json puts JSON lines on stderr, --quiet none', async () => {
  const { dir, sha } = repo();
  writeLog(dir, entry('1', sha));
  const verbose = await run(dir, '--verbose', '--log-format', 'json');
  assert.equal(verbose.code, 0);
  const lines = verbose.err.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; entriesChecked: number });
  assert.deepEqual(lines.map((l) => [l.msg, l.entriesChecked]), [['lint-log checked', 1]]);
  const quiet = await run(dir, '--quiet', '--log-format', 'json');
  assert.equal(quiet.err, '');
});

/** A repository with `n` commits; their full SHAs, oldest first. */
function repoWithCommits(n: number): { dir: string; shas: string[] } {
  const { dir, sha } = repo();
  const shas = [sha];
  for (let i = 1; i < n; i++) {
    writeFileSync(join(dir, 'kernel.py'), `x = ${i + 1}\n`);
    git(dir, 'commit', '-q', '-am', `kernel ${i}`);
    shas.push(git(dir, 'rev-parse', 'HEAD'));
  }
  return { dir, shas };
}

test('a generated 50-entry log in the real style, naming real commits by short and full SHA, passes --scope all', async () => {
  const { dir, shas } = repoWithCommits(12);
  writeLog(dir, generateHillclimbLog({ entries: 50, seed: 21, commits: shas }).text);
  const r = await run(dir, '--scope', 'all');
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /\(50 entries checked, scope all\)/);
  // The same log with made-up SHAs: the lookup is really made (and finds nothing).
  writeLog(dir, generateHillclimbLog({ entries: 50, seed: 21 }).text);
  const fake = await run(dir, '--scope', 'all');
  assert.equal(fake.code, 1);
  assert.match(fake.out, /commit-not-found/);
});

test('the seed post-check (gdnctl lint-log, last entry) still finds a genuinely missing field in a real-style log', async () => {
  const { dir, shas } = repoWithCommits(3);
  const g = generateHillclimbLog({ entries: 50, seed: 22, commits: shas, omit: new Map([[49, ['MFU/throughput delta' as const]]]) });
  writeLog(dir, g.text);
  const r = await run(dir);
  assert.equal(r.code, 1, r.out + r.err);
  const head = g.entries[49]!.headingLine;
  assert.match(r.out, new RegExp(`hillclimb\\.md:${head}: missing-field: ${g.entries[49]!.label} has no "- MFU/throughput delta:" line`));
});

test('--required-fields with alternatives fits an existing log; an empty spelling is exit 2', async () => {
  const { dir, sha } = repo();
  writeLog(dir, `### Iteration 1\n- Commit: ${sha}\n- Outcome (after the rerun): ok\n`, 'log.md');
  assert.equal((await run(dir, '--log-file', 'log.md', '--required-fields', 'Commit', '--required-fields', 'Result')).code, 1);
  const ok = await run(dir, '--log-file', 'log.md', '--required-fields', 'Commit', '--required-fields', 'Result|Outcome');
  assert.equal(ok.code, 0, ok.out + ok.err);
  const bad = await run(dir, '--log-file', 'log.md', '--required-fields', 'Result|');
  assert.equal(bad.code, 2);
  assert.equal(bad.out, '');
  assert.match(bad.err, /^gdnctl: --required-fields: expected a field name or alternatives such as "Hypothesis\|Selected hypothesis"/);
});
