import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeProgram } from '../../src/cli/program.js';
import { Interrupt } from '../../src/cli/interrupt.js';
import { captureStream } from '../helpers/cli.js';

async function help(...argv: string[]): Promise<{ code: number; out: string }> {
  // One stream for both: help goes to stdout, usage errors to stderr, and the tests read either.
  const out = captureStream();
  const cli = makeProgram({ stdout: out, stderr: out, env: {}, cwd: '/', interrupt: new Interrupt() });
  const code = await cli.run(argv);
  return { code, out: out.text() };
}

test('top-level --help lists the commands, global options and exit codes', async () => {
  const r = await help('--help');
  assert.equal(r.code, 0);
  for (const s of ['lint-log', 'directives', '--config <file>', '--print-config', 'Exit codes:']) assert.ok(r.out.includes(s), s);
});

test('subcommand flags from the schema are registered for every way of asking for help', async () => {
  for (const argv of [
    ['lint-log', '--help'],
    ['help', 'lint-log'],
    ['--config', 'x.yaml', 'lint-log', '-h'],
  ]) {
    const r = await help(...argv);
    assert.equal(r.code, 0, argv.join(' '));
    assert.match(r.out, /--scope <scope>/, argv.join(' '));
    assert.match(r.out, /\$ gdnctl lint-log --scope all --json/, argv.join(' '));
  }
  for (const argv of [['directives', 'list', '--help'], ['directives', 'help', 'list']]) {
    assert.match((await help(...argv)).out, /--directives-dir <dir>/, argv.join(' '));
  }
});

test('loadAllOptions registers every subcommand flag without running anything', async () => {
  const cli = makeProgram({ stdout: process.stdout, stderr: process.stderr, env: {}, cwd: '/', interrupt: new Interrupt() });
  await cli.loadAllOptions();
  const lint = cli.program.commands.find((c) => c.name() === 'lint-log')!;
  assert.ok(lint.options.some((o) => o.long === '--no-verify-commits'));
});

test('an unknown command is a usage error (exit 2)', async () => {
  const r = await help('lnt-log');
  assert.equal(r.code, 2);
  assert.match(r.out, /unknown command 'lnt-log'/);
});

test('an unknown command is exit 2 with one line naming the nearest command, with or without --help', async () => {
  for (const [argv, word, near] of [
    [['lint-logg'], 'lint-logg', 'lint-log'],
    [['lint-logg', '--help'], 'lint-logg', 'lint-log'],
    [['--help', 'lint-logg'], 'lint-logg', 'lint-log'],
    [['help', 'lint-logg'], 'lint-logg', 'lint-log'],
    [['--config', 'x.yaml', 'dev-tpu-alocate', '-h'], 'dev-tpu-alocate', 'dev-tpu-allocate'],
    [['directives', 'lst', '--help'], 'lst', 'list'],
    [['help', 'directives', 'lst'], 'lst', 'list'],
  ] as const) {
    const r = await help(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.equal(r.out, `gdnctl: unknown command '${word}'; did you mean ${near}?\n`, argv.join(' '));
  }
  const far = await help('xyzzy', '--help');
  assert.deepEqual([far.code, far.out], [2, "gdnctl: unknown command 'xyzzy'; see gdnctl --help for the commands\n"]);
  // Help for real commands and groups is untouched, and a leaf's positional argument is not a command.
  assert.equal((await help('directives', '--help')).code, 0);
  assert.equal((await help('help', 'directives', 'list')).code, 0);
  assert.doesNotMatch((await help('status', 'no-such-run', '--help')).out, /unknown command/);
});
