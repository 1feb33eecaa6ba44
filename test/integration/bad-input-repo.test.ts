/**
 * Bad input, part 3: the repository's state (not a repository, no commit, detached HEAD, a merge in progress,
 * a live loop's lock), the other subcommands' bad values, and the built bin/gdnctl as a real process — including
 * a missing codex binary, which exits 4 under the same "nothing written" rule (docs/architecture.md exit-code table).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { processStartTicks } from '../../src/adapters/run-lock.js';
import { loop, runBadInputCase, type BadInputCase } from '../helpers/bad-input-case.js';
import { snapshot } from '../helpers/write-snapshot.js';
import { TempRepo } from '../helpers/temp-repo.js';
import { runCli } from '../helpers/cli.js';
import { bin, staleBundle } from '../helpers/bundle.js';

/** PATH with node and git but no codex anywhere. */
const NO_CODEX_PATH = `${process.execPath.replace(/\/node$/, '')}:/usr/bin:/bin`;

const cases: BadInputCase[] = [
  { name: 'not a git repository', cwd: (w) => w.outside, argv: () => loop(), line: /is not a git repository; run git init there or pass --workdir <repo>/ },
  { name: '--workdir that does not exist', argv: (w) => loop('--workdir', join(w.outside, 'missing')), line: /missing.*(does not exist|not a git repository).*--workdir/ },
  {
    name: 'a repository with no commits',
    setup: (w) => {
      mkdirSync(join(w.outside, 'fresh'));
      w.repo.git('init', '-q', '-b', 'main', join(w.outside, 'fresh'));
    },
    argv: (w) => loop('--workdir', join(w.outside, 'fresh')),
    line: /has no commit yet; make a first commit/,
  },
  { name: 'a detached HEAD', setup: (w) => w.repo.git('checkout', '-q', '--detach', 'HEAD'), argv: () => loop(), line: /detached HEAD; check out a branch/ },
  {
    name: 'commit.gpgsign on but signing cannot work (gdnctl must commit unattended)',
    setup: (w) => {
      w.repo.git('config', 'commit.gpgsign', 'true');
      w.repo.git('config', 'gpg.program', 'false');
    },
    argv: () => loop(),
    line: /commit\.gpgsign is on in .* but git cannot sign a commit .*git config commit\.gpgsign false/,
  },
  {
    name: 'a merge in progress',
    setup: (w) => {
      w.repo.git('switch', '-q', '-c', 'side');
      w.repo.commit('side', { 'README.md': 'side\n' });
      w.repo.git('switch', '-q', 'main');
      w.repo.commit('main', { 'README.md': 'main\n' });
      assert.notEqual(w.repo.tryGit('merge', '-q', 'side').status, 0);
    },
    argv: () => loop('--dirty-policy', 'stash'),
    line: /a merge is in progress in .*; finish or abort it first \(git merge --continue or git merge --abort\)/,
  },
  {
    name: 'a rebase in progress',
    setup: (w) => {
      w.repo.git('switch', '-q', '-c', 'side');
      w.repo.commit('side', { 'README.md': 'side\n' });
      w.repo.git('switch', '-q', 'main');
      w.repo.commit('main', { 'README.md': 'main\n' });
      w.repo.git('switch', '-q', 'side');
      assert.notEqual(w.repo.tryGit('rebase', '-q', 'main').status, 0);
    },
    argv: () => loop('--dirty-policy', 'stash'),
    line: /a rebase is in progress in .*git rebase --abort/,
  },
  {
    name: 'a dirty tree under --dirty-policy fail',
    setup: (w) => w.repo.write({ 'src/kernel.py': 'x = 2\n', 'notes.txt': 'mine\n' }),
    argv: () => loop(),
    line: /working tree is dirty \(2 paths: .*\); commit or stash them, or pass --dirty-policy stash/,
  },
  {
    name: 'the lock held by a live loop',
    setup: (w) => {
      const info = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command: 'gdnctl codex-loop (other)', procStart: processStartTicks(process.pid) };
      writeFileSync(join(w.repo.dir, '.git', 'gdnctl-loop.lock'), `${JSON.stringify(info)}\n`);
    },
    argv: () => loop(),
    line: /another gdnctl loop \(pid \d+.*holds .*gdnctl-loop\.lock; wait for it or stop it/,
  },
  {
    // Every stash and commit of the run would fail half-way (it used to leave a stopped run behind).
    name: 'a stale .git/index.lock',
    setup: (w) => writeFileSync(join(w.repo.dir, '.git', 'index.lock'), ''),
    argv: () => loop('--dirty-policy', 'stash'),
    line: /\.git\/index\.lock exists: another git command is running in .*, or one crashed and left it; wait for it, or remove the file if no git process is running \(rm .*index\.lock\)/,
  },
  {
    name: 'bin: lint-log with a FIFO as the log file (it used to hang)',
    process: true,
    timeoutMs: 15_000,
    setup: (w) => {
      const r = spawnSync('mkfifo', [join(w.outside, 'log.md')]);
      assert.equal(r.status, 0, String(r.stderr));
    },
    argv: (w) => ['lint-log', '--log-file', join(w.outside, 'log.md')],
    line: /log\.md: is a named pipe \(FIFO\), not a log file; pass the markdown log itself with --log-file/,
  },
  { name: 'dev-tpu-test -e BADKEY', argv: () => ['dev-tpu-test', '-e', 'BADKEY', '--tpu-name', 'me-gdn', '--cluster', 'us-central1'], line: /-e\/--env "BADKEY": expected KEY=VALUE/ },
  { name: 'dev-tpu-test -e 1X=y', argv: () => ['dev-tpu-test', '-e', '1X=y', '--tpu-name', 'me-gdn', '--cluster', 'us-central1'], line: /-e\/--env "1X=y": "1X" is not a valid variable name/ },
  { name: 'dev-tpu-test --tests unknown suite', argv: () => ['dev-tpu-test', '--tests', 'nosuch', '--tpu-name', 'me-gdn', '--cluster', 'us-central1'], line: /nosuch/ },
  { name: 'dev-tpu-profile --profile-env BADKEY', argv: () => ['dev-tpu-profile', '--profile-env', 'BADKEY', '--tpu-name', 'me-gdn', '--cluster', 'us-central1'], line: /--profile-env "BADKEY": expected KEY=VALUE/ },
  {
    name: 'lint-log with a folder as the log file (EISDIR)',
    setup: (w) => mkdirSync(join(w.repo.dir, 'log.md')),
    argv: () => ['lint-log', '--log-file', 'log.md'],
    line: /log\.md.*(EISDIR|is a directory|is a folder).*--log-file/,
  },
  { name: 'lint-log with a missing log file', argv: () => ['lint-log', '--log-file', 'nope.md'], line: /nope\.md.*--log-file/ },
  { name: 'baseline without --bench', argv: () => ['baseline'], line: /no benchmark command; pass --bench/ },
  { name: 'baseline with an invalid --metric-pattern', argv: () => ['baseline', '--bench', 'echo 1', '--metric-pattern', '(?<value>'], line: /--metric-pattern is not a valid regular expression/ },
  {
    name: 'baseline with a file where the log dir should be (ENOTDIR)',
    setup: (w) => {
      mkdirSync(join(w.repo.dir, '.agents', 'logs'), { recursive: true });
      writeFileSync(join(w.repo.dir, '.agents', 'logs', 'gdn_codex_loop'), 'x\n');
    },
    argv: () => ['baseline', '--bench', 'echo 1'],
    line: /gdn_codex_loop is a file, not a folder.*--log-dir/,
  },
  { name: 'an unknown subcommand', argv: () => ['codex-lop', '--iterations', '1'], line: /codex-lop.*codex-loop/ },
  // The built launcher as a real process: main.ts's own error path, not just makeProgram.
  { name: 'bin: not a git repository', process: true, cwd: (w) => w.outside, argv: () => loop(), line: /is not a git repository/ },
  { name: 'bin: --iterations abc', process: true, argv: () => loop('--iterations', 'abc'), line: /--iterations.*abc/ },
  {
    name: 'bin: YAML with a syntax error',
    process: true,
    setup: (w) => writeFileSync(join(w.repo.dir, 'gdnctl.yaml'), 'iterations: [\n'),
    argv: () => loop(),
    line: /gdnctl\.yaml:\d+:\d+: YAML syntax error/,
  },
  {
    name: 'bin: a file where logDir/runs should be',
    process: true,
    setup: (w) => {
      mkdirSync(join(w.repo.dir, '.agents', 'logs', 'gdn_codex_loop'), { recursive: true });
      writeFileSync(join(w.repo.dir, '.agents', 'logs', 'gdn_codex_loop', 'runs'), 'x\n');
    },
    argv: () => loop('--dirty-policy', 'stash'),
    line: /runs is a file, not a folder/,
  },
  {
    name: 'bin: missing codex binary exits 4',
    process: true,
    code: 4,
    env: () => ({ PATH: NO_CODEX_PATH }),
    argv: () => loop(),
    line: /codex.*(not found|cannot be found|no such).*(--codex-bin|install)/i,
  },
  {
    name: 'missing --codex-bin path exits 4 (in process)',
    code: 4,
    argv: (w) => loop('--codex-bin', join(w.outside, 'codex')),
    line: /codex.*--codex-bin/,
  },
];

for (const c of cases) test(`bad repo/command: ${c.name}`, { skip: c.skip?.() ?? false }, () => runBadInputCase(c));

// The snapshot must be able to fail: the same repository, after a loop that did run, is not "unchanged".
test('control: a loop that runs writes the ledger, and the snapshot sees it', async () => {
  const repo = await TempRepo.create({});
  try {
    const before = snapshot(repo.dir);
    const scenario = repo.scratch('scenario.json');
    writeFileSync(scenario, JSON.stringify([{ steps: [] }]));
    const r = await runCli(loop('--allow-no-commit'), {
      cwd: repo.dir,
      env: { ...repo.env, PATH: `${join(process.cwd(), 'test', 'fakes', 'bin')}:${NO_CODEX_PATH}`, FAKE_CODEX_SCENARIO: scenario, GDNCTL_KILL_GRACE_MS: '300' },
    });
    assert.equal(r.code, 0, r.stderr);
    const after = snapshot(repo.dir);
    assert.notDeepStrictEqual(after.tree, before.tree);
    assert.notEqual(after.exclude, before.exclude);
  } finally {
    repo.dispose();
  }
});

// The shell's working directory deleted under it (a cleaned-up scratch folder): one line and exit 2 for a command,
// never node's stack from process.cwd(); help still prints.
test('bin: the current directory was deleted: exit 2 with one line; --help still works', { skip: staleBundle }, () => {
  const gone = mkdtempSync(join(tmpdir(), 'gdnctl-gone-'));
  const run = (...argv: string[]) =>
    spawnSync('bash', ['-c', 'cd "$1" && rmdir "$1" && shift && exec "$@"', 'bash', gone, process.execPath, bin, ...argv], { encoding: 'utf8' });
  for (const argv of [['codex-loop', '--iterations', '1'], ['lint-log'], ['status']]) {
    mkdirSync(gone, { recursive: true });
    const r = run(...argv);
    assert.equal(r.status, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.deepEqual(r.stderr.trim().split('\n'), ['gdnctl: the current directory no longer exists (it was deleted or moved); cd into your project and run the command again']);
  }
  mkdirSync(gone, { recursive: true });
  const help = run('--help');
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: gdnctl/);
});
