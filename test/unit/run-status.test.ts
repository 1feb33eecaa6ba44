/** The status view (src/core/status/run-status.ts) on hand-made inputs: health, ETA, phase time, TPU hours, cost. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkExitCode, healthOf, runStatusView, type StatusInput } from '../../src/core/status/run-status.js';
import { lastAgentAction } from '../../src/cli/measure/status-read.js';

const NOW = Date.parse('2026-12-02T12:00:00.000Z');
const iso = (minutesAgo: number): string => new Date(NOW - minutesAgo * 60_000).toISOString();

function input(over: Partial<StatusInput> = {}): StatusInput {
  return {
    runId: 'r1', runDir: '/runs/r1', nowMs: NOW, owner: 'alive', total: 10, sleepSeconds: 60,
    state: {
      status: 'running', ownerPid: 42, ownerHost: 'h', iteration: 4, attempt: 1, phase: 'post-checks',
      tokens: { inputTokens: 1000, cachedInputTokens: 200, outputTokens: 50, note: 'x' }, costUsd: 1.25,
      completed: [{ iteration: 1, durationMs: 600_000 }, { iteration: 2, durationMs: 1_200_000 }, { iteration: 3, durationMs: 900_000 }],
    },
    events: [
      { type: 'run-started', ts: iso(60) },
      { type: 'tpu-acquired', ts: iso(50), node: 'n1', zone: 'z1' },
      { type: 'phase', ts: iso(6), iteration: 4, phase: 'guard-tree' },
      { type: 'phase', ts: iso(2), iteration: 4, phase: 'post-checks' },
    ],
    heartbeat: { at: iso(0.5) },
    ...over,
  };
}

test('a running run: phase and its time, ETA from the median iteration plus sleeps, tokens and cost', () => {
  const v = runStatusView(input());
  assert.equal(v.health, 'running');
  assert.deepEqual(v.phase, { name: 'post-checks', since: iso(2), elapsedSeconds: 120 });
  // median 15 min; the current one started 6 min ago: 9 min left, then 6 more iterations of 15 min + 1 min sleep.
  assert.deepEqual(v.eta, { medianIterationSeconds: 900, remainingIterations: 7, seconds: 9 * 60 + 6 * 16 * 60, at: new Date(NOW + (9 + 96) * 60_000).toISOString() });
  assert.deepEqual(v.tokens, { inputTokens: 1000, cachedInputTokens: 200, outputTokens: 50 });
  assert.equal(v.costUsd, 1.25);
  assert.equal(v.finished, 3);
  assert.deepEqual(v.tpu, { name: 'n1', zone: 'z1', project: null, held: false, hours: 0 }, 'acquired but not released: no lease, so not held');
  assert.equal('costUsd' in runStatusView(input({ state: { ...input().state, costUsd: undefined } })), false, 'no cost field when the ledger has none');
});

test('the phase time is unknown when the last phase event is not the phase state.json names', () => {
  const v = runStatusView(input({ state: { ...input().state, phase: 'measure' } }));
  assert.deepEqual(v.phase, { name: 'measure', since: null, elapsedSeconds: null });
});

test('TPU hours: from the lease while held, from acquired..released after', () => {
  const held = runStatusView(input({ lease: { node: 'n1', zone: 'z1', project: 'p', createdAt: iso(90) } }));
  assert.deepEqual(held.tpu, { name: 'n1', zone: 'z1', project: 'p', held: true, hours: 1.5 });
  const after = runStatusView(input({ state: { ...input().state, status: 'done' }, events: [
    { type: 'tpu-acquired', ts: iso(180), node: 'n1', zone: 'z1' }, { type: 'tpu-lost', ts: iso(150) },
    { type: 'tpu-reacquired', ts: iso(140), node: 'n2', zone: 'z2' }, { type: 'tpu-released', ts: iso(20) },
  ] }));
  assert.deepEqual(after.tpu, { name: 'n2', zone: 'z2', project: null, held: false, hours: 2.5 });
  assert.equal(after.eta, null, 'no ETA once the run is over');
  assert.equal(after.phase?.elapsedSeconds, null);
});

test('owner-dead: the pid is gone, or the heartbeat is older than 3 minutes; --check codes', () => {
  assert.equal(healthOf({ ...input(), owner: 'dead' }).health, 'owner-dead');
  assert.equal(healthOf({ ...input(), heartbeat: { at: iso(3.1) } }).health, 'owner-dead');
  assert.equal(healthOf({ ...input(), heartbeat: { at: iso(2.9) } }).health, 'running');
  assert.equal(healthOf({ ...input(), heartbeat: undefined }).health, 'running', 'a run without heartbeats is judged by its pid');
  assert.equal(healthOf({ ...input(), heartbeat: { at: iso(60), pid: 7 } }).health, 'running', 'an earlier owner\'s beat is ignored');
  assert.equal(healthOf({ ...input(), heartbeat: { at: iso(60), pid: 42 } }).health, 'owner-dead');
  assert.equal(healthOf({ ...input(), owner: 'other-host', heartbeat: { at: iso(10) } }).health, 'owner-dead');
  assert.equal(healthOf({ ...input(), state: { status: 'stopped' }, owner: 'dead' }).health, 'stopped', 'a stopped run is stopped, whoever owned it');
  assert.deepEqual((['running', 'done', 'owner-dead', 'stopped', 'interrupted', 'unknown'] as const).map(checkExitCode), [0, 0, 3, 1, 1, 1]);
  const v = runStatusView({ ...input(), owner: 'dead' });
  assert.equal(v.eta, null);
  assert.equal(v.phase?.elapsedSeconds, null);
});

test('the agent\'s last action, rebuilt from each backend\'s transcript', () => {
  const codex = [
    JSON.stringify({ type: 'item.completed', item: { type: 'agent_message', text: 'looking' } }),
    JSON.stringify({ type: 'item.completed', item: { type: 'command_execution', command: '/bin/bash -lc "pytest -q"', exit_code: 1 } }),
    JSON.stringify({ type: 'turn.completed', usage: { input_tokens: 1, output_tokens: 1 } }),
  ];
  assert.equal(lastAgentAction('codex', codex), '$ pytest -q  → exit 1');
  assert.equal(lastAgentAction('command', [JSON.stringify({ type: 'output', stream: 'stdout', line: 'step 3 of 9' })]), 'step 3 of 9');
  assert.equal(lastAgentAction('codex', []), undefined);
});

test('a usage-limit wait under way is shown until its resumeAt', () => {
  const waiting = input({ events: [...input().events, { type: 'limit-wait', ts: iso(1), resumeAt: new Date(NOW + 30 * 60_000).toISOString(), detail: 'usage_limit_reached' }] });
  assert.deepEqual(runStatusView(waiting).limitWait, { until: new Date(NOW + 30 * 60_000).toISOString(), detail: 'usage_limit_reached' });
  assert.equal(runStatusView({ ...waiting, nowMs: NOW + 31 * 60_000, heartbeat: { at: new Date(NOW + 31 * 60_000).toISOString() } }).limitWait, null, 'over once resumeAt has passed');
  assert.equal(runStatusView(input()).limitWait, null);
});
