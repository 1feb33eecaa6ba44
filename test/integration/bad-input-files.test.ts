/**
 * Bad input, part 2: config files, prompt and directive files, presets, the log dir and post-check syntax.
 * Each case exits 2 with one line naming the file and the fix, and writes nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loop, runBadInputCase, type BadInputCase } from '../helpers/bad-input-case.js';

const LOG_DIR = '.agents/logs/gdn_codex_loop';

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
  {
    name: 'three problems at once: one line each',
    argv: (w) => loop('--prompt-file', join(w.outside, 'gone.md'), '--directive-preset', 'nope', '--post-check', "echo 'x"),
    line: [/prompt file .*gone\.md cannot be read/, /unknown directive preset "nope"/, /--post-check .* is not valid shell/],
  },
];

for (const c of cases) test(`bad file: ${c.name}`, () => runBadInputCase(c));
