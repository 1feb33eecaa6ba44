import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { ROOT } from '../helpers/loop-harness.js';

// A signal that lands while node is still loading the CLI bundle (before main() installs its handlers) used to
// kill gdnctl by the signal itself (a shell shows 143 for SIGTERM, 129 for SIGHUP) instead of exit 130; bin/gdnctl
// now installs a stand-in first. A preload module marks the moment the first SIGHUP listener exists (the stand-in's,
// the last of its three), and the signal goes out at once, so it lands inside the bundle load: this also catches a
// signal queued during the load and dropped when main() swaps the handlers (that exited 4 here, not 130).
const BIN = join(ROOT, 'bin', 'gdnctl');

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  test(`${signal} while the bundle is still loading: exit 130, nothing written`, async (t) => {
    const repo = await TempRepo.create({ files: { 'a.txt': 'one\n' } });
    const dir = mkdtempSync(join(tmpdir(), 'gdnctl-sig-early-'));
    t.after(() => {
      repo.dispose();
      rmSync(dir, { recursive: true, force: true });
    });
    const marker = join(dir, 'started');
    const preload = join(dir, 'preload.mjs');
    writeFileSync(
      preload,
      [
        `import { writeFileSync } from 'node:fs';`,
        `const on = process.on.bind(process);`,
        `let done = false;`,
        `process.on = (ev, fn) => { const r = on(ev, fn); if (ev === 'SIGHUP' && !done) { done = true; writeFileSync(${JSON.stringify(marker)}, String(new Error().stack)); } return r; };`,
      ].join('\n'),
    );
    const child = spawn(process.execPath, ['--import', preload, BIN, 'codex-loop', '--iterations', '1'], {
      cwd: repo.dir,
      env: repo.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const closed = new Promise<{ code: number | null; signal: string | null }>((res) => child.on('close', (code, sig) => res({ code, signal: sig })));
    while (!existsSync(marker) && child.exitCode === null) await new Promise((r) => setTimeout(r, 1));
    child.kill(signal);
    const { code, signal: died } = await closed;
    // The first handler must come from the launcher, before the bundle starts loading, or the window stays open.
    assert.match(readFileSync(marker, 'utf8'), /bin\/gdnctl/, 'the first signal handler is installed by bin/gdnctl');
    assert.equal(died, null, `gdnctl died of ${died} instead of exiting 130`);
    assert.equal(code, 130);
    assert.equal(existsSync(join(repo.dir, '.agents')), false, 'no log directory written');
    assert.deepEqual(repo.stashList(), []);
    assert.deepEqual(readdirSync(repo.dir).sort(), ['.git', 'a.txt']);
  });
}
