import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { acquireRunLock, processStartTicks, runLockPath } from '../../src/adapters/run-lock.js';
import { UsageError } from '../../src/errors.js';

const holderScript = new URL('../helpers/hold-run-lock.ts', import.meta.url).pathname;

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Holder {
  child: ChildProcess;
  first: Promise<{ acquired?: boolean; refused?: boolean; warning?: string | null; message?: string }>;
}

function startHolder(file: string): Holder {
  const child = spawn(process.execPath, ['--import', 'tsx', holderScript, file], { stdio: ['pipe', 'pipe', 'inherit'] });
  const rl = createInterface({ input: child.stdout! });
  const first = new Promise<Holder['first'] extends Promise<infer T> ? T : never>((resolve, reject) => {
    rl.once('line', (l) => resolve(JSON.parse(l)));
    child.once('exit', (code) => reject(new Error(`holder exited ${code} before answering`)));
  });
  return { child, first };
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

test('a live holder in another process refuses the second loop, naming pid and host', async (t) => {
  const file = runLockPath(tempDir(t));
  const holder = startHolder(file);
  t.after(() => holder.child.kill('SIGKILL'));
  assert.equal((await holder.first).acquired, true);
  await assert.rejects(acquireRunLock({ file, command: 'gdnctl codex-loop' }), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.match(e.message, new RegExp(`^another gdnctl loop \\(pid ${holder.child.pid} on host ${hostname()}`));
    assert.match(e.message, /wait for it or stop it/);
    return true;
  });
  // The refusal left the holder's file alone.
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).pid, holder.child.pid);
  holder.child.stdin!.end();
  await exited(holder.child);
  assert.equal(existsSync(file), false, 'a clean exit releases the lock');
});

test('a SIGKILLed holder leaves a stale lock that is taken over with a warning', async (t) => {
  const file = runLockPath(tempDir(t));
  const holder = startHolder(file);
  assert.equal((await holder.first).acquired, true);
  holder.child.kill('SIGKILL');
  await exited(holder.child);
  assert.ok(existsSync(file));
  const lock = await acquireRunLock({ file, command: 'gdnctl codex-loop' });
  assert.match(lock.warning ?? '', new RegExp(`stale gdnctl lock .*pid ${holder.child.pid} .* is gone`));
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).pid, process.pid);
  assert.equal(await lock.release(), true);
  assert.equal(existsSync(file), false);
});

test('release removes the file only while it is still ours', async (t) => {
  const file = runLockPath(tempDir(t));
  const lock = await acquireRunLock({ file, command: 'a' });
  writeFileSync(file, JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: 'x', command: 'b' }));
  assert.equal(await lock.release(), false);
  assert.equal(lock.releaseSync(), false);
  assert.ok(existsSync(file));
});

test('a holder on another host is never taken over', async (t) => {
  const file = runLockPath(tempDir(t));
  writeFileSync(file, JSON.stringify({ pid: 999999, host: 'other-host', startedAt: 'x', command: 'gdnctl codex-loop' }));
  await assert.rejects(acquireRunLock({ file, command: 'c' }), /pid 999999 on host other-host.*delete the file/);
});

test('a reused pid (same pid, later start time) counts as a dead holder', async (t) => {
  const file = runLockPath(tempDir(t));
  const ticks = processStartTicks(process.pid);
  if (ticks === undefined) return t.skip('no /proc on this system');
  writeFileSync(file, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'x', command: 'old', procStart: ticks - 1 }));
  const lock = await acquireRunLock({ file, command: 'new' });
  assert.match(lock.warning ?? '', /is gone/);
  await lock.release();
});

test('an empty lock file (creator crashed before writing) is taken over after the grace period', async (t) => {
  const file = runLockPath(tempDir(t));
  writeFileSync(file, '');
  const lock = await acquireRunLock({ file, command: 'c', writeGraceMs: 30 });
  assert.match(lock.warning ?? '', /unreadable/);
  await lock.release();
});

test('racing processes: exactly one of four acquires', async (t) => {
  const file = runLockPath(tempDir(t));
  const holders = [0, 1, 2, 3].map(() => startHolder(file));
  t.after(() => holders.forEach((h) => h.child.kill('SIGKILL')));
  const answers = await Promise.all(holders.map((h) => h.first));
  assert.equal(answers.filter((a) => a.acquired).length, 1, JSON.stringify(answers));
  assert.equal(answers.filter((a) => a.refused).length, 3);
});

test('racing takeovers of one stale lock: exactly one of four wins', async (t) => {
  const file = runLockPath(tempDir(t));
  const dead = spawn(process.execPath, ['-e', '0']);
  await exited(dead);
  writeFileSync(file, JSON.stringify({ pid: dead.pid, host: hostname(), startedAt: 'x', command: 'crashed loop' }));
  const holders = [0, 1, 2, 3].map(() => startHolder(file));
  t.after(() => holders.forEach((h) => h.child.kill('SIGKILL')));
  const answers = await Promise.all(holders.map((h) => h.first));
  const winners = answers.filter((a) => a.acquired);
  assert.equal(winners.length, 1, JSON.stringify(answers));
  assert.match(winners[0]?.warning ?? '', /crashed loop/);
  const pid = JSON.parse(readFileSync(file, 'utf8')).pid;
  assert.ok(holders.some((h) => h.child.pid === pid));
});

test('a takeover mutex left by a crashed taker is cleared once it is old', async (t) => {
  const file = runLockPath(tempDir(t));
  writeFileSync(file, '');
  writeFileSync(`${file}.takeover`, '');
  const past = new Date(Date.now() - 60_000);
  utimesSync(`${file}.takeover`, past, past);
  const lock = await acquireRunLock({ file, command: 'c', writeGraceMs: 10, takeoverStaleMs: 30_000 });
  assert.match(lock.warning ?? '', /unreadable/);
  assert.equal(existsSync(`${file}.takeover`), false);
  await lock.release();
});
