import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_TIMER_MS, setLongTimeout, sleepMs } from '../../src/adapters/process/long-timer.js';
import { systemClock } from '../../src/cli/loop-deps.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a delay beyond the 24.8-day timer limit does not fire (a plain setTimeout would fire after 1 ms)', async () => {
  let fired = false;
  const t = setLongTimeout(() => (fired = true), MAX_TIMER_MS + 1000);
  await tick(50);
  t.clear();
  assert.equal(fired, false);
});

test('a short delay fires once, never synchronously', async () => {
  let fired = 0;
  setLongTimeout(() => (fired += 1), 0);
  assert.equal(fired, 0);
  await tick(20);
  assert.equal(fired, 1);
});

test('refresh pushes the deadline (the idle timeout); clear stops it', async () => {
  let firedAt = 0;
  const t0 = performance.now();
  const t = setLongTimeout(() => (firedAt = performance.now() - t0), 120);
  await tick(80);
  t.refresh();
  await tick(80);
  assert.equal(firedAt, 0, 'not yet: the deadline moved');
  await tick(120);
  assert.ok(firedAt >= 195, `fired after ${firedAt} ms`);
  const c = setLongTimeout(() => assert.fail('cleared'), 10);
  c.clear();
  await tick(30);
});

test('a 35-day sleep waits until aborted, and rejects like timers/promises', async () => {
  const ac = new AbortController();
  let settled = false;
  const p = systemClock.sleep(35 * 24 * 3600 * 1000, ac.signal).finally(() => (settled = true));
  await tick(50);
  assert.equal(settled, false);
  ac.abort();
  await assert.rejects(p, (e: Error) => e.name === 'AbortError');
  await assert.rejects(sleepMs(10, AbortSignal.abort()), (e: Error) => e.name === 'AbortError');
  await sleepMs(5);
});
