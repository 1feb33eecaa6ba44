import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codexLimitResetAt } from '../../src/adapters/agents/codex-limits.js';
import { helpFlags, probeCodexHelp, rememberCodexHelp } from '../../src/adapters/agents/codex-help.js';
import type { CommandRunner, ProcessSpec } from '../../src/ports/process.js';

// Local time, as codex prints it: 2026-03-10 09:15:30 here.
const NOW = new Date(2026, 2, 10, 9, 15, 30).getTime();
const local = (...a: [number, number, number, number, number]): number => new Date(...a).getTime();

test("codex's reset times: same day, another day, a bare time long past (tomorrow), seconds from now; none", () => {
  assert.equal(codexLimitResetAt('You’ve hit your usage limit. Try again at 2:09 PM.', NOW), local(2026, 2, 10, 14, 9) + 60_000);
  assert.equal(codexLimitResetAt("You've hit your usage limit. Try again at 12:05 AM.", local(2026, 2, 10, 23, 50)), local(2026, 2, 11, 0, 5) + 60_000);
  assert.equal(codexLimitResetAt('You’ve hit your usage limit. Try again at Dec 5th, 2026 1:09 AM.', NOW), local(2026, 11, 5, 1, 9) + 60_000);
  assert.equal(codexLimitResetAt('You’ve hit your usage limit. Upgrade to Pro (…), visit … to purchase more credits or try again at Mar 11th, 2026 12:00 PM.', NOW), local(2026, 2, 11, 12, 0) + 60_000);
  assert.equal(codexLimitResetAt('rate limit exceeded: Rate limit reached for gpt. Please try again in 1.5s.', NOW), NOW + 1500);
  assert.equal(codexLimitResetAt('rate limit exceeded: … Please try again in 20ms.', NOW), NOW + 20);
  assert.equal(codexLimitResetAt('You’ve hit your usage limit. Try again later.', NOW), undefined);
  assert.equal(codexLimitResetAt('exceeded retry limit, last status: 429 Too Many Requests', NOW), undefined);
  assert.equal(codexLimitResetAt('Try again at 13:09 PM.', NOW), undefined, 'not a 12-hour time');
});

const HELP = `Options:
  -c, --config <key=value>
          Override a configuration value
      --ephemeral
          Run without persisting session files to disk
  -s, --sandbox <SANDBOX_MODE>
      --output-schema <FILE>
          use --search to search (prose, not an option)
      --search-path <DIR>
`;

test('helpFlags: the flags of option lines only', () => {
  assert.deepEqual(helpFlags(HELP).sort(), ['--config', '--ephemeral', '--output-schema', '--sandbox', '--search-path', '-c', '-s']);
});

test('the help probe runs once per binary and is cached in a file keyed by the binary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-help-'));
  try {
    const bin = join(dir, 'codex');
    writeFileSync(bin, '#!/bin/sh\n');
    chmodSync(bin, 0o755);
    const specs: ProcessSpec[] = [];
    const runner: CommandRunner = {
      run: async (spec) => {
        specs.push(spec);
        for (const l of HELP.split('\n')) spec.onLine?.(l, 'stdout');
        return { exitCode: 0, signal: null, timedOut: null, aborted: false, durationMs: 1, tail: '' };
      },
      killGroup: async () => undefined,
    };
    const cache = join(dir, 'cache', 'codex-exec-help.json');
    const first = await probeCodexHelp(bin, runner, {}, cache);
    assert.equal(first.probed, true);
    assert.equal(existsSync(cache), false, 'the probe itself writes nothing (a refusal after preflight must leave no file)');
    rememberCodexHelp(cache, bin, first.flags ?? []);
    assert.deepEqual(specs.map((s) => s.argv), [[bin, 'exec', '--help']]);
    const entry = Object.entries((JSON.parse(readFileSync(cache, 'utf8')) as { entries: Record<string, { flags: string[] }> }).entries);
    assert.equal(entry.length, 1);
    assert.ok(entry[0]![0].startsWith(`${bin}|`), 'keyed by the binary path and its version stamp');
    // What a later process finds: a binary with an entry in the file is answered from it, without a spawn.
    const later = join(dir, 'codex-later');
    writeFileSync(later, '#!/bin/sh\n# later\n');
    chmodSync(later, 0o755);
    const st = statSync(later);
    const file = JSON.parse(readFileSync(cache, 'utf8')) as { entries: Record<string, { flags: string[]; at: string }> };
    file.entries[`${later}|${st.size}|${Math.round(st.mtimeMs)}`] = { flags: ['--only-this'], at: 'earlier' };
    writeFileSync(cache, JSON.stringify(file));
    assert.deepEqual(await probeCodexHelp(later, runner, {}, cache), { flags: ['--only-this'], probed: false });
    assert.equal(specs.length, 1, 'no spawn for a cached binary');
    // Another binary (another version stamp): probed again.
    const other = join(dir, 'codex2');
    writeFileSync(other, '#!/bin/sh\n# another version\n');
    chmodSync(other, 0o755);
    const again = await probeCodexHelp(other, runner, {}, cache);
    assert.equal(again.probed, true);
    assert.equal(specs.length, 2);
    rememberCodexHelp(cache, other, again.flags ?? []);
    assert.equal(Object.keys((JSON.parse(readFileSync(cache, 'utf8')) as { entries: object }).entries).length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
