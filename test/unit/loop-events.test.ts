/**
 * The loop's event stream (events.ts) and its two subscribers: the ledger line and the console line of each
 * event, the order of the two, the tree steps' two faces, and what the driver writes to state.json.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ledgerLine, loopEventStream, type LoopEvent } from '../../src/core/loop/events.js';
import { showLoopEvent, streamConsole } from '../../src/cli/loop/loop-console.js';
import { LEDGER_EVENT_TYPES } from '../../src/ports/ledger.js';
import { LoopEngine } from '../../src/core/loop/engine.js';
import { restoreOperatorStash, revertUnvalidated, stashLeftovers } from '../../src/core/loop/tree-steps.js';
import type { MeasureDecision, Measurer } from '../../src/ports/bench.js';
import { FakeGit } from '../fakes/fake-git.js';
import { deps, MemoryLedger, newState, recordingConsole, ScriptedAgent, ScriptedRunner, settings, type AgentAct } from '../fakes/loop-fakes.js';

const stop = { reason: 'no-commit' as const, cause: 'policy-fail' as const, iteration: 2, message: 'iteration 2: no-commit (x); stopping' };

/** Each event, the events.jsonl line it makes (type and data, key order included) and the console line it shows. */
const CASES: Array<[LoopEvent, string | undefined, string | undefined]> = [
  [{ type: 'phase', iteration: 2, of: 5, elapsedMs: 1234, phase: 'guard-tree' }, '{"type":"phase","iteration":2,"phase":"guard-tree"}', 'status iteration 2/5 · checking the tree · 1.2s'],
  [{ type: 'phase', iteration: 1, of: 1, elapsedMs: 0, phase: 'sync-main', remote: 'origin', branch: 'main' }, '{"type":"phase","iteration":1,"phase":"sync-main","remote":"origin","branch":"main"}', 'status iteration 1/1 · syncing main · 0.0s'],
  [{ type: 'phase', iteration: 1, of: 3, elapsedMs: 50, phase: 'agent', headBefore: 'abc' }, '{"type":"phase","iteration":1,"phase":"agent","headBefore":"abc"}', 'status iteration 1/3 · agent running · 0.1s'],
  [{ type: 'phase', iteration: 1, of: 3, elapsedMs: 9000, phase: 'post-checks', commit: 'def' }, '{"type":"phase","iteration":1,"phase":"post-checks","commit":"def"}', 'status iteration 1/3 · post-checks · 9.0s'],
  [{ type: 'operator-stashed', iteration: 1, sha: '0123456789abcdef' }, '{"type":"operator-stashed","iteration":1,"sha":"0123456789abcdef"}', 'info stashed your uncommitted work as 0123456789ab (restored after the iteration)'],
  [{ type: 'operator-restored', iteration: 1, sha: 's' }, '{"type":"operator-restored","iteration":1,"sha":"s"}', undefined],
  [{ type: 'operator-stash-kept', iteration: 1, sha: 's' }, '{"type":"operator-stash-kept","iteration":1,"sha":"s"}', undefined],
  [{ type: 'leftovers-stashed', iteration: 3, sha: 'fedcba9876543210', message: 'gdnctl-leftover-iter-003', paths: ['a', 'b'] }, '{"type":"leftovers-stashed","iteration":3,"sha":"fedcba9876543210","message":"gdnctl-leftover-iter-003","paths":["a","b"]}', 'warn uncommitted leftovers (2 paths) stashed as fedcba987654 "gdnctl-leftover-iter-003"; nothing was dropped'],
  [{ type: 'sync-merged', iteration: 1, remote: 'up', branch: 'dev', head: '0123456789abcdef' }, undefined, 'info merged up/dev (HEAD 0123456789ab)'],
  [{ type: 'sync-conflict-skipped', iteration: 1, detail: 'merging up/dev conflicts in a (merge aborted)' }, undefined, 'warn merging up/dev conflicts in a (merge aborted); continuing unsynced (--sync-main-conflict-policy skip)'],
  [{ type: 'champion-after-sync', iteration: 1, champion: 'm', remeasured: false }, '{"type":"champion-after-sync","iteration":1,"champion":"m","remeasured":false}', undefined],
  [{ type: 'plan-written', iteration: 1, chars: 42 }, '{"type":"plan-written","iteration":1,"chars":42}', undefined],
  [{ type: 'plan-missing', iteration: 4 }, undefined, 'warn iteration 4: the planning pass gave no plan; the implementing pass runs without one'],
  [{ type: 'revert', iteration: 1, from: 'a', to: 'b', reason: 'interrupted' }, '{"type":"revert","iteration":1,"from":"a","to":"b","reason":"interrupted"}', undefined],
  [{ type: 'reverted', iteration: 1, reason: 'no-metric', sha: '0123456789abcdef' }, undefined, 'warn reverted iteration 1 (no-metric) with commit 0123456789ab; the work stays in history'],
  [{ type: 'failed-entry-not-recorded', iteration: 1, error: 'EACCES' }, undefined, 'warn could not record the failed attempt in the hill-climb log: EACCES'],
  [{ type: 'iteration-failed', iteration: 2, reason: 'no-commit', detail: 'the agent made no commit', policy: 'counted' }, undefined, 'warn iteration 2 failed: no-commit: the agent made no commit (counted)'],
  [{ type: 'iteration-recorded', iteration: 2, outcome: 'failed', status: 'no-commit', reason: 'no-commit' }, '{"type":"iteration-recorded","iteration":2,"outcome":"failed","status":"no-commit","reason":"no-commit"}', undefined],
  [{ type: 'target-reached', iteration: 2, value: 70, stops: true }, '{"type":"target-reached","iteration":2,"value":70,"stops":true}', 'info 🎯 target reached at iteration 2 (70); stopping (--continue-after-target keeps going)'],
  [{ type: 'target-reached', iteration: 3, stops: false }, '{"type":"target-reached","iteration":3,"stops":false}', 'info 🎯 target reached at iteration 3; continuing (--continue-after-target)'],
  [{ type: 'tpu-replaced', name: undefined, zone: undefined }, undefined, 'warn the held TPU was lost; now holding none in -'],
  [{ type: 'run-done', iterations: 2, stopReason: 'target-reached' }, '{"type":"run-done","iterations":2,"stopReason":"target-reached"}', undefined],
  [{ type: 'run-stopped', stop }, JSON.stringify({ type: 'run-stopped', ...stop }), undefined],
  [{ type: 'output', line: 'ran 1' }, undefined, 'echo ran 1'],
  [{ type: 'info', message: 'restored your stashed work abc' }, undefined, 'info restored your stashed work abc'],
  [{ type: 'warning', message: 'agent: transient failure' }, undefined, 'warn agent: transient failure'],
];

function levelled(): { lines: string[]; out: Parameters<typeof showLoopEvent>[1] } {
  const lines: string[] = [];
  const at = (level: string) => (l: string) => void lines.push(`${level} ${l}`);
  return { lines, out: { status: at('status'), info: at('info'), warn: at('warn'), echo: at('echo') } };
}

test('each event makes the events.jsonl line it always made, and the console line, at its level', () => {
  for (const [e, ledger, consoleLine] of CASES) {
    const line = ledgerLine(e);
    assert.equal(line === undefined ? undefined : JSON.stringify({ type: line.type, ...line.data }), ledger, e.type);
    if (line) assert.ok((LEDGER_EVENT_TYPES as readonly string[]).includes(line.type), `${line.type} is a LedgerEventType`);
    const { lines, out } = levelled();
    showLoopEvent(e, out);
    assert.deepEqual(lines, consoleLine === undefined ? [] : [consoleLine], e.type);
  }
});

test('the stream starts the append, renders the console line meanwhile, and resolves only once the ledger has it', async () => {
  const order: string[] = [];
  let release!: () => void;
  const ledger = { event: (type: string) => (order.push(`ledger ${type}`), new Promise<void>((res) => (release = res))) };
  const emit = loopEventStream(ledger, { event: (e) => void order.push(`console ${e.type}`) });
  let done = false;
  const p = emit({ type: 'operator-stashed', iteration: 1, sha: 's' }).then(() => (done = true));
  assert.deepEqual(order, ['ledger operator-stashed', 'console operator-stashed']);
  await new Promise((res) => setImmediate(res));
  assert.equal(done, false, 'the phase waits for the append');
  release();
  await p;
  assert.equal(done, true);
  await emit({ type: 'output', line: 'x' });
  assert.deepEqual(order.slice(2), ['console output'], 'console-only events never reach the ledger');
});

test('the stream console prefixes its lines, redacts them, and keeps only warnings under --quiet', () => {
  const text: string[] = [];
  const stderr = { write: (s: string) => (text.push(s), true) } as unknown as NodeJS.WritableStream;
  const loud = streamConsole(stderr, false, (s) => s.replace('secret', '***'));
  loud.event({ type: 'phase', iteration: 1, of: 2, elapsedMs: 0, phase: 'stamp' });
  loud.event({ type: 'output', line: 'the secret' });
  loud.event({ type: 'warning', message: 'careful' });
  streamConsole(stderr, true).event({ type: 'info', message: 'hidden' });
  streamConsole(stderr, true).event({ type: 'reverted', iteration: 1, reason: 'x', sha: 'abc' });
  assert.deepEqual(text, [
    'gdnctl ▸ iteration 1/2 · stamping the log · 0.0s\n',
    '  │ the ***\n',
    'gdnctl: warning: careful\n',
    'gdnctl: warning: reverted iteration 1 (x) with commit abc; the work stays in history\n',
  ]);
});

test('tree steps called with a ledger and a console (resume) report exactly as the loop\'s own do', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const ledger = new MemoryLedger();
  const out = recordingConsole();
  const state = newState();
  const d = { git, ledger, console: out, state, saveState: () => ledger.writeState(state) };
  git.write({ 'half.txt': 'x' });
  const r = await stashLeftovers(d, 4, 'gdnctl-leftover-iter-004-interrupted', true);
  assert.deepEqual(state.leftoverStashes, [r.sha]);
  assert.equal(ledger.stateWrites.length, 1);
  const start = await git.head();
  const agentSha = git.commitAll('agent', { 'b.txt': 'b' });
  const rev = await revertUnvalidated(d, 4, { from: start, to: agentSha }, 'interrupted', 'gdnctl: revert interrupted iteration 004');
  assert.ok(rev.kind === 'reverted');
  git.write({ 'a.txt': 'mine' });
  const operator = (await git.stashPush('gdnctl-operator-iter-004'))!;
  state.operatorStash = operator;
  await restoreOperatorStash(d, 4, 'warn-keep');
  assert.equal(git.read('a.txt'), 'mine');
  assert.deepEqual(ledger.eventsLog, [
    { type: 'leftovers-stashed', iteration: 4, sha: r.sha, message: 'gdnctl-leftover-iter-004-interrupted', paths: ['half.txt'] },
    { type: 'revert', iteration: 4, from: start, to: agentSha, reason: 'interrupted' },
    { type: 'operator-restored', iteration: 4, sha: operator },
  ]);
  assert.deepEqual(out.lines, [
    `uncommitted leftovers (1 paths) stashed as ${r.sha!.slice(0, 12)} "gdnctl-leftover-iter-004-interrupted"; nothing was dropped`,
    `reverted iteration 4 (interrupted) with commit ${rev.sha.slice(0, 12)}; the work stays in history`,
    `restored your stashed work ${operator.slice(0, 12)}`,
  ]);
});

const commits: AgentAct = (git, input) => void git.commitAll(`agent ${input.iteration}`, { [`src/f${input.iteration}.txt`]: 'x' });
const promoted: MeasureDecision = { outcome: 'promoted', revert: false, runs: 5, reason: 'faster' };
const measurer: Measurer = { ensureBaseline: async () => ({ ok: true }), decide: async () => promoted, remeasureChampion: async () => {} };

test('a kept iteration with post-checks and a measurer writes state.json at its start, for the agent and for its row only', async () => {
  const git = new FakeGit();
  const d = deps(git, new ScriptedAgent(git, [commits]), { runner: new ScriptedRunner([0]), measurer });
  await new LoopEngine(settings({ iterations: 2, postCheck: ['make test'] }), d, newState()).run(1);
  const writes = d.ledger.stateWrites.map((w) => `${w.state.iteration}:${w.state.phase}${w.state.iterationDone ? ' done' : ''}`);
  assert.deepEqual(writes, ['1:guard-tree', '1:agent', '1:record done', '2:guard-tree', '2:agent', '2:record done', '2:record done']);
  assert.equal((d.ledger.state as { status: string }).status, 'done');
});

test('the driver walks every configured phase in order, the optional ones included', async () => {
  const git = new FakeGit({ 'a.txt': 'a' }, { remote: true });
  const agent = new ScriptedAgent(git, [() => ({ lastMessage: 'plan' }), commits]);
  const d = deps(git, agent, { runner: new ScriptedRunner([0]), measurer });
  await new LoopEngine(settings({ syncMainPolicy: 'each-iteration', planFirst: true, postCheck: ['t'] }), d, newState()).run(1);
  const phases = d.ledger.eventsLog.filter((e) => e.type === 'phase').map((e) => e.phase);
  assert.deepEqual(phases, ['guard-tree', 'sync-main', 'prompt', 'plan', 'agent', 'verify-commit', 'stamp', 'post-checks', 'measure', 'decide', 'record']);
});

test('an abort ends the agent, stashes its leftovers, then restores the operator\'s work, in that order', async () => {
  const git = new FakeGit();
  git.write({ 'wip.txt': 'mine' });
  const ac = new AbortController();
  const d = deps(git, new ScriptedAgent(git, []), { signal: ac.signal });
  d.agent = {
    name: 'hanging',
    describe: () => [],
    preflight: async () => ({ warnings: [] }),
    run: async (input) => {
      input.onSpawn?.(77);
      git.write({ 'partial.txt': 'half' });
      ac.abort({ signalName: 'SIGTERM' });
      return { ok: false, failure: 'agent-interrupted', exitCode: null, durationMs: 1, usage: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 }, argv: [] };
    },
  };
  const state = newState();
  const r = await new LoopEngine(settings({ dirtyPolicy: 'stash' }), d, state).run(1);
  assert.deepEqual(r, { kind: 'interrupted', signalName: 'SIGTERM' });
  assert.deepEqual(d.ledger.eventsLog.slice(-2).map((e) => e.type), ['leftovers-stashed', 'operator-restored']);
  assert.equal(state.agentPgid, undefined);
  assert.equal((d.ledger.state as { agentPgid?: number }).agentPgid, undefined);
  assert.equal(git.read('wip.txt'), 'mine');
  assert.equal(git.read('partial.txt'), undefined);
  assert.ok(!d.ledger.eventsLog.some((e) => e.type === 'iteration-recorded'), 'an interrupted iteration is not recorded');
});
