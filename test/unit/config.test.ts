import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config/resolve.js';
import { resilientConfig } from '../../src/config/resilient.js';
import { fields, envFor, flagFor } from '../../src/config/fields.js';
import { makeProgram } from '../../src/cli/program.js';
import { Interrupt } from '../../src/cli/interrupt.js';
import { UsageError } from '../../src/errors.js';
import { captureStream as capture } from '../helpers/cli.js';

function repo(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-cfg-'));
  mkdirSync(join(dir, '.git'));
  if (yaml !== undefined) writeFileSync(join(dir, 'gdnctl.yaml'), yaml);
  return dir;
}

test('every schema key has a flag, an env name and a help line', () => {
  for (const f of fields()) {
    assert.match(f.flag, /^--[a-z0-9-]+$/, f.key);
    assert.equal(f.flag, flagFor(f.key));
    assert.match(f.env, /^GDNCTL_[A-Z0-9_]+$/, f.key);
    assert.equal(f.env, envFor(f.key));
    assert.ok(f.meta.help.length > 5, `${f.key} lacks help`);
    assert.ok(f.meta.commands.length > 0, `${f.key} is exposed by no command`);
  }
});

test('precedence: flag > env > file > default, with sources', () => {
  const dir = repo('scope: all\nallowPending: true\nrequiredFields: [Date]\n');
  const r = resolveConfig({
    command: 'lint-log',
    flags: { allowPending: false },
    env: { GDNCTL_SCOPE: 'last-entry', GDNCTL_REQUIRED_FIELDS: '["Commit","Date"]' },
    cwd: dir,
  });
  assert.equal(r.values.allowPending, false);
  assert.equal(r.sources.allowPending, 'flag');
  assert.equal(r.values.scope, 'last-entry');
  assert.equal(r.sources.scope, 'env');
  assert.deepEqual(r.values.requiredFields, ['Commit', 'Date']);
  assert.equal(r.values.allowThisCommit, false);
  assert.equal(r.sources.allowThisCommit, 'default');
});

test('file values override defaults; lists replace, never merge', () => {
  const dir = repo('requiredFields: [Date]\n');
  const r = resolveConfig({ command: 'lint-log', flags: {}, env: {}, cwd: dir });
  assert.deepEqual(r.values.requiredFields, ['Date']);
  assert.equal(r.sources.requiredFields, 'file');
});

test('relative paths in the file resolve from the file folder', () => {
  const dir = repo();
  mkdirSync(join(dir, 'conf'));
  writeFileSync(join(dir, 'conf', 'x.yaml'), 'hillclimbLog: logs/h.md\n');
  const r = resolveConfig({ command: 'lint-log', flags: {}, env: {}, cwd: dir, configPath: 'conf/x.yaml' });
  assert.equal(r.values.hillclimbLog, join(dir, 'conf', 'logs', 'h.md'));
});

test('unknown key suggests the nearest valid key, with line and column', () => {
  const dir = repo('scope: all\nallowPendng: true\n');
  assert.throws(
    () => resolveConfig({ command: 'lint-log', flags: {}, env: {}, cwd: dir }),
    (e: unknown) => e instanceof UsageError && /gdnctl\.yaml:2:1: unknown key "allowPendng"; did you mean "allowPending"\?/.test(e.message),
  );
});

test('wrong type names the key, the YAML line and column and what was expected', () => {
  const dir = repo('allowPending: true\nscope: everything\n');
  assert.throws(
    () => resolveConfig({ command: 'lint-log', flags: {}, env: {}, cwd: dir }),
    (e: unknown) => e instanceof UsageError && /gdnctl\.yaml:2:8: scope: expected one of last-entry\|all/.test(e.message),
  );
});

test('YAML syntax error gives one line with position', () => {
  const dir = repo('scope: [all\n');
  assert.throws(
    () => resolveConfig({ command: 'lint-log', flags: {}, env: {}, cwd: dir }),
    (e: unknown) => e instanceof UsageError && /gdnctl\.yaml:\d+:\d+: YAML syntax error/.test(e.message),
  );
});

test('one line per problem', () => {
  const dir = repo('scope: 3\nallowPending: maybe\nbogusKey: 1\n');
  try {
    resolveConfig({ command: 'lint-log', flags: {}, env: {}, cwd: dir });
    assert.fail('expected UsageError');
  } catch (e) {
    assert.ok(e instanceof UsageError);
    assert.equal(e.lines.length, 3, e.message);
  }
});

test('bad env value names the variable', () => {
  const dir = repo();
  assert.throws(
    () => resolveConfig({ command: 'lint-log', flags: {}, env: { GDNCTL_ALLOW_PENDING: 'perhaps' }, cwd: dir }),
    (e: unknown) => e instanceof UsageError && /^GDNCTL_ALLOW_PENDING: expected true or false/.test(e.message),
  );
});

test('--print-config prints values and sources and exits 0', async () => {
  const dir = repo('scope: all\n');
  const out = capture();
  const err = capture();
  const cli = makeProgram({ stdout: out, stderr: err, env: {}, cwd: dir, interrupt: new Interrupt() });
  const code = await cli.run(['--print-config', 'lint-log', '--allow-pending']);
  assert.equal(code, 0, err.text());
  assert.match(out.text(), /scope\s+"all"\s+# file/);
  assert.match(out.text(), /allowPending\s+true\s+# flag/);
  assert.match(out.text(), /allowThisCommit\s+false\s+# default/);
});

test('a bad flag exits 2 with one line', async () => {
  const dir = repo();
  const out = capture();
  const err = capture();
  const cli = makeProgram({ stdout: out, stderr: err, env: {}, cwd: dir, interrupt: new Interrupt() });
  assert.equal(await cli.run(['lint-log', '--scope', 'bogus']), 2);
  assert.equal(err.text().trim().split('\n').length, 1, err.text());
  assert.match(err.text(), /--scope/);
  assert.equal(await cli.run(['lint-log', '--no-such-flag']), 2);
});

test('broken config exits 2 through the program', async () => {
  const dir = repo('scope: nope\n');
  const err = capture();
  const cli = makeProgram({ stdout: capture(), stderr: err, env: {}, cwd: dir, interrupt: new Interrupt() });
  assert.equal(await cli.run(['lint-log']), 2);
  assert.match(err.text(), /gdnctl\.yaml:1:8: scope: expected one of last-entry\|all/);
});

test('--resilient fills only values nobody set: a flag, a GDNCTL_* variable or a file entry keeps its value', () => {
  const dir = repo('dirtyPolicy: fail\n');
  const r = resilientConfig(
    resolveConfig({
      command: 'codex-loop',
      flags: { resilient: true, maxFailures: 5, stashRestorePolicy: 'fail' },
      env: { GDNCTL_POST_CHECK_POLICY: 'fail' },
      cwd: dir,
    }),
  );
  const v = r.values as unknown as Record<string, unknown>;
  assert.deepEqual(
    ['maxFailures', 'stashRestorePolicy', 'postCheckPolicy', 'dirtyPolicy'].map((k) => [k, v[k], r.sources[k as keyof typeof r.sources]]),
    [
      ['maxFailures', 5, 'flag'],
      ['stashRestorePolicy', 'fail', 'flag'],
      ['postCheckPolicy', 'fail', 'env'],
      ['dirtyPolicy', 'fail', 'file'],
    ],
  );
  // The keys nobody set are filled, with "resilient" as their source.
  assert.deepEqual([v.noCommitPolicy, r.sources.noCommitPolicy], ['count-failure', 'resilient']);
  assert.deepEqual([v.iterationErrorPolicy, r.sources.iterationErrorPolicy], ['count-failure', 'resilient']);
});

test('--resilient alone fills the anchor mapping from the defaults', () => {
  const r = resilientConfig(resolveConfig({ command: 'codex-loop', flags: { resilient: true }, env: {}, cwd: repo() }));
  const v = r.values as unknown as Record<string, unknown>;
  assert.deepEqual([v.maxFailures, r.sources.maxFailures], [-1, 'resilient']);
  assert.deepEqual([v.dirtyPolicy, r.sources.dirtyPolicy], ['stash', 'resilient']);
  // Already the value --resilient wants (warn-keep is the default): nothing filled, the source stays "default".
  assert.deepEqual([v.stashRestorePolicy, r.sources.stashRestorePolicy], ['warn-keep', 'default']);
});

test('--print-config shows "resilient" as the source only where --resilient filled the value', async () => {
  const out = capture();
  const err = capture();
  const cli = makeProgram({ stdout: out, stderr: err, env: {}, cwd: repo(), interrupt: new Interrupt() });
  assert.equal(await cli.run(['--print-config', 'codex-loop', '--resilient', '--max-failures', '5', '--dirty-policy', 'fail']), 0, err.text());
  assert.match(out.text(), /^maxFailures\s+5\s+# flag$/m);
  assert.match(out.text(), /^dirtyPolicy\s+"fail"\s+# flag$/m);
  assert.match(out.text(), /^noCommitPolicy\s+"count-failure"\s+# resilient$/m);
});

test('one TPU naming: --cluster/--tpu-name/--tpu-type on dev-tpu-allocate, --dev-tpu-* kept as aliases; the loop takes both', async () => {
  const run = async (...argv: string[]): Promise<{ code: number; out: string; err: string }> => {
    const out = capture();
    const err = capture();
    const cli = makeProgram({ stdout: out, stderr: err, env: {}, cwd: repo(), interrupt: new Interrupt() });
    const code = await cli.run(argv);
    return { code, out: out.text(), err: err.text() };
  };
  const keys = (text: string): string[] => text.split('\n').filter((l) => /^(devTpuCluster|devTpuName|devTpuType) /.test(l)).map((l) => l.replace(/\s+/g, ' '));
  for (const argv of [
    ['dev-tpu-allocate', '--cluster', 'us-east5-a', '--tpu-name', 'me-gdn', '--tpu-type', 'v5p-8'],
    ['dev-tpu-allocate', '--dev-tpu-cluster', 'us-east5-a', '--dev-tpu-name', 'me-gdn', '--dev-tpu-type', 'v5p-8'],
    ['codex-loop', '--dev-tpu-cluster', 'us-east5-a', '--dev-tpu-name', 'me-gdn', '--dev-tpu-type', 'v5p-8'],
    ['codex-loop', '--cluster', 'us-east5-a', '--tpu-name', 'me-gdn', '--tpu-type', 'v5p-8'],
  ]) {
    const r = await run('--print-config', ...argv);
    assert.equal(r.code, 0, `${argv.join(' ')}: ${r.err}`);
    assert.deepEqual(keys(r.out), ['devTpuCluster "us-east5-a" # flag', 'devTpuName "me-gdn" # flag', 'devTpuType "v5p-8" # flag'], argv.join(' '));
  }
  // --help shows one naming per command; aliases are accepted but not listed.
  const allocate = (await run('dev-tpu-allocate', '--help')).out;
  assert.match(allocate, /^ {2}--tpu-name <name> /m);
  assert.match(allocate, /^ {2}--cluster <cluster> /m);
  assert.doesNotMatch(allocate, /^ {2}--dev-tpu-(name|cluster|type) /m);
  const loop = (await run('codex-loop', '--help')).out;
  assert.match(loop, /^ {2}--dev-tpu-name <name> /m);
  assert.doesNotMatch(loop, /^ {2}--tpu-name /m);
  const status = (await run('dev-tpu-status', '--help')).out;
  assert.doesNotMatch(status, /^ {2}--dev-tpu-(name|cluster) /m);
  assert.equal((await run('--print-config', 'dev-tpu-status', '--dev-tpu-name', 'old-name')).code, 0, 'the old spelling still works on status');
});

test('YAML anchors, aliases and merge keys resolve (they used to arrive as alias objects and fail the schema)', () => {
  const dir = repo(
    [
      'postCheck: &checks ["pytest -q tests/a", "pytest -q tests/b"]',
      'protect: *checks',
      'sleepSeconds: &pause 3',
      'retrySleepSeconds: *pause',
      'clusters:',
      '  base: &base { zone: us-central1-a, acceleratorType: v5p-8 }',
      '  east: { <<: *base, zone: us-east5-a }',
    ].join('\n') + '\n',
  );
  const r = resolveConfig({ command: 'codex-loop', flags: {}, env: {}, cwd: dir });
  assert.deepEqual(r.values.protect, ['pytest -q tests/a', 'pytest -q tests/b']);
  assert.deepEqual(r.values.postCheck, r.values.protect);
  assert.equal(r.values.retrySleepSeconds, 3);
  const clusters = r.values.clusters as Record<string, { zone: string; acceleratorType?: string }>;
  assert.equal(clusters.east?.zone, 'us-east5-a');
  assert.equal(clusters.east?.acceleratorType, 'v5p-8');
});

test('config paths are real paths: a workdir reached through a symlink resolves to the repository itself', () => {
  const dir = repo();
  const link = `${dir}-link`;
  symlinkSync(dir, link);
  const r = resolveConfig({ command: 'codex-loop', flags: { workdir: link }, env: {}, cwd: tmpdir() });
  assert.equal(r.values.workdir, realpathSync(dir));
  assert.equal(r.values.logDir, join(realpathSync(dir), '.agents', 'logs', 'gdn_codex_loop'));
});
