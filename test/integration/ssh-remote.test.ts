import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SshRemote, STARTED_MARKER } from '../../src/adapters/remote/ssh-remote.js';
import { repoFiles } from '../../src/adapters/remote/local-files.js';
import { createRedactor } from '../../src/redact.js';
import { startSshWorkers, type SshWorkers } from '../helpers/sshd.js';

let workers: SshWorkers;
const cleanups: Array<() => Promise<void> | void> = [];

before(async () => {
  workers = await startSshWorkers({ count: 2 });
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await workers.dispose();
});

function remote(over: Partial<ConstructorParameters<typeof SshRemote>[0]> = {}, deps: ConstructorParameters<typeof SshRemote>[1] = {}): SshRemote {
  const r = new SshRemote(
    {
      user: workers.user,
      port: workers.port,
      keyFile: workers.keyFile,
      knownHostsFile: join(workers.dir, 'known_hosts'),
      connectTimeoutS: 3,
      retries: 0,
      retrySleepMs: 0,
      serverAliveIntervalS: 5,
      controlPersistS: 60,
      ...over,
    },
    deps,
  );
  cleanups.push(() => r.close());
  return r;
}

const w = (i: number) => ({ index: i, host: workers.hosts[i]! });

function gitRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-sync-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir });
  git('init', '-q');
  writeFileSync(join(dir, '.gitignore'), '.venv/\n__pycache__/\n*.log\n');
  mkdirSync(join(dir, 'pkg'));
  writeFileSync(join(dir, 'pkg', 'a.py'), 'A = 1\n');
  writeFileSync(join(dir, 'pkg', 'b.py'), 'B = 2\n');
  writeFileSync(join(dir, 'notes with space.md'), 'hi\n');
  writeFileSync(join(dir, 'local-only.log'), 'ignored locally\n');
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-qm', 'init');
  writeFileSync(join(dir, 'untracked.txt'), 'not ignored, not tracked\n');
  return dir;
}

describe('SshRemote against real sshd workers', () => {
  test('runs on all workers in parallel; per-worker exit codes; marker stripped', async () => {
    const r = remote();
    const lines: Array<[number, string]> = [];
    // Each worker waits for the other's flag file (the workers share this machine's disk): run one after the
    // other, the first would give up after 8 s and exit 7.
    const rendezvous = mkdtempSync(join(tmpdir(), 'gdnctl-rv-'));
    cleanups.push(() => rmSync(rendezvous, { recursive: true, force: true }));
    const me = '${SSH_CONNECTION% *}';
    const cmd = [
      `me=${me}; me=\${me##* }; touch ${rendezvous}/$me`,
      `for i in $(seq 80); do [ $(ls ${rendezvous} | wc -l) -ge 2 ] && { echo "hello from $me"; exit 0; }; sleep 0.1; done; exit 7`,
    ].join('; ');
    const res = await r.runAll([w(0), w(1)], cmd, { onLine: (i, l) => lines.push([i, l]) });
    assert.equal(res.length, 2);
    assert.deepEqual(res.map((x) => x.exitCode), [0, 0], 'workers did not run in parallel');
    assert.ok(lines.some(([i, l]) => i === 0 && l.includes(workers.hosts[0]!)));
    assert.ok(lines.some(([i, l]) => i === 1 && l.includes(workers.hosts[1]!)));
    assert.ok(!lines.some(([, l]) => l.includes(STARTED_MARKER)));
    const codes = await r.runAll([w(0), w(1)], `case "$SSH_CONNECTION" in *" ${workers.hosts[1]} "*) exit 3;; esac; echo ok`, {});
    assert.deepEqual(codes.map((x) => [x.exitCode, x.unreachable]), [[0, false], [3, false]]);
  });

  test('a command that exits 255 is its own code, not an unreachable worker, and is not re-run', async () => {
    const r = remote({ retries: 3 });
    const [res] = await r.runAll([w(0)], 'echo ran; exit 255', {});
    assert.equal(res!.exitCode, 255);
    assert.equal(res!.unreachable, false);
    assert.equal(res!.attempts, 1);
  });

  test('env travels on stdin: argv carries no value, the remote sees it, output is redacted', async () => {
    const secret = 'hf_secretvalue_1234567890';
    const r = remote({}, { redact: createRedactor({ HF_TOKEN: secret }) });
    const built = r.buildRun(w(0), 'echo "token=$HF_TOKEN quote=$Q"', { HF_TOKEN: secret, Q: "it's" });
    assert.ok(!built.argv.join(' ').includes(secret), 'secret in argv');
    assert.ok(built.stdin.includes(secret));
    assert.ok(built.argv.includes(`-p`) && built.argv[built.argv.indexOf('-p') + 1] === String(workers.port));
    const lines: string[] = [];
    const [res] = await r.runAll([w(0)], 'echo "token=$HF_TOKEN quote=$Q"; echo "len=${#HF_TOKEN}"', {
      env: { HF_TOKEN: secret, Q: "it's" },
      onLine: (_i, l) => lines.push(l),
    });
    assert.equal(res!.exitCode, 0);
    assert.ok(lines.includes(`len=${secret.length}`), lines.join('\n'));
    assert.ok(lines.includes("token=[redacted] quote=it's"), lines.join('\n'));
    assert.ok(!res!.output.includes(secret));
  });

  test('trust on first use: host keys land in the dedicated known-hosts file; a changed key is refused', async () => {
    const kh = join(workers.dir, 'tofu_known_hosts');
    const r = remote({ knownHostsFile: kh });
    const res = await r.runAll([w(0), w(1)], 'true', {});
    assert.deepEqual(res.map((x) => x.exitCode), [0, 0]);
    const text = readFileSync(kh, 'utf8');
    assert.match(text, new RegExp(`\\[127\\.0\\.0\\.2\\]:${workers.port} ssh-ed25519`));
    assert.match(text, new RegExp(`\\[127\\.0\\.0\\.3\\]:${workers.port} ssh-ed25519`));
    await r.close();
    // A recorded key that no longer matches is a man-in-the-middle warning, not something to accept.
    writeFileSync(kh, text.replace(/ssh-ed25519 \S+/g, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGYzS1gZ2rP3tHkt9cJ6m0b4k5ZbGk6tJ6m2Yb0pXw1e'));
    const r2 = remote({ knownHostsFile: kh });
    const [bad] = await r2.runAll([w(0)], 'true', {});
    assert.equal(bad!.unreachable, true);
  });

  test('abort (Ctrl-C) ends the remote command too, not only the local ssh', async () => {
    // Without a shared master, killing the local ssh leaves a no-tty remote command running (sshd sends it
    // nothing); only the stdin watcher ends it. With ControlMaster the master would tear the channel down.
    const r = remote({ controlPersistS: 0 });
    const tag = `gdnctl-abort-${process.pid}-${Date.now()}`;
    const ac = new AbortController();
    const lines: string[] = [];
    const running = r.runAll([w(0)], `trap "" HUP; echo started; exec -a ${tag} sleep 30`, { signal: ac.signal, onLine: (_i, l) => lines.push(l) });
    const alive = (): boolean => {
      try {
        execFileSync('pgrep', ['-f', tag]);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 100 && !alive(); i++) await new Promise((res) => setTimeout(res, 50));
    assert.ok(alive(), 'remote command never started');
    ac.abort();
    const [res] = await running;
    assert.equal(res!.exitCode, null);
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      gone = !alive();
      if (!gone) await new Promise((res) => setTimeout(res, 50));
    }
    assert.ok(gone, 'remote command survived the abort');
  });

  test('unreachable worker: retried sshRetries times, flagged, other worker unaffected', async () => {
    const r = remote({ retries: 2, retrySleepMs: 10 });
    const dead = { index: 1, host: '127.0.0.9' };
    const res = await r.runAll([w(0), dead], 'echo fine', {});
    assert.deepEqual([res[0]!.exitCode, res[0]!.unreachable], [0, false]);
    assert.deepEqual([res[1]!.unreachable, res[1]!.attempts], [true, 3]);
  });

  test('sync: sends git files; prune deletes stale tracked files but never .venv, caches or ignored files', async () => {
    const repo = gitRepo();
    const r = remote();
    const remoteDir = `~/gdnctl-sync-${Date.now()}`;
    const abs = remoteDir.replace('~', process.env.HOME ?? '/root');
    cleanups.push(() => rmSync(abs, { recursive: true, force: true }));
    await r.sync([w(0), w(1)], repo, remoteDir, await repoFiles(repo), ['.pytest_cache/']);
    // Both workers share this machine's file system, so one tree is checked; each worker ran its own rsync.
    assert.equal(readFileSync(join(abs, 'pkg', 'a.py'), 'utf8'), 'A = 1\n');
    assert.ok(existsSync(join(abs, 'notes with space.md')));
    assert.ok(existsSync(join(abs, 'untracked.txt')));
    assert.ok(!existsSync(join(abs, 'local-only.log')), 'ignored file was sent');
    assert.ok(!existsSync(join(abs, '.git')), '.git was sent');
    // The worker builds state the repo ignores.
    mkdirSync(join(abs, '.venv', 'bin'), { recursive: true });
    writeFileSync(join(abs, '.venv', 'bin', 'python'), '#!/bin/sh\n');
    mkdirSync(join(abs, 'pkg', '__pycache__'));
    writeFileSync(join(abs, 'pkg', '__pycache__', 'a.cpython-311.pyc'), 'x');
    mkdirSync(join(abs, '.pytest_cache'));
    writeFileSync(join(abs, '.pytest_cache', 'v'), 'x');
    writeFileSync(join(abs, 'remote-run.log'), 'x');
    // Locally: a tracked file is deleted and another edited.
    unlinkSync(join(repo, 'pkg', 'b.py'));
    writeFileSync(join(repo, 'pkg', 'a.py'), 'A = 42\n');
    await r.sync([w(0)], repo, remoteDir, await repoFiles(repo), ['.pytest_cache/']);
    assert.ok(!existsSync(join(abs, 'pkg', 'b.py')), 'stale tracked file survived');
    assert.equal(readFileSync(join(abs, 'pkg', 'a.py'), 'utf8'), 'A = 42\n');
    assert.ok(existsSync(join(abs, '.venv', 'bin', 'python')), '.venv deleted');
    assert.ok(existsSync(join(abs, 'pkg', '__pycache__', 'a.cpython-311.pyc')), '__pycache__ deleted');
    assert.ok(existsSync(join(abs, '.pytest_cache', 'v')), 'protected cache deleted');
    assert.ok(existsSync(join(abs, 'remote-run.log')), 'ignored remote file deleted');
  });

  test('sync to an unreachable worker is a ResourceError', async () => {
    const repo = gitRepo();
    const r = remote({ retries: 1, retrySleepMs: 0 });
    await assert.rejects(
      r.sync([{ index: 0, host: '127.0.0.9' }], repo, '~/never', await repoFiles(repo)),
      (e: Error) => e.name === 'ResourceError' && /worker 0 \(127\.0\.0\.9\) unreachable after 2 attempts/.test(e.message),
    );
  });

  test('fetch copies matching trace files back, keeping sub-folders', async () => {
    const src = mkdtempSync(join(tmpdir(), 'gdnctl-fetch-src-'));
    const dest = mkdtempSync(join(tmpdir(), 'gdnctl-fetch-dst-'));
    cleanups.push(() => rmSync(src, { recursive: true, force: true }));
    cleanups.push(() => rmSync(dest, { recursive: true, force: true }));
    mkdirSync(join(src, 'plugins', 'profile', '2026_11_23'), { recursive: true });
    for (const f of ['perfetto_trace.json.gz', 'host.trace.json.gz', 'host.xplane.pb', 'other.txt']) {
      writeFileSync(join(src, 'plugins', 'profile', '2026_11_23', f), f);
    }
    const got = await remote().fetch(w(0), src, dest, ['perfetto_trace.json.gz', '*.trace.json.gz']);
    assert.deepEqual(got.map((p) => p.slice(dest.length + 1)).sort(), [
      'plugins/profile/2026_11_23/host.trace.json.gz',
      'plugins/profile/2026_11_23/perfetto_trace.json.gz',
    ]);
  });
});
