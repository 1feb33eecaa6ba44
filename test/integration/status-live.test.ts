/**
 * `gdnctl status --json / --check / --watch` beside a real running loop (fake codex that sits in its agent
 * phase), then after the loop's owner is SIGKILLed; and on hand-made run folders for the heartbeat rule and the
 * check's exit codes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, FAST, loopEnv, readJson, runDirs, spawnLoop, until } from '../helpers/loop-harness.js';
import { runCli } from '../helpers/cli.js';
import { leaseFileFor, writeLease } from '../../src/adapters/tpu/tpu-lease.js';

interface View {
  health: string;
  run: string;
  iteration: number;
  of: number;
  phase: { name: string; elapsedSeconds: number | null } | null;
  lastAction: string | null;
  tokens: Record<string, number> | null;
  eta: { seconds: number; remainingIterations: number } | null;
  owner: { pid: number; heartbeatAt: string | null };
  healthReason: string | null;
  finished: number;
}

test('status --json, --check and --watch while a loop runs, and after its owner is killed with SIGKILL', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  const env = loopEnv(repo, [
    { steps: [{ do: 'message', text: 'first pass' }, commitStep({ 'a.txt': 'b\n' })], usage: { input_tokens: 1200, output_tokens: 300 } },
    { steps: [{ do: 'message', text: 'reading the attention kernel' }, { do: 'sleep', ms: 60_000 }, commitStep({ 'a.txt': 'c\n' })] },
  ]);
  const loop = spawnLoop(repo, ['--iterations', '3', ...FAST], env);
  t.after(() => void loop.child.kill('SIGKILL'));
  let runDir = '';
  await until(() => {
    runDir = runDirs(repo).at(-1) ?? '';
    if (!runDir || !existsSync(join(runDir, 'state.json'))) return false;
    const s = readJson<{ iteration: number; phase: string }>(join(runDir, 'state.json'));
    const transcript = join(runDir, 'iter-002', 'transcript.jsonl');
    return s.iteration === 2 && s.phase === 'agent' && existsSync(transcript) && readFileSync(transcript, 'utf8').includes('attention');
  }, 30_000, `iteration 2's agent phase\n${loop.output()}`);

  const live = await runCli(['status', '--json'], repo.dir, repo.env);
  assert.equal(live.code, 0, live.stderr);
  const v = JSON.parse(live.stdout) as View;
  assert.equal(v.health, 'running');
  assert.equal(v.run, runDir.split('/').pop());
  assert.equal(v.iteration, 2);
  assert.equal(v.of, 3);
  assert.equal(v.phase?.name, 'agent');
  assert.ok(v.phase?.elapsedSeconds !== null && v.phase!.elapsedSeconds >= 0 && v.phase!.elapsedSeconds < 60, JSON.stringify(v.phase));
  assert.equal(v.lastAction, '» reading the attention kernel');
  assert.equal(v.tokens?.inputTokens, 1200, 'tokens so far, from state.json');
  assert.equal(v.finished, 1);
  assert.equal(v.eta?.remainingIterations, 2, 'ETA from the median iteration: the current one and one more');
  assert.equal(v.owner.pid, loop.child.pid);
  assert.ok(v.owner.heartbeatAt, 'the run wrote its heartbeat');

  const check = await runCli(['status', '--check'], repo.dir, repo.env);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /^running: run \S+, iteration 2\/3, phase agent\n$/);

  const text = await runCli(['status'], repo.dir, repo.env);
  assert.match(text.stdout, /iteration: 2, phase agent for \d+ s/);
  assert.match(text.stdout, /progress: 1 of 3 iteration\(s\) finished; ETA/);
  assert.match(text.stdout, /last action: » reading the attention kernel/);

  const watch = await runCli(['status', '--watch', '--watch-seconds', '0.2', '--watch-count', '3'], repo.dir, repo.env);
  assert.equal(watch.code, 0, watch.stderr);
  assert.equal(watch.stdout.match(/^run \S+: running$/gm)?.length, 3, `three frames:\n${watch.stdout}`);
  const watchJson = await runCli(['status', '--watch', '--json', '--watch-seconds', '0.1', '--watch-count', '2'], repo.dir, repo.env);
  const frames = watchJson.stdout.trim().split('\n').map((l) => JSON.parse(l) as View);
  assert.equal(frames.length, 2);
  assert.ok(frames.every((f) => f.health === 'running' && f.phase?.name === 'agent'));

  // SIGKILL leaves the agent's group behind (a resume ends it); the test ends it itself.
  const { agentPgid } = readJson<{ agentPgid?: number }>(join(runDir, 'state.json'));
  t.after(() => {
    try {
      if (agentPgid) process.kill(-agentPgid, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  loop.child.kill('SIGKILL');
  await loop.done;
  const dead = await runCli(['status', '--json'], repo.dir, repo.env);
  const d = JSON.parse(dead.stdout) as View;
  assert.equal(d.health, 'owner-dead');
  assert.match(d.healthReason!, new RegExp(`owner pid ${loop.child.pid} is gone`));
  const deadCheck = await runCli(['status', '--check'], repo.dir, repo.env);
  assert.equal(deadCheck.code, 3, deadCheck.stdout);
  assert.match(deadCheck.stdout, /^owner-dead: run \S+, iteration 2\/3, phase agent \(owner pid \d+ is gone\)/);
  const deadText = await runCli(['status'], repo.dir, repo.env);
  assert.match(deadText.stdout, /running in state\.json, but its owner pid \d+ is gone/);
});

function handMade(t: { after: (fn: () => void) => void }, state: Record<string, unknown>, heartbeatAgeMs?: number): Promise<TempRepo> {
  return TempRepo.create({ files: { 'a.txt': 'a\n' } }).then((repo) => {
    t.after(() => repo.dispose());
    const dir = join(repo.dir, '.agents', 'logs', 'gdn_codex_loop', 'runs', 'r1');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ schemaVersion: 1, runId: 'r1', iteration: 1, phase: 'agent', ...state }));
    if (heartbeatAgeMs !== undefined) writeFileSync(join(dir, 'heartbeat.json'), JSON.stringify({ schemaVersion: 1, pid: state.ownerPid, host: state.ownerHost, at: new Date(Date.now() - heartbeatAgeMs).toISOString() }));
    return repo;
  });
}

test('status --check: 0 running or done, 1 stopped or interrupted, 3 when the heartbeat is older than 3 minutes', async (t) => {
  const cases: Array<[Record<string, unknown>, number | undefined, number, string]> = [
    [{ status: 'running', ownerPid: process.pid, ownerHost: hostname() }, 30_000, 0, 'running'],
    [{ status: 'running', ownerPid: process.pid, ownerHost: hostname() }, 4 * 60_000, 3, 'owner-dead'],
    [{ status: 'running', ownerPid: 1, ownerHost: 'elsewhere' }, 10 * 60_000, 3, 'owner-dead'],
    [{ status: 'running', ownerPid: 1, ownerHost: 'elsewhere' }, 60_000, 0, 'running'],
    [{ status: 'done' }, undefined, 0, 'done'],
    [{ status: 'stopped', stopMessage: 'tests failed' }, undefined, 1, 'stopped'],
    [{ status: 'interrupted' }, undefined, 1, 'interrupted'],
  ];
  for (const [state, age, code, health] of cases) {
    const repo = await handMade(t, state, age);
    const r = await runCli(['status', '--check'], repo.dir, repo.env);
    assert.equal(r.code, code, `${JSON.stringify(state)} heartbeat ${age}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^${health}: run r1`));
    const j = JSON.parse((await runCli(['status', '--json'], repo.dir, repo.env)).stdout) as View;
    assert.equal(j.health, health);
  }
  const stale = await handMade(t, { status: 'running', ownerPid: process.pid, ownerHost: hostname() }, 4 * 60_000);
  const text = await runCli(['status'], stale.dir, stale.env);
  assert.match(text.stdout, /running in state\.json, but its owner looks dead: heartbeat is 4 min old/);
});

test('status --json names the held TPU from its lease (the real lease format) with its hours', async (t) => {
  const repo = await handMade(t, { status: 'running', ownerPid: process.pid, ownerHost: hostname() }, 1000);
  const logDir = join(repo.dir, '.agents', 'logs', 'gdn_codex_loop');
  const file = leaseFileFor(logDir, { project: 'proj', zone: 'us-central1-a', name: 'me-gdn' });
  writeLease({ schemaVersion: 1, phase: 'held', owner: 'me', project: 'proj', zone: 'us-central1-a', cluster: 'c', node: 'me-gdn', ownerPid: process.pid, ownerHost: hostname(), createdAt: new Date(Date.now() - 2 * 3600_000).toISOString(), file, updatedAt: '' });
  const stateFile = join(logDir, 'runs', 'r1', 'state.json');
  writeFileSync(stateFile, JSON.stringify({ ...readJson(stateFile), tpuLeaseFile: file }));
  const j = JSON.parse((await runCli(['status', '--json'], repo.dir, repo.env)).stdout) as { tpu: { name: string; zone: string; project: string; held: boolean; hours: number } };
  assert.equal(j.tpu.name, 'me-gdn');
  assert.equal(j.tpu.zone, 'us-central1-a');
  assert.equal(j.tpu.project, 'proj');
  assert.equal(j.tpu.held, true);
  assert.ok(Math.abs(j.tpu.hours - 2) < 0.01, String(j.tpu.hours));
  const text = await runCli(['status'], repo.dir, repo.env);
  assert.match(text.stdout, /TPU: me-gdn in us-central1-a \(proj\), held 2\.00 h/);
});
