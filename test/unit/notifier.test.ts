/**
 * --notify-cmd's notifier (src/core/notify/notifier.ts) against a recording command runner and a clock the test
 * moves: every event kind with its payload, stuck once per quiet stretch, a hanging command that never holds up
 * the loop and is ended by close(), the bounded queue, and the fan-out that keeps a broken subscriber away.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Notifier, stopOf, type NotifierSettings } from '../../src/core/notify/notifier.js';
import { NOTIFY_EVENT_KINDS, type NotifyPayload } from '../../src/core/notify/notify-payload.js';
import { fanOut, type LoopEvent } from '../../src/core/loop/events.js';
import { configFingerprint, experimentFingerprint } from '../../src/core/loop/fingerprint.js';
import type { CommandRunner, ProcessResult, ProcessSpec } from '../../src/ports/process.js';

const OK: ProcessResult = { exitCode: 0, signal: null, timedOut: null, aborted: false, durationMs: 1, tail: '' };

/** Records each notification; `hang` makes a run wait until its abort signal fires (as the real runner does). */
class RecordingRunner implements CommandRunner {
  specs: ProcessSpec[] = [];
  running = 0;
  constructor(private readonly hang = false, private readonly result: ProcessResult = OK) {}
  get payloads(): NotifyPayload[] {
    return this.specs.map((s) => JSON.parse(s.stdin!) as NotifyPayload);
  }
  async run(spec: ProcessSpec): Promise<ProcessResult> {
    this.specs.push(spec);
    if (!this.hang) return this.result;
    this.running++;
    await new Promise<void>((res) => spec.signal!.addEventListener('abort', () => res(), { once: true }));
    this.running--;
    return { ...OK, exitCode: null, signal: 'SIGTERM', aborted: true };
  }
  async killGroup(): Promise<void> {}
}

function clockAt(start = 1_000_000): { now: () => number; sleep: (ms: number, signal?: AbortSignal) => Promise<void>; advance: (ms: number) => void } {
  let t = start;
  return {
    now: () => t,
    // Real time for close()'s grace (short in these tests), so a hang is really waited for.
    sleep: (ms, signal) => new Promise((res) => {
      const timer = setTimeout(res, ms);
      signal?.addEventListener('abort', () => (clearTimeout(timer), res()), { once: true });
    }),
    advance: (ms) => (t += ms),
  };
}

const SETTINGS: NotifierSettings = { cmd: 'cat >> notes', timeoutMs: 5000, stuckMs: 30 * 60_000, iterations: 5, metric: 'step_ms' };
const CHAMPION = { sha: 'c'.repeat(40), iteration: 2, value: 80 };

function notifier(runner: CommandRunner, over: Partial<NotifierSettings> = {}) {
  const clock = clockAt();
  const warnings: string[] = [];
  const n = new Notifier({ ...SETTINGS, ...over }, {
    runner, clock, cwd: '/repo', env: { HOOK: 'x' }, warn: (m) => warnings.push(m),
    view: { champion: async () => CHAMPION, report: async () => '/runs/r1/report.html' },
    redact: (t) => t.replaceAll('sekrit', '[REDACTED]'),
  });
  return { n, clock, warnings };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

test('the notifier sends every event kind, each payload with run, iteration, metric, champion, reason and report', async () => {
  const runner = new RecordingRunner();
  const { n, clock } = notifier(runner);
  n.event({ type: 'phase', iteration: 1, of: 5, elapsedMs: 0, phase: 'guard-tree' });
  n.opened({ id: 'r1', dir: '/runs/r1' });
  const events: LoopEvent[] = [
    { type: 'phase', iteration: 2, of: 5, elapsedMs: 0, phase: 'decide' },
    { type: 'iteration-recorded', iteration: 1, outcome: 'kept', status: 'kept-within-noise' },
    { type: 'iteration-recorded', iteration: 2, outcome: 'kept', status: 'promoted' },
    { type: 'target-reached', iteration: 2, value: 79.5, stops: false },
    { type: 'phase', iteration: 3, of: 5, elapsedMs: 0, phase: 'agent', headBefore: 'h' },
  ];
  for (const e of events) n.event(e);
  clock.advance(29 * 60_000);
  n.checkStuck();
  clock.advance(2 * 60_000);
  n.checkStuck();
  n.checkStuck();
  n.finished({ result: { kind: 'stopped', stop: { reason: 'post-check-failed', cause: 'policy-fail', iteration: 3, message: 'tests failed (token sekrit)' } } });
  await n.close(1000);
  const p = runner.payloads;
  assert.deepEqual(p.map((x) => x.event), ['run-start', 'promotion', 'target-reached', 'stuck', 'stop']);
  assert.deepEqual([...new Set(p.map((x) => x.event))].sort(), [...NOTIFY_EVENT_KINDS].sort(), 'every kind, the stuck one once');
  const [start, promo, target, stuck, stop] = p as [NotifyPayload, NotifyPayload, NotifyPayload, NotifyPayload, NotifyPayload];
  assert.equal(start.run, 'r1');
  assert.equal(start.iteration, null);
  assert.equal(start.of, 5);
  assert.deepEqual(promo.metric, { name: 'step_ms', value: 80 }, 'a promotion carries the new champion\'s value');
  assert.deepEqual(promo.champion, CHAMPION);
  assert.equal(promo.iteration, 2);
  assert.equal(promo.report, '/runs/r1/report.html');
  assert.deepEqual(target.metric, { name: 'step_ms', value: 79.5 });
  assert.equal(stuck.reason, 'no-progress');
  assert.equal(stuck.phase, 'agent');
  assert.equal(stuck.iteration, 3);
  assert.match(stuck.detail!, /no progress for 31 min in phase agent/);
  assert.equal(stop.reason, 'post-check-failed');
  assert.equal(stop.iteration, 3);
  assert.match(stop.detail!, /\[REDACTED\]/, 'the payload passes the run\'s redactor');
  assert.doesNotMatch(runner.specs.map((s) => s.stdin).join(''), /sekrit/);
  assert.match(stop.text, /^gdnctl run r1: stopped at iteration 3\/5: post-check-failed/);
  assert.match(promo.text, /new champion at iteration 2\/5 \(step_ms 80\); champion c{12} step_ms 80/);
  for (const s of runner.specs) {
    assert.deepEqual(s.argv, ['bash', '-c', 'cat >> notes']);
    assert.equal(s.timeoutMs, 5000);
    assert.equal(s.env?.HOOK, 'x');
    assert.ok(s.stdin!.endsWith('\n'));
  }
});

test('stuck is re-armed by any progress, waits out --sleep-seconds between iterations, and is never sent with --stuck-minutes 0', async () => {
  const runner = new RecordingRunner();
  const { n, clock } = notifier(runner, { stuckMs: 1000 });
  n.opened({ id: 'r1', dir: '/runs/r1' });
  clock.advance(1500);
  n.checkStuck();
  n.event({ type: 'output', line: 'agent says hi' });
  clock.advance(999);
  n.checkStuck();
  clock.advance(1);
  n.checkStuck();
  await n.close(1000);
  assert.deepEqual(runner.payloads.map((p) => p.event), ['run-start', 'stuck', 'stuck']);

  const sleepy = new RecordingRunner();
  const between = notifier(sleepy, { stuckMs: 1000, betweenIterationsMs: 5000 });
  between.n.opened({ id: 'r1', dir: '/runs/r1' });
  between.n.event({ type: 'iteration-recorded', iteration: 1, outcome: 'kept', status: 'kept' });
  between.clock.advance(5999);
  between.n.checkStuck();
  await settle();
  assert.equal(sleepy.specs.length, 1, '--sleep-seconds after a recorded iteration is no stall');
  between.clock.advance(1);
  between.n.checkStuck();
  await between.n.close(1000);
  assert.deepEqual(sleepy.payloads.map((p) => p.event), ['run-start', 'stuck']);

  const limited = new RecordingRunner();
  const wait = notifier(limited, { stuckMs: 1000 });
  wait.n.opened({ id: 'r1', dir: '/runs/r1' });
  // A usage-limit wait (the budgets' `limit-wait` event carries `resumeAt`) is quiet by plan until then.
  wait.n.event({ type: 'info', message: 'usage limit', resumeAt: new Date(wait.clock.now() + 10_000).toISOString() } as unknown as LoopEvent);
  wait.clock.advance(10_999);
  wait.n.checkStuck();
  await settle();
  assert.equal(limited.specs.length, 1, 'no stuck while waiting for the limit to reset');
  wait.clock.advance(1);
  wait.n.checkStuck();
  await wait.n.close(1000);
  assert.deepEqual(limited.payloads.map((p) => p.event), ['run-start', 'stuck']);

  const never = new RecordingRunner();
  const off = notifier(never, { stuckMs: 0 });
  off.n.opened({ id: 'r1', dir: '/runs/r1' });
  off.clock.advance(365 * 24 * 3600_000);
  off.n.checkStuck();
  await off.n.close(1000);
  assert.deepEqual(never.payloads.map((p) => p.event), ['run-start']);
});

test('a hanging notify command never holds up the loop, and close() ends it after its grace', async () => {
  const runner = new RecordingRunner(true);
  const { n, warnings } = notifier(runner, { maxRunning: 2, maxQueued: 2 });
  n.opened({ id: 'r1', dir: '/runs/r1' });
  const t0 = Date.now();
  for (let i = 1; i <= 5; i++) n.event({ type: 'iteration-recorded', iteration: i, outcome: 'kept', status: 'promoted' });
  assert.ok(Date.now() - t0 < 50, 'event() returns at once');
  await settle();
  assert.equal(runner.running, 2, 'at most two notifications run at a time');
  assert.ok(warnings.some((w) => /too many notifications waiting; dropped the promotion/.test(w)), warnings.join('\n'));
  n.finished({ result: { kind: 'done', iterations: 5 } });
  const c0 = Date.now();
  await n.close(200);
  const took = Date.now() - c0;
  assert.ok(took >= 150 && took < 2000, `close waited its grace, then ended the rest (${took} ms)`);
  assert.equal(runner.running, 0, 'no notification is left running');
  assert.ok(runner.specs.every((s) => s.signal!.aborted));
  assert.ok(warnings.some((w) => /not sent: gdnctl was exiting/.test(w)), warnings.join('\n'));
});

test('failures and timeouts of the notify command are warnings, never errors', async () => {
  const failing = new RecordingRunner(false, { ...OK, exitCode: 7, tail: 'curl: (6) Could not resolve host\n' });
  const f = notifier(failing);
  f.n.opened({ id: 'r1', dir: '/runs/r1' });
  await f.n.close(1000);
  assert.deepEqual(f.warnings, ['notify: the run-start command exited 7: curl: (6) Could not resolve host']);
  const slow = new RecordingRunner(false, { ...OK, exitCode: null, signal: 'SIGTERM', timedOut: 'wall' });
  const s = notifier(slow);
  s.n.opened({ id: 'r1', dir: '/runs/r1' });
  await s.n.close(1000);
  assert.match(s.warnings.join('\n'), /run-start command ran past --notify-timeout-seconds \(5 s\) and was ended/);
  const throwing: CommandRunner = { run: async () => Promise.reject(new Error('spawn bash ENOENT')), killGroup: async () => {} };
  const t = notifier(throwing);
  t.n.opened({ id: 'r1', dir: '/runs/r1' });
  await t.n.close(1000);
  assert.match(t.warnings.join('\n'), /run-start failed to start: spawn bash ENOENT/);
});

test('the stop reason for each way a run ends', () => {
  assert.deepEqual(stopOf({ result: { kind: 'done', iterations: 4 } }), { reason: 'done', detail: '4 iteration(s)', iteration: 4 });
  assert.deepEqual(stopOf({ result: { kind: 'target-reached', iteration: 2, value: 1 } }), { reason: 'target-reached', detail: null, iteration: 2 });
  assert.deepEqual(stopOf({ result: { kind: 'interrupted', signalName: 'SIGTERM' } }), { reason: 'interrupted', detail: 'SIGTERM' });
  assert.deepEqual(stopOf({ error: new Error('no TPU\nmore') }), { reason: 'error', detail: 'no TPU' });
});

test('nothing is sent before the run is opened, nor after close except the stop', async () => {
  const runner = new RecordingRunner();
  const { n } = notifier(runner);
  n.event({ type: 'iteration-recorded', iteration: 1, outcome: 'kept', status: 'promoted' });
  n.finished({ result: { kind: 'done', iterations: 1 } });
  await n.close(100);
  assert.equal(runner.specs.length, 0, 'a run that never opened (nothing to do) notifies nothing');
});

test('fanOut: a subscriber that throws reaches neither the others nor the caller', () => {
  const seen: string[] = [];
  const errors: string[] = [];
  const sub = fanOut([{ event: () => { throw new Error('boom'); } }, { event: (e) => void seen.push(e.type) }], (e) => errors.push(e.message));
  sub.event({ type: 'info', message: 'x' });
  assert.deepEqual(seen, ['info']);
  assert.deepEqual(errors, ['boom']);
});

test('notify and stuck keys are in neither the run nor the experiment fingerprint', () => {
  const v = { model: 'm', postCheck: ['a'], noCommitPolicy: 'fail', stuckMinutes: 30, notifyTimeoutSeconds: 30 };
  const other = { ...v, notifyCmd: 'curl -d @- https://hooks.example/x', stuckMinutes: 5, notifyTimeoutSeconds: 2 };
  assert.equal(configFingerprint(other), configFingerprint(v));
  assert.equal(experimentFingerprint(other), experimentFingerprint(v));
  assert.notEqual(configFingerprint({ ...v, model: 'n' }), configFingerprint(v), 'the fingerprint still sees real keys');
});
