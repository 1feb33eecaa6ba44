/**
 * Bad input, part 2: config files, prompt and directive files, presets, the log dir and post-check syntax.
 * Each case exits 2 with one line naming the file and the fix, and writes nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loop, runBadInputCase, type BadInputCase, type CaseWorld } from '../helpers/bad-input-case.js';

const LOG_DIR = '.agents/logs/gdn_codex_loop';

/** A named pipe at `path`: opening it for reading blocks until a writer comes, which is what hung gdnctl. */
function fifo(path: string): string {
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo ${path}: ${r.stderr}`);
  return path;
}

/** Whether this machine lets the test mount a small tmpfs (root with CAP_SYS_ADMIN, as in the project's VM). */
function canMount(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-mnt-'));
  try {
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status !== 0) return 'cannot mount a tmpfs here (needs root)';
    spawnSync('umount', [dir]);
    return undefined;
  } finally {
    rmdirSync(dir);
  }
}
const mountSkip = canMount();

/** A 1 MB tmpfs at `<outside>/mnt`, read-only or filled to the last block. */
function mountDisk(w: CaseWorld, how: 'read-only' | 'full'): void {
  const dir = join(w.outside, 'mnt');
  mkdirSync(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=1m${how === 'read-only' ? ',ro' : ''}`, 'tmpfs', dir]);
  if (r.status !== 0) throw new Error(`mount: ${r.stderr}`);
  if (how === 'full') spawnSync('dd', ['if=/dev/zero', `of=${join(dir, 'fill')}`, 'bs=64k']);
}
const unmount = (w: CaseWorld): void => void spawnSync('umount', [join(w.outside, 'mnt')]);

const cases: BadInputCase[] = [
  {
    name: 'YAML with a syntax error',
    setup: (w) => writeFileSync(join(w.repo.dir, 'gdnctl.yaml'), 'iterations: 2\npostCheck: [unclosed\n'),
    argv: () => loop(),
    line: /gdnctl\.yaml:\d+:\d+: YAML syntax error.*fix the file/,
  },
  {
    name: 'YAML with an unknown key',
    setup: (w) => writeFileSync(join(w.repo.dir, 'gdnctl.yaml'), 'iteratons: 2\n'),
    argv: () => loop(),
    line: /gdnctl\.yaml:1:1: unknown key "iteratons"; did you mean "iterations"/,
  },
  {
    name: 'YAML with a wrong type',
    setup: (w) => writeFileSync(join(w.repo.dir, 'gdnctl.yaml'), 'sleepSeconds: soon\n'),
    argv: () => ['codex-loop', '--iterations', '1'],
    line: /gdnctl\.yaml:1:\d+: sleepSeconds/,
  },
  {
    name: 'YAML with a bad enum value',
    setup: (w) => writeFileSync(join(w.repo.dir, 'gdnctl.yaml'), 'dirtyPolicy: nuke\n'),
    argv: () => ['codex-loop', '--iterations', '1'],
    line: /gdnctl\.yaml:1:\d+: dirtyPolicy: expected one of fail\|stash/,
  },
  {
    name: 'YAML that is a list, not a mapping',
    setup: (w) => writeFileSync(join(w.repo.dir, 'gdnctl.yaml'), '- iterations\n- 2\n'),
    argv: () => loop(),
    line: /gdnctl\.yaml.*(mapping|key)/,
  },
  {
    name: 'YAML clusters entry with a bad zone',
    setup: (w) => writeFileSync(join(w.repo.dir, 'gdnctl.yaml'), 'clusters:\n  mine: { zone: nowhere }\n'),
    argv: () => loop(),
    line: /gdnctl\.yaml:2:\d+: clusters.*zone such as us-central1-a/,
  },
  {
    name: 'YAML with a sub-millisecond timeout',
    setup: (w) => writeFileSync(join(w.repo.dir, 'gdnctl.yaml'), 'codexTimeoutSeconds: 0.0002\n'),
    argv: () => loop(),
    line: /gdnctl\.yaml:1:\d+: codexTimeoutSeconds: 0\.0002 is below one millisecond/,
  },
  { name: '--config missing file', argv: (w) => ['--config', join(w.outside, 'nope.yaml'), ...loop()], line: /nope\.yaml: config file not found; check the --config path/ },
  { name: '--config a directory', argv: (w) => ['--config', w.outside, ...loop()], line: /is a directory, not a config file; pass the YAML file to --config/ },
  { name: 'GDNCTL_CONFIG missing file', argv: () => loop(), env: (w) => ({ GDNCTL_CONFIG: join(w.outside, 'gone.yaml') }), line: /gone\.yaml: config file not found/ },
  { name: 'missing prompt file', argv: (w) => loop('--prompt-file', join(w.outside, 'prompt.md')), line: /prompt file .*prompt\.md cannot be read \(ENOENT\); fix --prompt-file/ },
  {
    name: 'empty prompt file',
    setup: (w) => writeFileSync(join(w.outside, 'prompt.md'), '  \n\n'),
    argv: (w) => loop('--prompt-file', join(w.outside, 'prompt.md')),
    line: /prompt file .* is empty; give it content or drop --prompt-file/,
  },
  {
    name: 'prompt file is a directory',
    argv: (w) => loop('--prompt-file', w.outside),
    line: /prompt file .* cannot be read \(EISDIR\); fix --prompt-file/,
  },
  {
    name: 'prompt with an unknown placeholder',
    setup: (w) => writeFileSync(join(w.outside, 'prompt.md'), 'Iteration {{ITERATION}} of {{TOTAL_ITERATONS}}\n'),
    argv: (w) => loop('--prompt-file', join(w.outside, 'prompt.md')),
    line: /TOTAL_ITERATONS.*fix --prompt-file/,
  },
  {
    name: 'empty directive file',
    setup: (w) => writeFileSync(join(w.outside, 'directive.md'), '\n'),
    argv: (w) => loop('--directive-file', join(w.outside, 'directive.md')),
    line: /directive file .* is empty; give it content or drop --directive-file/,
  },
  { name: 'missing directive file', argv: (w) => loop('--directive-file', join(w.outside, 'gone.md')), line: /directive file .*gone\.md cannot be read \(ENOENT\); fix --directive-file/ },
  { name: 'unknown preset', argv: () => loop('--directive-preset', 'no-such-preset'), line: /unknown directive preset "no-such-preset"; available: .*triangular-inversion/ },
  {
    name: 'a file where the log dir should be (ENOTDIR)',
    setup: (w) => {
      mkdirSync(join(w.repo.dir, '.agents', 'logs'), { recursive: true });
      writeFileSync(join(w.repo.dir, LOG_DIR), 'not a folder\n');
    },
    argv: () => loop('--dirty-policy', 'stash'),
    line: /gdn_codex_loop.* is a file, not a folder.*--log-dir/,
  },
  {
    name: 'a file where a parent of the log dir should be (ENOTDIR)',
    setup: (w) => writeFileSync(join(w.outside, 'logs'), 'a file\n'),
    argv: (w) => loop('--log-dir', join(w.outside, 'logs', 'gdnctl')),
    line: /logs.* is a file, not a folder.*--log-dir/,
  },
  {
    name: 'a file where logDir/runs should be',
    setup: (w) => {
      mkdirSync(join(w.outside, 'ledger'));
      writeFileSync(join(w.outside, 'ledger', 'runs'), 'a file\n');
    },
    argv: (w) => loop('--log-dir', join(w.outside, 'ledger')),
    line: /runs is a file, not a folder.*--log-dir/,
  },
  {
    name: 'a file where --experiments-dir should be',
    setup: (w) => writeFileSync(join(w.outside, 'experiments'), 'a file\n'),
    argv: (w) => loop('--experiments-dir', join(w.outside, 'experiments')),
    line: /experiments is a file, not a folder, so the experiments dir .* cannot be created; move it away or pass --experiments-dir <dir>/,
  },
  { name: 'unbalanced quotes in --post-check', argv: () => loop('--post-check', 'echo "unbalanced'), line: /--post-check "echo \\"unbalanced" is not valid shell \(line 1: unexpected EOF.*\); fix its quoting or syntax/ },
  { name: 'a bash syntax error in --post-check', argv: () => loop('--post-check', 'true', '--post-check', 'if true; then echo'), line: /--post-check "if true; then echo" is not valid shell/ },
  { name: 'unbalanced quotes in --bench', argv: () => loop('--bench', "python bench.py --name 'x"), line: /--bench .* is not valid shell/ },
  // Special files are refused before they are opened: a FIFO hung gdnctl (deaf to SIGTERM), /dev/zero never ends.
  {
    name: 'a FIFO as --prompt-file (bin: it used to hang)',
    process: true,
    timeoutMs: 15_000,
    setup: (w) => fifo(join(w.outside, 'prompt.md')),
    argv: (w) => loop('--prompt-file', join(w.outside, 'prompt.md')),
    line: /prompt file .*prompt\.md is a named pipe \(FIFO\), not a regular file; point --prompt-file at a regular file/,
  },
  {
    name: 'a FIFO as --directive-file (bin: it used to hang)',
    process: true,
    timeoutMs: 15_000,
    setup: (w) => fifo(join(w.outside, 'directive.md')),
    argv: (w) => loop('--directive-file', join(w.outside, 'directive.md')),
    line: /directive file .*directive\.md is a named pipe \(FIFO\), not a regular file; point --directive-file at a regular file/,
  },
  {
    name: 'a FIFO as gdnctl.yaml (bin: it used to hang)',
    process: true,
    timeoutMs: 15_000,
    setup: (w) => fifo(join(w.repo.dir, 'gdnctl.yaml')),
    argv: () => loop(),
    line: /gdnctl\.yaml: the config file is a named pipe \(FIFO\), not a regular file/,
  },
  {
    // Symlinked presets count (a shared folder linked in), so a link to a FIFO was opened.
    name: 'a symlinked preset that is a FIFO (bin: it used to hang)',
    process: true,
    timeoutMs: 15_000,
    setup: (w) => {
      mkdirSync(join(w.outside, 'presets'));
      symlinkSync(fifo(join(w.outside, 'pipe')), join(w.outside, 'presets', 'mine.md'));
    },
    argv: (w) => loop('--directives-dir', join(w.outside, 'presets'), '--directive-preset', 'mine'),
    line: /mine\.md: directive preset is a named pipe \(FIFO\), not a regular file/,
  },
  { name: 'a character device as --prompt-file', argv: () => loop('--prompt-file', '/dev/null'), line: /prompt file \/dev\/null is a character device, not a regular file/ },
  {
    name: 'gdnctl.yaml is a dangling symlink (was silently ignored)',
    setup: (w) => symlinkSync(join(w.outside, 'moved-away.yaml'), join(w.repo.dir, 'gdnctl.yaml')),
    argv: () => loop(),
    line: /gdnctl\.yaml: the config file is a symlink to .*moved-away\.yaml, which does not exist; fix the link or remove it/,
  },
  {
    name: '--config is a dangling symlink',
    setup: (w) => symlinkSync(join(w.outside, 'gone.yaml'), join(w.outside, 'link.yaml')),
    argv: (w) => ['--config', join(w.outside, 'link.yaml'), ...loop()],
    line: /link\.yaml: the config file is a symlink to .*gone\.yaml, which does not exist/,
  },
  {
    name: 'a YAML alias bomb',
    setup: (w) => {
      const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
      for (const [i, n] of ['b', 'c', 'd', 'e'].entries()) levels.push(`${n}: &${n} [${Array(9).fill(`*${'abcd'[i]}`).join(', ')}]`);
      writeFileSync(join(w.repo.dir, 'gdnctl.yaml'), `${levels.join('\n')}\nprotect: *e\n`);
    },
    argv: () => loop(),
    line: /gdnctl\.yaml: its aliases expand to more than 100 copies/,
  },
  { name: '--hillclimb-log naming a folder (was accepted)', argv: (w) => loop('--hillclimb-log', w.outside), line: /--hillclimb-log .* is a folder; point it at the hill-climb log file/ },
  { name: '--target without --bench (was accepted, never reachable)', argv: () => loop('--target', '5'), line: /--target 5 needs --bench.*pass --bench "CMD" \(or --bootstrap-infra\) or drop --target/ },
  // The log dir: each of these used to end in an internal error after the lock and the exclude line were written.
  {
    name: 'the log dir is a dangling symlink',
    setup: (w) => {
      mkdirSync(join(w.repo.dir, '.agents', 'logs'), { recursive: true });
      symlinkSync(join(w.outside, 'nowhere'), join(w.repo.dir, LOG_DIR));
      writeFileSync(join(w.repo.dir, '.git', 'info', 'exclude'), '/.agents/\n');
    },
    argv: () => loop(),
    line: /gdn_codex_loop is a symlink to .*nowhere, which does not exist, so the log dir .* cannot be created; create the target, remove the link, or pass --log-dir <dir>/,
  },
  {
    name: 'the log dir path is longer than PATH_MAX',
    argv: (w) => loop('--log-dir', join(w.outside, ...Array(25).fill('d'.repeat(200)))),
    line: /the log dir path is \d+ bytes long .*4096-byte path limit \(PATH_MAX\); pass a shorter --log-dir <dir>/,
  },
  {
    name: 'a log dir name longer than NAME_MAX',
    argv: (w) => loop('--log-dir', join(w.outside, 'n'.repeat(300), 'logs')),
    line: /folder name of 300 bytes, over the 255-byte limit \(NAME_MAX\); pass a shorter --log-dir <dir>/,
  },
  {
    name: 'the log dir is the repository root itself (the ledger was stashed)',
    argv: (w) => loop('--log-dir', w.repo.dir, '--dirty-policy', 'stash'),
    line: /the log dir .* is the repository root itself: .*pass --log-dir <dir>/,
  },
  {
    name: 'the log dir is on a read-only disk',
    skip: () => mountSkip,
    setup: (w) => mountDisk(w, 'read-only'),
    teardown: unmount,
    argv: (w) => loop('--log-dir', join(w.outside, 'mnt', 'logs')),
    line: /mnt is on a read-only file system, so the log dir .* cannot be written; pass --log-dir <dir> on a writable disk/,
  },
  {
    name: 'the log dir is on a full disk',
    skip: () => mountSkip,
    setup: (w) => mountDisk(w, 'full'),
    teardown: unmount,
    argv: (w) => loop('--log-dir', join(w.outside, 'mnt', 'logs')),
    line: /mnt is on a full disk \(0 KiB free\), so the log dir .* cannot be written; free some space or pass --log-dir <dir> on another disk/,
  },
  {
    name: 'three problems at once: one line each',
    argv: (w) => loop('--prompt-file', join(w.outside, 'gone.md'), '--directive-preset', 'nope', '--post-check', "echo 'x"),
    line: [/prompt file .*gone\.md cannot be read/, /unknown directive preset "nope"/, /--post-check .* is not valid shell/],
  },
];

for (const c of cases) test(`bad file: ${c.name}`, { skip: c.skip?.() ?? false }, () => runBadInputCase(c));
