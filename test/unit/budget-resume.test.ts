/**
 * Budgets are not part of the run or experiment fingerprint: a run a budget stopped goes on, as the same run,
 * when the cap is raised and the same command runs again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configFingerprint, experimentFingerprint } from '../../src/core/loop/fingerprint.js';
import type { RunState } from '../../src/core/loop/run-state.js';
import { RunSession } from '../../src/core/run/run-session.js';
import { FakeGit } from '../fakes/fake-git.js';
import { gitFiles, instantClock, recordingConsole, ScriptedAgent, settings, type AgentAct } from '../fakes/loop-fakes.js';
import { KillRecordingRunner, MemoryRunStore, probeFrom } from '../fakes/run-fakes.js';

const CONFIG = { iterations: 3, model: 'gpt-5.4', prompt: 'p.md', postCheck: ['pytest'], maxFailures: 0 };
const BUDGETS = [
  { maxTokens: 24 },
  { maxTokens: 1000 },
  { maxCostUsd: 5, modelPrices: { 'gpt-5.4': { inputUsdPerMTok: 1, cachedInputUsdPerMTok: 0.1, outputUsdPerMTok: 4 } } },
  { maxWallHours: 8, maxTpuHours: 64, maxLimitWaitHours: 2 },
];

test('no budget or limit-wait key changes the run or the experiment fingerprint', () => {
  for (const b of BUDGETS) {
    assert.equal(configFingerprint({ ...CONFIG, ...b }), configFingerprint(CONFIG), JSON.stringify(b));
    assert.equal(experimentFingerprint({ ...CONFIG, ...b }), experimentFingerprint(CONFIG), JSON.stringify(b));
  }
  // What the run does still counts.
  assert.notEqual(configFingerprint({ ...CONFIG, model: 'other' }), configFingerprint(CONFIG));
});

test('a run stopped by --max-tokens goes on as the same run once the cap is raised', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const runs = new MemoryRunStore();
  const commits: AgentAct = (g, input) => void g.commitAll(`agent ${input.iteration}`, { [`f${input.iteration}.txt`]: 'x' });
  const session = (values: Record<string, unknown>) => {
    const agent = new ScriptedAgent(git, [commits]);
    const s = settings({ iterations: 3, ...values });
    const fingerprint = configFingerprint({ ...CONFIG, ...values });
    return {
      agent,
      session: new RunSession(s, {
        git, agent, runner: new KillRecordingRunner(), clock: instantClock, files: gitFiles(git), console: recordingConsole(), signal: new AbortController().signal,
        env: {}, runs, owner: { pid: 4242, host: 'here', startTime: '777' }, probeOwner: probeFrom({}), killGraceMs: 10, extras: async () => ({}), alert: () => undefined,
      }, { newRun: false, record: { fingerprint, config: values, versions: {}, branch: 'main' } }),
    };
  };

  // 12 tokens an iteration (the scripted agent's usage): 12 + 12 committed fits 24, 24 + 12 does not.
  const first = session({ maxTokens: 24 });
  const out1 = await first.session.execute();
  assert.ok(out1.result.kind === 'stopped');
  assert.deepEqual([out1.result.stop.reason, out1.result.stop.iteration], ['budget-tokens', 3]);
  const l = runs.only();
  assert.equal(l.runJsonWrites.at(-1)?.stopReason, 'budget-tokens', 'run.json names the budget');
  assert.equal(l.runJsonWrites.at(-1)?.status, 'stopped');

  const second = session({ maxTokens: 1000 });
  const out2 = await second.session.execute();
  assert.deepEqual(out2.result, { kind: 'done', iterations: 3 });
  assert.equal(runs.ledgers.size, 1, 'no new run: the stopped one went on');
  assert.deepEqual(second.agent.calls.map((c) => c.iteration), [3], 'numbering goes on at the iteration the budget stopped before');
  const st = l.state as RunState;
  assert.deepEqual([st.status, st.stopReason, st.stopMessage], ['done', undefined, undefined]);
  assert.deepEqual(st.completed.map((c) => c.iteration), [1, 2, 3]);
  assert.equal(l.runJsonWrites.at(-1)?.stopReason, undefined, 'the old stop reason is gone from run.json');
  assert.ok(l.eventsLog.some((e) => e.type === 'resume'));
});
