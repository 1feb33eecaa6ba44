import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ChildProcessRunner } from '../../src/adapters/process/child-process-runner.js';
import { isSameGroup, processStartTime } from '../../src/adapters/process/process-group.js';
import { isPidDead } from '../helpers/proc.js';
import { createRedactor } from '../../src/redact.js';

const dir = mkdtempSync(join(tmpdir(), 'gdnctl-runner-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const runner = new ChildProcessRunner({ killGraceMs: 200 });

function bash(script: string): string[] {
  return ['bash', '-c', script];
}

/** The first line that is a number: the pid a script printed. */
function pidFrom(lines: string[]): number {
  const line = lines.find((l) => /^\d+$/.test(l));
  assert.ok(line, `no pid printed in ${JSON.stringify(lines)}`);
  return Number(line);
}

describe('ChildProcessRunner', () => {
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

  it('wall and idle limits above the 24.8-day timer limit wait instead of firing at once', async () => {
    const month = 31 * 24 * 3600 * 1000;
    const r = await runner.run({ argv: bash('sleep 0.5; echo done'), cwd: dir, timeoutMs: month, idleTimeoutMs: month });
    assert.equal(r.timedOut, null);
    assert.equal(r.exitCode, 0);
  });

  it('a line cut for length is redacted first: no cut splits a secret', async () => {
    const secret = 'canary-secret-0123456789';
    const redact = createRedactor({ MY_TOKEN: secret });
    const small = new ChildProcessRunner({ killGraceMs: 200, maxLineChars: 1000 });
    // The first write ends half-way into the secret, 2 characters past the limit, so the runner must cut a
    // pending line whose end is the start of a secret; the pause keeps the two writes apart.
    const script = `printf '%s' "$(printf 'x%.0s' $(seq 990))" "\${S:0:12}"; sleep 0.3; printf '%s' "\${S:12}"; printf 'y%.0s' $(seq 2000); printf '%s\\n' "$S"`;
    const pieces: string[] = [];
    const r = await small.run({ argv: bash(script), cwd: dir, env: { ...process.env, S: secret }, redact, onLine: (l) => pieces.push(l) });
    assert.equal(r.exitCode, 0);
    assert.ok(pieces.length > 1, 'the line was cut');
    // What a consumer writes: each piece redacted on its own.
    const clean = pieces.map((p) => redact(p));
    for (let k = 6; k < secret.length; k++) {
      assert.ok(!clean.some((p) => p.includes(secret.slice(0, k)) || p.includes(secret.slice(-k))), `a ${k}-character part of the secret survives in a piece`);
    }
    assert.equal(clean.join('').split('[redacted]').length - 1, 2);
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

  it('a finished leader does not leave its background jobs behind, and does not wait a grace period for them', async () => {
    const slowGrace = new ChildProcessRunner({ killGraceMs: 20_000 });
    const lines: string[] = [];
    const r = await slowGrace.run({ argv: bash('sleep 30 & echo $!; exit 0'), cwd: dir, onLine: (l) => lines.push(l) });
    assert.equal(r.exitCode, 0);
    assert.ok(isPidDead(pidFrom(lines)));
    assert.ok(r.durationMs < 5_000, `took ${r.durationMs} ms`);
  });

  it('returns although a descendant that left the group holds the pipes open', async () => {
    const quick = new ChildProcessRunner({ killGraceMs: 200, stdioDrainMs: 300 });
    const lines: string[] = [];
    const r = await quick.run({ argv: bash('setsid sleep 30 & echo $!; exit 0'), cwd: dir, onLine: (l) => lines.push(l) });
    assert.equal(r.exitCode, 0);
    assert.ok(r.durationMs < 5_000, `took ${r.durationMs} ms`);
    process.kill(pidFrom(lines), 'SIGKILL'); // it escaped our group on purpose; clean it up here
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

  it('a missing binary, a binary not on PATH and a missing working directory are reported, not thrown', async () => {
    const missing = await runner.run({ argv: ['/nonexistent/agent'], cwd: dir });
    assert.equal(missing.exitCode, null);
    assert.match(missing.tail, /could not start \/nonexistent\/agent in .*ENOENT/);
    const notOnPath = await runner.run({ argv: ['gdnctl-no-such-command'], cwd: dir, env: { PATH: dir } });
    assert.equal(notOnPath.exitCode, null);
    assert.match(notOnPath.tail, /could not start gdnctl-no-such-command/);
    const noCwd = await runner.run({ argv: bash('echo ran'), cwd: join(dir, 'no-such-dir') });
    assert.equal(noCwd.exitCode, null);
    assert.match(noCwd.tail, /no-such-dir/);
    assert.doesNotMatch(noCwd.tail, /^ran$/m);
  });

  it('an argument node refuses (a NUL byte) is reported like a binary that cannot start, not thrown', async () => {
    const r = await runner.run({ argv: ['bash', '-c', 'echo a\0b'], cwd: dir });
    assert.equal(r.exitCode, null);
    assert.match(r.tail, /could not start bash: .*null bytes/);
  });

  it('merges the environment over its own: a key set to undefined is removed, PATH finds the binary', async () => {
    process.env.GDNCTL_RUNNER_INHERITED = 'from-parent';
    process.env.GDNCTL_RUNNER_REMOVED = 'should-go';
    try {
      const lines: string[] = [];
      const r = await runner.run({
        argv: bash('echo "in=${GDNCTL_RUNNER_INHERITED:-none} set=${GDNCTL_RUNNER_SET:-none} removed=${GDNCTL_RUNNER_REMOVED:-none}"'),
        cwd: dir,
        env: { GDNCTL_RUNNER_SET: 'given', GDNCTL_RUNNER_REMOVED: undefined },
        onLine: (l) => lines.push(l),
      });
      assert.equal(r.exitCode, 0);
      assert.deepEqual(lines, ['in=from-parent set=given removed=none']);
    } finally {
      delete process.env.GDNCTL_RUNNER_INHERITED;
      delete process.env.GDNCTL_RUNNER_REMOVED;
    }
  });

  it('input a child never reads (it exits first) is no error: the exit code is the child\'s', async () => {
    const r = await runner.run({ argv: bash('exit 4'), cwd: dir, stdin: 'x'.repeat(4 * 1024 * 1024) });
    assert.equal(r.exitCode, 4);
  });

  it('when gdnctl exits mid-run, the running groups are killed on the way out', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../fakes/runner-then-exit.ts', import.meta.url))], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(child.status, 3, child.stderr);
    const pid = Number(child.stdout.trim());
    assert.ok(pid > 0, child.stdout);
    assert.ok(isPidDead(pid), 'the grandchild outlived gdnctl');
  });

  it('killGroup leaves alone a pid that now belongs to another process', async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    child.unref();
    const pid = child.pid!;
    const started = processStartTime(pid);
    assert.ok(started, 'no start time from /proc');
    assert.equal(isSameGroup(pid, started), true);
    await runner.killGroup(pid, 100, String(Number(started) - 1000));
    assert.equal(isPidDead(pid), false, 'an unrelated process was killed');
    await runner.killGroup(pid, 100, started);
    assert.ok(isPidDead(pid));
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
