import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoopConfigValues } from '../../src/core/loop/settings.js';
import type { RunState } from '../../src/core/loop/run-state.js';
import { RunSession, type RunExtras, type RunSessionDeps, type RunSessionOptions } from '../../src/core/run/run-session.js';
import { findResumable } from '../../src/core/run/recover.js';
import { ResourceError, UsageError } from '../../src/errors.js';
import type { Measurer } from '../../src/ports/bench.js';
import type { OwnerProbe, RunListing } from '../../src/ports/ledger.js';
import { FakeGit } from '../fakes/fake-git.js';
import { gitFiles, instantClock, newState, recordingConsole, ScriptedAgent, settings, type AgentAct } from '../fakes/loop-fakes.js';
import { FakeRunChildren, KillRecordingRunner, MemoryRunStore, probeFrom, RecordingTpuHold } from '../fakes/run-fakes.js';
import { runChildrenContract } from '../contract/run-children-contract.js';

const FP = 'fingerprint-1';
const OWNER = { pid: 4242, host: 'here', startTime: '777' };
const commits: AgentAct = (git, input) => void git.commitAll(`agent ${input.iteration}`, { [`f${input.iteration}.txt`]: String(input.iteration) });

interface Rig {
  git: FakeGit;
  runs: MemoryRunStore;
  runner: KillRecordingRunner;
  agent: ScriptedAgent;
  console: ReturnType<typeof recordingConsole>;
  controller: AbortController;
  alerts: string[];
  session: RunSession;
}

function rig(o: {
  git?: FakeGit;
  runs?: MemoryRunStore;
  acts?: AgentAct[];
  values?: Partial<LoopConfigValues>;
  extras?: (r: Rig) => Promise<RunExtras>;
  probe?: OwnerProbe;
  options?: Partial<RunSessionOptions>;
  children?: FakeRunChildren;
} = {}): Rig {
  const git = o.git ?? new FakeGit({ 'a.txt': 'a' });
  const r = {
    git, runs: o.runs ?? new MemoryRunStore(), runner: new KillRecordingRunner(), agent: new ScriptedAgent(git, o.acts ?? [commits]),
    console: recordingConsole(), controller: new AbortController(), alerts: [] as string[],
  } as Rig;
  const deps: RunSessionDeps = {
    git, agent: r.agent, runner: r.runner, clock: instantClock, files: gitFiles(git), console: r.console, signal: r.controller.signal, env: {},
    runs: r.runs, owner: OWNER, probeOwner: o.probe ?? probeFrom({}), killGraceMs: 10,
    extras: () => (o.extras ? o.extras(r) : Promise.resolve({})),
    alert: (m) => void r.alerts.push(m),
    children: o.children,
  };
  const s = settings({ iterations: 2, ...o.values });
  s.ledgerRel = '.agents/logs/gdn_codex_loop';
  r.session = new RunSession(s, deps, {
    newRun: false, record: { fingerprint: FP, config: { iterations: 2 }, versions: { gdnctl: '0.1.0', node: 'v20' }, branch: 'main' }, ...o.options,
  });
  return r;
}

function listing(runId: string, run: Record<string, unknown>, state?: Partial<RunState>): RunListing {
  return { runId, runDir: `/fake/logs/runs/${runId}`, run, state: state ? ({ ...newState(), runId, ...state } as unknown as Record<string, unknown>) : undefined };
}

test('start: one run.json write with every field, run-started, state.json with the owner and its start time', async () => {
  const r = rig();
  assert.equal(await r.session.start(), 1);
  const l = r.runs.only();
  assert.equal(l.runJsonWrites.length, 1, 'run.json is written once at the start');
  const run = l.runJsonWrites[0]!;
  assert.deepEqual(Object.keys(run), ['schemaVersion', 'runId', 'startedAt', 'status', 'fingerprint', 'config', 'versions', 'ownerPid', 'ownerHost', 'branch', 'repo']);
  assert.deepEqual(
    { ...run, startedAt: typeof run.startedAt },
    {
      schemaVersion: 1, runId: l.runId, startedAt: 'string', status: 'running', fingerprint: FP, config: { iterations: 2 },
      versions: { gdnctl: '0.1.0', node: 'v20' }, ownerPid: 4242, ownerHost: 'here', branch: 'main', repo: '/fake/repo',
    },
  );
  assert.deepEqual(l.eventsLog, [{ type: 'run-started', runId: l.runId, iterations: 2, fingerprint: FP }]);
  const st = l.state as RunState;
  assert.deepEqual([st.runId, st.status, st.ownerPid, st.ownerHost, st.ownerStartTime, st.iteration, st.attempt], [l.runId, 'running', 4242, 'here', '777', 1, 1]);
});

test('execute: the log dir is excluded, the run goes to its end, and run.json is merged (start fields kept) with status and endedAt', async () => {
  const r = rig();
  const out = await r.session.execute();
  assert.deepEqual(out.result, { kind: 'done', iterations: 2 });
  assert.deepEqual(r.git.excluded, ['/.agents/logs/gdn_codex_loop/']);
  const l = r.runs.only();
  assert.equal(l.runJsonWrites.length, 2, 'start and finish');
  const [first, last] = l.runJsonWrites;
  assert.deepEqual({ ...last, endedAt: undefined }, { ...first, status: 'done', endedAt: undefined });
  assert.equal(typeof last!.endedAt, 'string');
  assert.equal(out.state.status, 'done');
  assert.deepEqual(out.state.completed.map((c) => c.iteration), [1, 2]);
});

test('findResumable: the newest run of this fingerprint, if interrupted or its owner is dead; the start time tells a reused pid', async () => {
  const seen: Array<Parameters<OwnerProbe>[0]> = [];
  const alive = probeFrom({ 100: 'st-100' }, seen);
  const other = listing('r4', { fingerprint: 'other' }, { status: 'interrupted' });
  const runs = (...l: RunListing[]) => ({ list: async () => l });

  const live = listing('r3', { fingerprint: FP }, { status: 'running', ownerPid: 100, ownerHost: 'here', ownerStartTime: 'st-100' });
  assert.equal(await findResumable(runs(other, live), FP, alive), undefined, 'a live owner keeps its run');
  assert.deepEqual(seen.at(-1), { pid: 100, host: 'here', startTime: 'st-100' });

  const reused = listing('r3', { fingerprint: FP }, { status: 'running', ownerPid: 100, ownerHost: 'here', ownerStartTime: 'st-old' });
  assert.equal((await findResumable(runs(other, reused), FP, alive))?.runId, 'r3', 'the pid now belongs to another process');

  const older = listing('r1', { fingerprint: FP }, { status: 'interrupted' });
  const done = listing('r2', { fingerprint: FP }, { status: 'done' });
  assert.equal(await findResumable(runs(done, older), FP, alive), undefined, 'a newer finished run wins: start afresh');
  assert.equal((await findResumable(runs(other, older), FP, alive))?.runId, 'r1');
  assert.equal(await findResumable(runs(listing('r5', { fingerprint: FP })), FP, alive), undefined, 'no state.json yet: nothing to resume');
  const noPid = listing('r6', { fingerprint: FP }, { status: 'running', ownerPid: undefined as unknown as number });
  assert.equal((await findResumable(runs(noPid), FP, alive))?.runId, 'r6', 'no recorded owner counts as dead');
});

test('resume: the killed run is picked, its agent group ended, its unvalidated commit reverted, the attempt archived, numbering kept', async () => {
  const git = new FakeGit({ 'a.txt': 'a' });
  const headBefore = await git.head();
  git.commitAll('half-validated agent change', { 'a.txt': 'agent' });
  const runs = new MemoryRunStore();
  const killed = listing(
    'r-killed',
    { fingerprint: FP, runId: 'r-killed', startedAt: '2026-01-01T00:00:00.000Z', status: 'running', resumes: [{ at: 'earlier', pid: 1 }] },
    { status: 'running', ownerPid: 9, ownerHost: 'here', ownerStartTime: 'gone', iteration: 2, attempt: 1, phase: 'post-checks', headBefore, agentPgid: 555,
      completed: [{ iteration: 1, outcome: 'kept', durationMs: 1, tokens: { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 } }] },
  );
  runs.listings = [listing('r-newer-other', { fingerprint: 'other' }, { status: 'interrupted' }), killed];
  const r = rig({ git, runs });
  const out = await r.session.execute();

  assert.deepEqual([...runs.ledgers.keys()], ['r-killed'], 'no new run was created');
  const l = runs.only();
  assert.deepEqual(r.runner.killed, [555], "the killed run's agent group was ended first");
  assert.equal(git.read('a.txt'), 'a', 'the unvalidated range was reverted');
  assert.ok(git.subjects().includes('gdnctl: revert interrupted iteration 002'));
  assert.deepEqual(l.archived, [2]);
  assert.deepEqual(l.eventsLog[0], { type: 'resume', iteration: 2, phase: 'post-checks', agentPgid: 555 });
  assert.deepEqual(out.result, { kind: 'done', iterations: 2 });
  assert.deepEqual(out.state.completed.map((c) => c.iteration), [1, 2], 'iteration 2 keeps its number');
  assert.deepEqual([out.state.ownerPid, out.state.ownerHost, out.state.ownerStartTime], [4242, 'here', '777'], 'this process owns the run now');
  assert.equal(l.json<{ attempt: number }>('iter-002/record.json').attempt, 2, 'the redo is attempt K+1');
  assert.equal(r.agent.calls.length, 1, 'only iteration 2 ran again');
  const resumed = l.runJsonWrites[0]!;
  assert.equal(resumed.startedAt, '2026-01-01T00:00:00.000Z', "run.json keeps the first run's fields");
  assert.deepEqual((resumed.resumes as Array<{ pid: number }>).map((x) => x.pid), [1, 4242]);
  assert.equal(l.runJsonWrites.at(-1)!.status, 'done');
});

test('--new-run starts afresh even when a run could be resumed', async () => {
  const runs = new MemoryRunStore();
  runs.listings = [listing('r-old', { fingerprint: FP }, { status: 'interrupted' })];
  const r = rig({ runs, options: { newRun: true } });
  await r.session.execute();
  assert.equal(runs.ledgers.has('r-old'), false);
  assert.equal(runs.ledgers.size, 1);
});

test('finish on a signal: the TPU is released, state.json says interrupted without the agent group, run.json ends interrupted', async () => {
  const tpu = new RecordingTpuHold();
  const r = rig({
    extras: async () => ({ tpu }),
    acts: [(_git, input) => {
      r.controller.abort({ signalName: 'SIGTERM' });
      input.onSpawn?.(777);
      return { ok: false, failure: 'agent-interrupted' };
    }],
  });
  const out = await r.session.execute();
  assert.deepEqual(out.result, { kind: 'interrupted', signalName: 'SIGTERM' });
  assert.deepEqual(tpu.calls, [{ op: 'acquire' }, { op: 'release', hurry: false }]);
  const l = r.runs.only();
  const st = l.state as RunState;
  assert.equal(st.status, 'interrupted');
  assert.equal(st.agentPgid, undefined);
  assert.equal(st.tpuLeaseFile, '/fake/logs/leases/p-z-n.json', 'the lease was named in state.json once the TPU was held');
  assert.deepEqual(l.eventsLog.at(-1), { type: 'run-interrupted', signal: 'SIGTERM', iteration: 1 });
  assert.equal(l.runJsonWrites.at(-1)!.status, 'interrupted');
});

test('a second signal hurries the TPU release at once and in finish', async () => {
  const tpu = new RecordingTpuHold();
  const r = rig({
    extras: async () => ({ tpu }),
    acts: [() => {
      r.controller.abort({ signalName: 'SIGINT' });
      r.session.hurry();
      return { ok: false, failure: 'agent-interrupted' };
    }],
  });
  await r.session.execute();
  assert.deepEqual(tpu.calls.filter((c) => c.op === 'release'), [{ op: 'release', hurry: true }, { op: 'release', hurry: true }]);
});

test('a second signal while finish() waits out the TPU delete stops the wait: the exit does not wait for the delete', { timeout: 5000 }, async () => {
  const tpu = new RecordingTpuHold();
  let stopWaiting: (() => void) | undefined;
  tpu.release = async (opts: { hurry?: boolean } = {}) => {
    tpu.calls.push({ op: 'release', hurry: opts.hurry === true });
    if (opts.hurry) return stopWaiting?.();
    // The first (patient) release waits until a hurried one arrives, as LeasedTpuHold's waitDeleted does.
    await new Promise<void>((resolve) => (stopWaiting = resolve));
  };
  const r = rig({
    extras: async () => ({ tpu }),
    acts: [() => {
      r.controller.abort({ signalName: 'SIGTERM' });
      setTimeout(() => r.session.hurry(), 20); // the second signal comes while finish() waits
      return { ok: false, failure: 'agent-interrupted' };
    }],
  });
  const out = await r.session.execute();
  assert.deepEqual(out.result, { kind: 'interrupted', signalName: 'SIGTERM' });
  assert.deepEqual(tpu.calls.filter((c) => c.op === 'release'), [{ op: 'release', hurry: false }, { op: 'release', hurry: true }]);
  assert.equal((r.runs.only().state as RunState).status, 'interrupted');
});

test('an unexpected error leaves the run resumable: interrupted in state.json and run.json, the error goes on', async () => {
  const tpu = new RecordingTpuHold();
  const measurer: Measurer = {
    ensureBaseline: async () => {
      throw new Error('boom');
    },
    decide: async () => assert.fail('not reached'),
    remeasureChampion: async () => undefined,
  };
  const r = rig({ extras: async () => ({ tpu, measurer }) });
  await assert.rejects(r.session.execute(), /boom/);
  const l = r.runs.only();
  assert.equal((l.state as RunState).status, 'interrupted');
  assert.deepEqual(l.eventsLog.at(-1), { type: 'run-interrupted', signal: null, iteration: 1 });
  assert.equal(l.runJsonWrites.at(-1)!.status, 'interrupted');
  assert.deepEqual(tpu.calls.at(-1), { op: 'release', hurry: false });
});

test('a refused baseline stops the run before any iteration, with an alert the operator sees', async () => {
  const measurer: Measurer = {
    ensureBaseline: async () => ({ ok: false, reason: 'too noisy' }),
    decide: async () => assert.fail('no decision without a baseline'),
    remeasureChampion: async () => undefined,
  };
  const r = rig({ extras: async () => ({ measurer }) });
  const out = await r.session.execute();
  assert.deepEqual(out.result, { kind: 'stopped', stop: { reason: 'iteration-error', cause: 'policy-fail', iteration: 1, message: 'too noisy' } });
  assert.deepEqual(r.alerts, ['baseline refused: too noisy']);
  assert.equal(r.agent.calls.length, 0);
  const st = r.runs.only().state as RunState;
  assert.equal(st.status, 'stopped', 'a refused baseline is a stop, not a resumable run');
  assert.equal(st.stopMessage, 'too noisy');
});

test('no credentials / no TPU (a typed refusal before the agent runs): stopped, not interrupted; the TPU released; the error goes on', async () => {
  for (const error of [new ResourceError('no Google credentials; run gcloud auth application-default login'), new UsageError('bad --dev-tpu-type')]) {
    const tpu = new RecordingTpuHold();
    tpu.acquire = async () => {
      tpu.calls.push({ op: 'acquire' });
      throw error;
    };
    const r = rig({ extras: async () => ({ tpu }) });
    await assert.rejects(r.session.execute(), (e) => e === error);
    const l = r.runs.only();
    const st = l.state as RunState;
    assert.equal(st.status, 'stopped');
    assert.equal(st.stopMessage, error.message);
    assert.deepEqual(l.eventsLog.at(-1), { type: 'run-stopped', iteration: 1, message: error.message });
    assert.equal(l.runJsonWrites.at(-1)!.status, 'stopped');
    assert.deepEqual(tpu.calls.at(-1), { op: 'release', hurry: false });
    assert.equal(r.agent.calls.length, 0, 'the agent never ran');
  }
});

test('bootstrap already accepted in a resumed run: not repeated; its post-check and bench serve the rest of the run', async () => {
  const runs = new MemoryRunStore();
  runs.listings = [listing('r-boot', { fingerprint: FP }, { status: 'interrupted', iteration: 1, bootstrap: { commit: 'c0', postCheck: 'bash .gdnctl/regression-test.sh', bench: 'bash .gdnctl/bench.sh' } })];
  const benches: string[] = [];
  const measurer: Measurer = {
    ensureBaseline: async () => ({ ok: true }),
    decide: async () => ({ outcome: 'promoted', revert: false, runs: 1, reason: 'faster' }),
    remeasureChampion: async () => undefined,
  };
  const r = rig({
    runs,
    values: { iterations: 1 },
    options: {
      bootstrap: {
        needs: { test: true, bench: true },
        goal: { direction: 'lower', scope: [] },
        measurerFor: async (bench) => {
          benches.push(bench);
          return measurer;
        },
      },
    },
  });
  const out = await r.session.execute();
  assert.equal(out.result.kind, 'done');
  assert.deepEqual(benches, ['bash .gdnctl/bench.sh']);
  assert.equal(r.agent.calls.length, 1, 'iteration 1 only; no iteration 0');
  assert.ok(r.runner.specs.some((s) => s.argv.join(' ').includes('bash .gdnctl/regression-test.sh')), 'the bootstrap test ran as a post-check');
  assert.equal(out.state.completed.at(-1)!.status, 'promoted');
});

// Issue 13, "Resume and children".

runChildrenContract('FakeRunChildren', async () => {
  const f = new FakeRunChildren();
  return { children: f, start: async (o) => f.start(o), isAlive: async (pid) => f.isAlive(pid), dispose: async () => undefined };
});

function killedRun(state: Partial<RunState>): RunListing {
  return listing('r-killed', { fingerprint: FP, runId: 'r-killed', startedAt: '2026-01-01T00:00:00.000Z', status: 'running' }, {
    status: 'running', ownerPid: 9, ownerHost: 'here', ownerStartTime: 'gone', iteration: 1, attempt: 1, ...state,
  });
}

test('resume: every recorded group and every process with the killed owner\'s marker is ended before the tree is touched', async () => {
  const children = new FakeRunChildren('new-marker');
  const agentLeader = children.start({ tracked: false, marker: 'old-marker' });
  const checkLeader = children.start({ tracked: false });
  const checkMember = children.start({ tracked: false, pgid: checkLeader });
  const daemon = children.start({ tracked: false, marker: 'old-marker', pgid: 77 });
  const stranger = children.start({ tracked: false });
  const groups = [{ pgid: agentLeader, startTime: children.procs.get(agentLeader)!.startTime }, { pgid: checkLeader }, { pgid: stranger, startTime: 'an earlier process' }];
  const runs = new MemoryRunStore();
  runs.listings = [killedRun({ phase: 'post-checks', childGroups: groups, childMarker: 'old-marker', agentPgid: agentLeader })];
  const r = rig({ runs, children, values: { iterations: 1 } });
  const out = await r.session.execute();
  assert.deepEqual(out.result, { kind: 'done', iterations: 1 });
  for (const pid of [agentLeader, checkLeader, checkMember, daemon]) assert.ok(!children.isAlive(pid), `pid ${pid} was ended`);
  assert.ok(children.isAlive(stranger), 'a pid reused by a stranger was left alone');
  assert.deepEqual(r.runner.killed, [], 'the groups went through RunChildren, with their start times');
  const st = runs.only().state as RunState;
  assert.equal(st.childMarker, 'new-marker', 'state.json names the new process\'s marker');
  assert.deepEqual(st.childGroups, []);
});

test('a group the run starts is written to state.json at once; finish sweeps what is left', async () => {
  const children = new FakeRunChildren('m');
  const git = new FakeGit({ 'a.txt': 'a' });
  const runs = new MemoryRunStore();
  let pid = 0;
  const act: AgentAct = (g, input) => {
    pid = children.start({ marker: 'm' });
    void g.commitAll(`agent ${input.iteration}`, { 'b.txt': 'b' });
  };
  const r = rig({ git, runs, children, acts: [act], values: { iterations: 1 } });
  await r.session.execute();
  const writes = runs.only().stateWrites.map((w) => (JSON.parse(JSON.stringify(w.state)) as RunState).childGroups?.map((x) => x.pgid));
  assert.ok(writes.some((g) => g?.includes(pid)), `a state write named the group: ${JSON.stringify(writes)}`);
  assert.equal((runs.only().state as RunState).childMarker, 'm');
  assert.ok(!children.isAlive(pid), 'nothing the run started outlived it');
});

test('resume under --dirty-policy fail: after recovery the operator\'s own change is refused (exit 2), the run stays interrupted', async () => {
  const children = new FakeRunChildren('new');
  const agent = children.start({ tracked: false, marker: 'old' });
  const git = new FakeGit({ 'a.txt': 'a' });
  git.write({ 'mine.txt': 'operator work' });
  const runs = new MemoryRunStore();
  runs.listings = [killedRun({ phase: 'prompt', childGroups: [{ pgid: agent }], childMarker: 'old' })];
  const r = rig({ git, runs, children, values: { iterations: 1 } });
  await assert.rejects(r.session.execute(), (e: Error) => e instanceof UsageError && /working tree is dirty \(1 path: mine\.txt\)/.test(e.message));
  assert.ok(!children.isAlive(agent), 'the killed run\'s agent was ended first');
  assert.equal((runs.only().state as RunState).status, 'interrupted', 'not stopped: the same command resumes later');
  assert.equal(git.read('mine.txt'), 'operator work');
});

test('the memory files held back are written at the end of the run and on a signal before the next agent spawned', async () => {
  for (const signal of [false, true]) {
    const log: string[] = [];
    const memory = { placeholders: async () => ({}), directives: async () => [], record: async (i: number) => void log.push(`record ${i}`), flush: async () => void log.push('flush') };
    const r = rig({
      extras: async () => ({ memory }),
      acts: [
        commits,
        (git, input) => {
          if (!signal) return commits(git, input);
          r.controller.abort({ signalName: 'SIGINT' });
          return { ok: false, failure: 'agent-interrupted' };
        },
      ],
    });
    const out = await r.session.execute();
    assert.equal(out.result?.kind, signal ? 'interrupted' : 'done');
    assert.deepEqual(log, signal ? ['record 1', 'flush'] : ['record 1', 'record 2', 'flush']);
  }
});
