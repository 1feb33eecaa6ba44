import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ExecaCommandRunner } from '../../src/adapters/process/execa-command-runner.js';
import { isPidDead } from '../helpers/proc.js';

const dir = mkdtempSync(join(tmpdir(), 'gdnctl-runner-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const runner = new ExecaCommandRunner({ killGraceMs: 200 });

function bash(script: string): string[] {
  return ['bash', '-c', script];
}

/** The first line that is a number: the pid a script printed. */
function pidFrom(lines: string[]): number {
  const line = lines.find((l) => /^\d+$/.test(l));
  assert.ok(line, `no pid printed in ${JSON.stringify(lines)}`);
  return Number(line);
}

describe('ExecaCommandRunner', () => {
  it('feeds stdin then closes it, streams both streams as lines, reports the exit code', async () => {
    const lines: Array<[string, string]> = [];
    const r = await runner.run({
      argv: bash('cat; echo oops >&2; exit 3'),
      cwd: dir,
      stdin: 'hello\nworld\n',
      onLine: (l, s) => lines.push([l, s]),
    });
    assert.equal(r.exitCode, 3);
    assert.equal(r.signal, null);
    assert.equal(r.timedOut, null);
    assert.deepEqual(lines, [
      ['hello', 'stdout'],
      ['world', 'stdout'],
      ['oops', 'stderr'],
    ]);
    assert.match(r.tail, /hello\nworld\n/);
  });

  it('reports a death by signal', async () => {
    const r = await runner.run({ argv: bash('kill -TERM $$'), cwd: dir });
    assert.equal(r.exitCode, null);
    assert.equal(r.signal, 'SIGTERM');
  });

  it('runs the child as the leader of its own process group (onSpawn gets the pgid)', async () => {
    let pgid = 0;
    const lines: string[] = [];
    await runner.run({ argv: bash('ps -o pgid= -p $$'), cwd: dir, onSpawn: (p) => (pgid = p), onLine: (l) => lines.push(l.trim()) });
    assert.ok(pgid > 0);
    assert.equal(Number(lines[0]), pgid);
  });

  it('wall timeout kills a grandchild that ignores SIGINT and SIGTERM', async () => {
    const lines: string[] = [];
    const r = await runner.run({
      argv: bash('(trap "" INT TERM; exec sleep 30) & echo $!; wait'),
      cwd: dir,
      timeoutMs: 300,
      onLine: (l) => lines.push(l),
    });
    assert.equal(r.timedOut, 'wall');
    assert.ok(isPidDead(pidFrom(lines)), 'grandchild survived');
    assert.ok(r.durationMs < 5_000, `took ${r.durationMs} ms`);
  });

  it('idle timeout fires when output stops, not while output flows', async () => {
    const quiet = await runner.run({ argv: bash('echo start; sleep 30'), cwd: dir, idleTimeoutMs: 300, timeoutMs: 20_000 });
    assert.equal(quiet.timedOut, 'idle');
    assert.ok(quiet.durationMs < 5_000);
    const chatty = await runner.run({
      argv: bash('for i in 1 2 3 4 5 6; do echo $i; sleep 0.1; done'),
      cwd: dir,
      idleTimeoutMs: 400,
    });
    assert.equal(chatty.timedOut, null);
    assert.equal(chatty.exitCode, 0);
  });

  it('an abort signal ends the whole group', async () => {
    const ac = new AbortController();
    const lines: string[] = [];
    const r = await runner.run({
      argv: bash('sleep 30 & echo $!; wait'),
      cwd: dir,
      signal: ac.signal,
      onLine: (l) => {
        lines.push(l);
        ac.abort();
      },
    });
    assert.equal(r.aborted, true);
    assert.equal(r.timedOut, null);
    assert.ok(isPidDead(pidFrom(lines)));
  });

  it('a finished leader does not leave its background jobs behind', async () => {
    const lines: string[] = [];
    const r = await runner.run({ argv: bash('sleep 30 & echo $!; exit 0'), cwd: dir, onLine: (l) => lines.push(l) });
    assert.equal(r.exitCode, 0);
    assert.ok(isPidDead(pidFrom(lines)));
    assert.ok(r.durationMs < 5_000);
  });

  it('tees the complete output to a file while keeping only a bounded tail', async () => {
    const tee = join(dir, 'out', 'tee.log');
    let count = 0;
    const bytes = 3_000_000;
    const r = await runner.run({
      argv: bash(`yes 0123456789 | head -c ${bytes}; echo done >&2`),
      cwd: dir,
      teeFile: tee,
      onLine: () => count++,
    });
    assert.equal(r.exitCode, 0);
    assert.equal(statSync(tee).size, bytes + 'done\n'.length);
    assert.equal(count, Math.ceil(bytes / 11) + 1);
    assert.ok(r.tail.length <= 64 * 1024, `tail ${r.tail.length}`);
    assert.match(readFileSync(tee, 'utf8').slice(0, 22), /^0123456789\n0123456789\n$/);
  });

  it('a missing binary is reported, not thrown', async () => {
    const r = await runner.run({ argv: ['/nonexistent/agent'], cwd: dir });
    assert.equal(r.exitCode, null);
    assert.match(r.tail, /ENOENT|nonexistent/);
  });

  it('killGroup ends a leftover group that is not our child', async () => {
    const child = spawn('bash', ['-c', 'trap "" INT; sleep 30 & wait'], { detached: true, stdio: 'ignore' });
    child.unref();
    const pgid = child.pid!;
    await new Promise((r) => setTimeout(r, 100));
    await runner.killGroup(pgid, 150);
    assert.ok(isPidDead(pgid));
  });
});
