import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A committed temp repository for the ray-* command tests; a fake pytest prints a pytest summary line. */
export function makeRayRepo(prefix: string, files: Record<string, string> = {}): { repo: string; dispose(): void } {
  const repo = mkdtempSync(join(tmpdir(), prefix));
  const git = (...a: string[]): void => void execFileSync('git', a, { cwd: repo });
  git('init', '-q');
  const all: Record<string, string> = {
    'tests/fake_pytest.sh': [
      '#!/bin/sh',
      'echo "collected 3 items"',
      'echo "args: $*"',
      'echo "seen: EQX=$EQX_ON_ERROR WANDB=$WANDB_MODE FOO=$FOO HF=${#HF_TOKEN}"',
      'echo "echo-secret: $HF_TOKEN"',
      'if [ -f ../FAIL ]; then echo "==== 1 failed, 2 passed in 0.12s ===="; exit 1; fi',
      'if [ -n "$SLEEP" ]; then sleep "$SLEEP"; fi',
      'echo "==== 3 passed, 1 skipped in 0.10s ===="',
      '',
    ].join('\n'),
    '.gitignore': 'ignored.txt\n',
    'gdnctl.yaml': [
      'testSuites:',
      '  kernels: { cwd: tests, command: "sh fake_pytest.sh", files: [test_kernels.py] }',
      '  layer: { cwd: tests, command: "sh fake_pytest.sh", files: [test_layer.py] }',
      '',
    ].join('\n'),
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), text);
  }
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-qm', 'init');
  return { repo, dispose: () => rmSync(repo, { recursive: true, force: true }) };
}
