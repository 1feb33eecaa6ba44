/**
 * An experiment outlives a run (docs/codex-loop.md "Experiments and runs"): the run session over the in-memory
 * run store, with several sessions of one command in a row, as an operator reruns it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoopConfigValues } from '../../src/core/loop/settings.js';
import type { RunState } from '../../src/core/loop/run-state.js';
import { RunSession, type RunExtras, type RunOutcome, type RunSessionOptions } from '../../src/core/run/run-session.js';
import type { EnvSnapshotter, MeasureDecision, Measurer } from '../../src/ports/bench.js';
import type { OwnerProbe, RunListing } from '../../src/ports/ledger.js';
import { configFingerprint, experimentFingerprint } from '../../src/core/loop/fingerprint.js';
import { carriedLedger, createIterationMemory } from '../../src/core/measure/iteration-memory.js';
import { environmentFingerprint } from '../../src/core/run/carry-over.js';
import { FakeGit } from '../fakes/fake-git.js';
import { MemoryBaselineStore, MemoryChampionStore, MemoryFiles } from '../fakes/measure-fakes.js';
import { gitFiles, instantClock, newState, recordingConsole, ScriptedAgent, settings, type AgentAct } from '../fakes/loop-fakes.js';
import { KillRecordingRunner, MemoryRunStore, probeFrom, RecordingTpuHold, type MemoryRunLedger } from '../fakes/run-fakes.js';

const FP = 'run-fp';
const EXP = 'exp0123456789abc';
const commits: AgentAct = (git, input) => void git.commitAll(`agent ${input.iteration}`, { [`f${input.iteration}.txt`]: String(input.iteration) });
const noCommit: AgentAct = () => undefined;

interface World {
  git: FakeGit;
  runs: MemoryRunStore;
}

interface Session {
  out: RunOutcome;
  agent: ScriptedAgent;
  lines: string[];
}

/** One invocation of the command: a new session over the same repository and log dir. */
async function rerun(
  w: World,
  o: { iterations: number; acts?: AgentAct[]; values?: Partial<LoopConfigValues>; options?: Partial<RunSessionOptions>; extras?: () => Promise<RunExtras>; probe?: OwnerProbe },
): Promise<Session> {
  const agent = new ScriptedAgent(w.git, o.acts ?? [commits]);
  const console = recordingConsole();
  const s = settings({ iterations: o.iterations, ...o.values });
  const session = new RunSession(
    s,
    {
      git: w.git, agent, runner: new KillRecordingRunner(), clock: instantClock, files: gitFiles(w.git), console, signal: new AbortController().signal, env: {},
      runs: w.runs, owner: { pid: 4242, host: 'here', startTime: '777' }, probeOwner: o.probe ?? probeFrom({}), killGraceMs: 10,
      extras: o.extras ?? (async () => ({})), alert: () => undefined,
    },
    { newRun: false, experiment: EXP, record: { fingerprint: FP, config: {}, versions: {}, branch: 'main' }, ...o.options },
  );
  return { out: await session.execute(), agent, lines: console.lines };
}

const world = (): World => ({ git: new FakeGit({ 'a.txt': 'a' }), runs: new MemoryRunStore() });
const newest = (w: World): MemoryRunLedger => [...w.runs.ledgers.values()].at(-1)!;
/** A budget stop: the second iteration's missing commit is a counted failure over --max-failures 0. */
const BUDGET_STOP = { acts: [commits, noCommit], values: { noCommitPolicy: 'count-failure' as const, maxFailures: 0 } };

test('after a budget stop the same command continues the experiment in a new run: numbering, rows, champion and memory carry over', async () => {
  const w = world();
  const first = await rerun(w, { iterations: 4, ...BUDGET_STOP });
  assert.equal(first.out.result.kind, 'stopped');
  const run1 = newest(w);
  // What the iteration memory left in the first run's folder.
  run1.files.set('ledger.json', JSON.stringify({ rows: [{ iteration: 1, slug: 'one' }, { iteration: 2, slug: 'two' }] }));
  run1.files.set('leaderboard.md', '| board of run 1 |');
  run1.files.set('experiment.json', '{"dir":"/x/exp-001-goal"}');
  const champion = (run1.state as RunState).champion!;
  w.git.commitAll('operator commit between the runs', { 'op.txt': 'op' });

  const second = await rerun(w, { iterations: 4 });
  assert.deepEqual(second.out.result, { kind: 'done', iterations: 4 });
  const run2 = newest(w);
  assert.notEqual(run2.runId, run1.runId, 'a new run, not a resume');
  assert.deepEqual(second.agent.calls.map((c) => c.iteration), [3, 4], 'numbering continues after the last finished iteration');
  const st = second.out.state;
  assert.deepEqual(st.completed.map((c) => c.iteration), [1, 2, 3, 4], 'the final table shows the whole experiment');
  assert.equal(st.failures, 0, 'budgets are per run');
  const atStart = run2.stateWrites.find((x) => x.state.iteration === 3 && x.state.phase === 'guard-tree')!.state;
  assert.equal(atStart.champion, champion, "the first run's champion, not the operator's HEAD");
  assert.deepEqual(run2.json('ledger.json'), { rows: [{ iteration: 1, slug: 'one', runId: run1.runId }, { iteration: 2, slug: 'two', runId: run1.runId }] });
  assert.equal(run2.files.get('leaderboard.md'), '| board of run 1 |');
  assert.equal(run2.files.get('experiment.json'), '{"dir":"/x/exp-001-goal"}', 'the --experiments-dir mirror keeps its folder');

  const run = run2.runJsonWrites[0]!;
  assert.deepEqual([run.experiment, run.firstIteration], [EXP, 3]);
  assert.deepEqual(run2.eventsLog[0], { type: 'run-started', runId: run2.runId, iterations: 4, fingerprint: FP, experiment: EXP, firstIteration: 3, continues: run1.runId });
  assert.ok(second.lines.includes(`run ${run2.runId}: iterations 3–4 of experiment ${EXP} (continues run ${run1.runId}); ledger in ${run2.runDir}`));
  const record = w.runs.experiments.get(EXP)!;
  assert.equal(record.iterations, 4);
  assert.deepEqual(
    record.runs.map((r) => [r.runId, r.status, r.firstIteration, r.lastIteration]),
    [[run1.runId, 'stopped', 1, 2], [run2.runId, 'done', 3, 4]],
  );
});

test('--iterations raised on a finished experiment continues to the new total; the same total again does nothing', async () => {
  const w = world();
  await rerun(w, { iterations: 2 });
  const raised = await rerun(w, { iterations: 3 });
  assert.deepEqual(raised.agent.calls.map((c) => c.iteration), [3]);
  assert.deepEqual(raised.out.state.completed.map((c) => c.iteration), [1, 2, 3]);
  assert.equal(w.runs.ledgers.size, 2);

  const again = await rerun(w, { iterations: 3 });
  assert.equal(again.out.nothingToDo, `experiment ${EXP} has finished 3 of 3 iteration(s) (run ${newest(w).runId}, done); raise --iterations or pass --new-experiment`);
  assert.equal(again.agent.calls.length, 0);
  assert.equal(w.runs.ledgers.size, 2, 'nothing was started');
  assert.equal(w.runs.experiments.get(EXP)!.runs.length, 2);
  const lower = await rerun(w, { iterations: 1 });
  assert.match(lower.out.nothingToDo ?? '', /finished 3 of 1 iteration/);
});

const ROW = { outcome: 'kept' as const, durationMs: 1, tokens: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 } };

/** A run of the experiment killed in iteration 2, resumable by its fingerprint. */
function interruptedRun(w: World): void {
  const run: Record<string, unknown> = { fingerprint: FP, runId: 'r-int', startedAt: '2026-01-01T00:00:00.000Z', status: 'interrupted', experiment: EXP, firstIteration: 1 };
  const state: RunState = { ...newState(), runId: 'r-int', status: 'interrupted', iteration: 2, completed: [{ iteration: 1, ...ROW }] };
  w.runs.listings = [{ runId: 'r-int', runDir: '/fake/logs/runs/r-int', run, state: state as unknown as Record<string, unknown> } satisfies RunListing];
}

test('--new-run starts a new run of the same experiment even when one could be resumed; numbering continues', async () => {
  const w = world();
  interruptedRun(w);
  const fresh = await rerun(w, { iterations: 3, options: { newRun: true } });
  const run = newest(w);
  assert.notEqual(run.runId, 'r-int', 'not resumed');
  assert.ok(!run.eventsLog.some((e) => e.type === 'resume'));
  assert.deepEqual(fresh.agent.calls.map((c) => c.iteration), [2, 3], 'from the last finished iteration on');
  assert.deepEqual(fresh.out.state.completed.map((c) => c.iteration), [1, 2, 3]);
  assert.equal(run.runJsonWrites[0]!.experiment, EXP);
});

test('--new-experiment starts a new experiment at iteration 1 with nothing carried over', async () => {
  const w = world();
  await rerun(w, { iterations: 2 });
  const run1 = newest(w);
  run1.files.set('ledger.json', JSON.stringify({ rows: [{ iteration: 1 }, { iteration: 2 }] }));
  const fresh = await rerun(w, { iterations: 2, options: { newExperiment: true } });
  const run2 = newest(w);
  assert.deepEqual(fresh.agent.calls.map((c) => c.iteration), [1, 2]);
  assert.deepEqual(fresh.out.state.completed.map((c) => c.iteration), [1, 2]);
  assert.equal(run2.files.get('ledger.json'), undefined, 'no rows carried');
  assert.equal(run2.runJsonWrites[0]!.experiment, `${EXP}-2`);
  assert.deepEqual(w.runs.experiments.get(`${EXP}-2`)!.runs.map((r) => r.runId), [run2.runId]);
  assert.deepEqual(w.runs.experiments.get(EXP)!.runs.map((r) => r.runId), [run1.runId], 'the old experiment is left as it was');
  // The plain command now continues the newest experiment.
  const next = await rerun(w, { iterations: 3 });
  assert.deepEqual(next.agent.calls.map((c) => c.iteration), [3]);
  assert.equal(newest(w).runJsonWrites[0]!.experiment, `${EXP}-2`);
});

test('an interrupted run of the experiment is still resumed: the same run, its record entry updated', async () => {
  const w = world();
  interruptedRun(w);
  await w.runs.writeExperiment({ schemaVersion: 1, id: EXP, fingerprint: EXP, createdAt: 'then', iterations: 2, runs: [{ runId: 'r-int', startedAt: 'then', status: 'interrupted', firstIteration: 1, lastIteration: 1 }] });
  const resumed = await rerun(w, { iterations: 2 });
  assert.deepEqual([...w.runs.ledgers.keys()], ['r-int'], 'no new run');
  assert.ok(w.runs.ledgers.get('r-int')!.eventsLog.some((e) => e.type === 'resume'));
  assert.deepEqual(resumed.agent.calls.map((c) => c.iteration), [2]);
  assert.deepEqual(w.runs.experiments.get(EXP)!.runs.map((r) => [r.runId, r.status, r.lastIteration]), [['r-int', 'done', 2]]);
});

test('a run of the experiment with a live owner is neither taken over nor continued: a new experiment starts beside it', async () => {
  const w = world();
  interruptedRun(w);
  const listed = w.runs.listings[0]!;
  listed.state = { ...listed.state, status: 'running', ownerPid: 77, ownerHost: 'here', ownerStartTime: 's77' };
  const s = await rerun(w, { iterations: 2, probe: probeFrom({ 77: 's77' }) });
  assert.deepEqual(s.agent.calls.map((c) => c.iteration), [1, 2]);
  assert.equal(newest(w).runJsonWrites[0]!.experiment, `${EXP}-2`);
  assert.ok(s.lines.includes(`run r-int of experiment ${EXP} is still running (pid 77 on here); starting a new experiment`));
});

test('a finished run killed before it released its TPU: the rerun takes the TPU over and releases it, and runs no iteration', async () => {
  for (const runStatus of ['running', 'done']) {
    const w = world();
    const state: RunState = { ...newState(), runId: 'r-rel', status: 'done', iteration: 2, iterationDone: true, tpuLeaseFile: '/fake/logs/leases/p-z-n.json', completed: [1, 2].map((iteration) => ({ iteration, ...ROW })) };
    w.runs.listings = [{ runId: 'r-rel', runDir: '/fake/logs/runs/r-rel', run: { fingerprint: FP, experiment: EXP, status: runStatus }, state: state as unknown as Record<string, unknown> }];
    const tpu = new RecordingTpuHold();
    const s = await rerun(w, { iterations: 2, extras: async () => ({ tpu }) });
    assert.equal(s.agent.calls.length, 0);
    if (runStatus === 'running') {
      assert.deepEqual(tpu.calls, [{ op: 'acquire' }, { op: 'release', hurry: false }], 'killed in finish(): the node it held is taken over and released');
      assert.equal(s.out.result.kind, 'done');
      assert.equal(w.runs.ledgers.size, 1);
    } else {
      assert.deepEqual(tpu.calls, [], 'a run that finished cleanly released its TPU itself');
      assert.match(s.out.nothingToDo ?? '', /raise --iterations/);
      assert.equal(w.runs.ledgers.size, 0);
    }
  }
});

/** A measurer that accepts every candidate and records what it was compared with. */
function recordingMeasurer(): Measurer & { championShas: string[] } {
  const championShas: string[] = [];
  return {
    championShas,
    ensureBaseline: async () => ({ ok: true }),
    decide: async (input): Promise<MeasureDecision> => {
      championShas.push(input.championSha);
      return { outcome: 'kept-within-noise', revert: false, runs: 1, reason: 'same', championSha: input.championSha };
    },
    remeasureChampion: async () => undefined,
  };
}

const SNAPSHOT = (head: string, cpu = '2 × Test CPU'): string => `# Environment snapshot\nDate: ${head.slice(0, 4)}\nGit SHA: ${head}\nCPU: ${cpu}\nTools:\n- git: 2\n`;

test('the baseline and champion carry over only when the environment matches the one the baseline was measured in', async () => {
  for (const cpu of ['2 × Test CPU', '64 × Other CPU']) {
    const w = world();
    const measurer = recordingMeasurer();
    const environment: EnvSnapshotter = { snapshot: async (head) => SNAPSHOT(head, cpu) };
    const prevRun = await w.runs.open('r-prev');
    const files = { 'baseline/result.txt': '1\n', 'baseline/env-snapshot.txt': SNAPSHOT('old-head'), 'baseline/baseline.json': '{"median":1}', 'champion.json': '{"sha":"c-prev"}' };
    for (const [f, t] of Object.entries(files)) prevRun.files.set(f, t);
    const state: RunState = { ...newState(), runId: 'r-prev', status: 'stopped', champion: 'c-prev', completed: [{ iteration: 1, ...ROW }] };
    w.runs.listings = [{ runId: 'r-prev', runDir: prevRun.runDir, run: { fingerprint: FP, experiment: EXP }, state: state as unknown as Record<string, unknown> }];
    const s = await rerun(w, { iterations: 2, extras: async () => ({ measurer, environment }) });
    const run = newest(w);
    const same = cpu === '2 × Test CPU';
    assert.deepEqual(Object.keys(files).map((f) => run.files.get(f)), same ? Object.values(files) : Object.keys(files).map(() => undefined), cpu);
    assert.equal(measurer.championShas[0] === 'c-prev', same, `compared with the earlier champion only in the same environment (${cpu})`);
    if (!same) assert.ok(s.lines.some((l) => /environment changed since run r-prev/.test(l)));
  }
});

test('the experiment fingerprint is the run fingerprint minus budgets: raising --max-failures keeps the experiment', () => {
  const v = { model: 'm', iterations: 3, maxFailures: 0, maxConsecutiveFailures: -1, noCommitPolicy: 'fail', newRun: false, newExperiment: false };
  const fp = experimentFingerprint(v);
  assert.equal(experimentFingerprint({ ...v, iterations: 9, maxFailures: 5, maxConsecutiveFailures: 2, newRun: true, newExperiment: true, sleepSeconds: 1 }), fp);
  assert.notEqual(configFingerprint({ ...v, maxFailures: 5 }), configFingerprint(v), 'a budget still tells runs apart for resume');
  assert.equal(configFingerprint({ ...v, newExperiment: true }), configFingerprint(v));
  assert.notEqual(experimentFingerprint({ ...v, noCommitPolicy: 'continue' }), fp, 'a policy is part of the experiment');
  assert.notEqual(experimentFingerprint({ ...v, model: 'other' }), fp);
});

test('the environment fingerprint ignores the snapshot\'s date and HEAD, nothing else', () => {
  assert.equal(environmentFingerprint(SNAPSHOT('aaaa1111')), environmentFingerprint(SNAPSHOT('bbbb2222')));
  assert.notEqual(environmentFingerprint(SNAPSHOT('aaaa1111')), environmentFingerprint(SNAPSHOT('aaaa1111', '4 × Test CPU')));
});

const row = (iteration: number, slug: string) => ({ iteration, slug, strategy: slug, outcome: 'kept', reverted: false, targetReached: false, reason: 'kept' });

test('the memory of a continuing run reads earlier iterations from the run that recorded them', async () => {
  const files = new MemoryFiles();
  const runs = '/repo/.agents/logs/runs';
  files.texts.set(`${runs}/r1/iter-002/reflexion.md`, '# Reflexion: iter-002 (run 1)\n');
  files.texts.set(`${runs}/r2/ledger.json`, carriedLedger(JSON.stringify({ rows: [row(1, 'a'), row(2, 'b')] }), `${runs}/r1`));
  const mem = createIterationMemory(
    { runDir: `${runs}/r2`, direction: 'lower', metric: 'ms' },
    { files, champions: new MemoryChampionStore(files), baselines: new MemoryBaselineStore(files) },
  );
  assert.equal((await mem.placeholders(3)).LAST_REFLEXION, '# Reflexion: iter-002 (run 1)\n');
  await mem.record(3, { outcome: 'kept', strategy: 'Retile' });
  assert.deepEqual((await mem.rows()).map((r) => [r.iteration, (r as { runId?: string }).runId]), [[1, 'r1'], [2, 'r1'], [3, undefined]]);
  assert.match(files.texts.get(`${runs}/r2/leaderboard.md`)!, /iter-001-a[\s\S]*iter-003-retile/);
  assert.equal((await mem.placeholders(4)).LAST_REFLEXION, files.texts.get(`${runs}/r2/iter-003/reflexion.md`));
});
