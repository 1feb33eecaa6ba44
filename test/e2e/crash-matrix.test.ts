import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { events, FAST, logDir, loopEnv, readJson, ROOT, runDirs, type Invocation, type LoopRun } from '../helpers/loop-harness.js';
import { TpuEmulator } from '../fakes/tpu-emulator.js';
import { emulatorEnv } from '../fakes/tpu-fixtures.js';

// The crash-consistency matrix (issue 7): the real built `bin/gdnctl codex-loop --hold-dev-tpu --dirty-policy stash`
// is SIGKILLed through a named fault point at each phase, then the same command is run again. See docs/reliability.md.
const BIN = join(ROOT, 'bin', 'gdnctl');
const TRACKED = 'tracked edit by the operator\n';
const UNTRACKED = 'untracked operator notes\n';
const commitStep = { do: 'shell', cmd: 'echo "$$-$RANDOM" > "agent-$$.txt" && git add -A && git commit -qm "agent change" && git rev-parse HEAD' };

interface Case {
  point: string;
  /** Extra env for the crashing run only (GDNCTL_FAULT_SKIP to land on a later pass through the point). */
  env?: Record<string, string>;
  postCheck?: string;
  agentSleepMs?: number;
  /** The crash happens before iteration 1 wrote any file, so its redo is still attempt 1. */
  noAttemptAside?: boolean;
  /** Killed after the run had finished its iterations: the rerun starts a fresh run. */
  freshRun?: boolean;
}

const CASES: Case[] = [
  { point: 'after-stash', noAttemptAside: true },
  { point: 'agent-running', agentSleepMs: 3000 },
  { point: 'after-agent-commit' },
  { point: 'during-post-check' },
  { point: 'during-revert', postCheck: 'exit 1' },
  // Writes 1-3 happen before iteration 1 starts; the 6th lands inside iteration 1 (after its prompt was written).
  { point: 'during-state-write', env: { GDNCTL_FAULT_SKIP: '5' } },
  { point: 'during-tpu-allocation', noAttemptAside: true },
  { point: 'during-release', freshRun: true },
];

let emu: TpuEmulator;
let keyDir: string;
before(async () => {
  emu = await TpuEmulator.start({ readyDelayMs: 30, deleteDelayMs: 20 });
  keyDir = mkdtempSync(join(tmpdir(), 'gdnctl-crash-key-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(keyDir, 'id')]);
});
after(async () => {
  await emu.close();
  rmSync(keyDir, { recursive: true, force: true });
});

function runGdnctl(repo: TempRepo, args: string[], env: Record<string, string>): Promise<LoopRun> {
  const child = spawn(process.execPath, [BIN, 'codex-loop', ...args], { cwd: repo.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((res) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code: code ?? (signal === 'SIGKILL' ? 137 : -1), stdout, stderr });
    }),
  );
}

/**
 * Every commit HEAD has pointed at, plus every stash but the operator's (that one is checked by content: once
 * restored into the tree it is dropped, as `git stash pop` does).
 */
function seenCommits(repo: TempRepo): Set<string> {
  const stashes = repo.stashList().filter((s) => !s.subject.includes('gdnctl-operator')).map((s) => s.sha);
  return new Set([...repo.git('reflog', '--format=%H', 'HEAD').split('\n').filter(Boolean), ...stashes]);
}

function reachable(repo: TempRepo, sha: string): boolean {
  const tips = ['HEAD', ...repo.stashList().map((s) => s.sha)];
  return tips.some((tip) => repo.tryGit('merge-base', '--is-ancestor', sha, tip).status === 0);
}

function assertEventsParse(repo: TempRepo): void {
  for (const run of runDirs(repo)) {
    const lines = readFileSync(join(run, 'events.jsonl'), 'utf8').split('\n').filter((l) => l.length > 0);
    assert.ok(lines.length > 0);
    for (const [k, line] of lines.entries()) {
      assert.doesNotThrow(() => JSON.parse(line), `${run}/events.jsonl line ${k + 1} parses: ${line.slice(0, 200)}`);
    }
  }
}

for (const c of CASES) {
  test(`crash matrix: SIGKILL at ${c.point}, then the same command again`, async (t) => {
    const repo = await TempRepo.create({ files: { 'a.txt': 'one\n' } });
    t.after(() => repo.dispose());
    writeFileSync(join(repo.dir, 'a.txt'), TRACKED);
    writeFileSync(join(repo.dir, 'wip.txt'), UNTRACKED);
    const statusBefore = repo.status();
    const marker = repo.scratch('fault.marker');
    const node = `crash-${c.point}`.slice(0, 40);
    const first: Invocation = { steps: c.agentSleepMs ? [{ do: 'sleep', ms: c.agentSleepMs }, commitStep] : [commitStep] };
    const env = loopEnv(repo, [first, { steps: [commitStep] }], emulatorEnv(emu, 'crash-proj', join(keyDir, 'id')));
    const args = [
      '--iterations', '2', ...FAST, '--dirty-policy', 'stash',
      '--hold-dev-tpu', '--dev-tpu-name', node, '--tpu-poll-interval-ms', '20',
      '--post-check', c.postCheck ?? 'true', '--post-check-policy', 'continue',
    ];

    const crashed = await runGdnctl(repo, args, { ...env, ...c.env, GDNCTL_FAULT: c.point, GDNCTL_FAULT_MARKER: marker });
    assert.ok(existsSync(marker), `fault ${c.point} did not fire (exit ${crashed.code}):\n${crashed.stderr}`);
    assert.equal(readFileSync(marker, 'utf8').trim(), c.point);
    assert.equal(crashed.code, 137, crashed.stderr);
    const seen = seenCommits(repo);
    const runsAfterCrash = runDirs(repo);
    const crashedState = readJson<{ iteration: number; phase: string }>(join(runsAfterCrash[0]!, 'state.json'));

    const rerun = await runGdnctl(repo, args, env);
    assert.equal(rerun.code, 0, rerun.stderr);

    // The operator's changes: back in the tree (the strong form of "restored or in a stash named by SHA").
    assert.equal(repo.read('a.txt'), TRACKED, 'tracked operator edit restored');
    assert.equal(repo.read('wip.txt'), UNTRACKED, 'untracked operator file restored');
    assert.deepEqual(repo.status(), statusBefore, 'the tree is dirty exactly as the operator left it');
    assert.ok(!repo.stashList().some((s) => s.subject.includes('gdnctl-operator')), 'no operator stash left behind');

    // No commit lost: everything HEAD pointed at (and every stash) during the crashed run is still reachable.
    for (const sha of seen) assert.ok(reachable(repo, sha), `commit ${sha} (${repo.git('log', '-1', '--format=%s', sha).trim()}) from the crashed run is reachable after the rerun`);

    // The TPU: no node left, no lease left.
    assert.deepEqual(emu.liveNodes().filter((n) => n.nodeId === node).map((n) => n.state), [], 'the emulator holds no node');
    const leases = join(logDir(repo), 'leases');
    assert.deepEqual(existsSync(leases) ? readdirSync(leases) : [], [], 'no lease file left');

    // Numbering continues in the same run; the interrupted iteration keeps its number.
    const runs = runDirs(repo);
    assert.equal(runsAfterCrash.length, 1);
    assert.equal(runs.length, c.freshRun ? 2 : 1, c.freshRun ? 'a finished run is not resumed' : 'the same run continued');
    const resumed = runs[0]!;
    if (!c.freshRun) assert.match(rerun.stderr, /resuming run/);
    const state = readJson<{ status: string; completed: Array<{ iteration: number }> }>(join(resumed, 'state.json'));
    assert.equal(state.status, 'done');
    assert.deepEqual(state.completed.map((x) => x.iteration), [1, 2]);
    if (!c.freshRun) {
      if (c.noAttemptAside) assert.ok(!existsSync(join(resumed, 'iter-001', 'attempt-1')), 'nothing to move aside');
      else {
        assert.ok(existsSync(join(resumed, 'iter-001', 'attempt-1', 'prompt.md')), 'the interrupted attempt moved to attempt-1/');
        assert.equal(readJson(join(resumed, 'iter-001', 'record.json')).attempt, 2);
      }
      assert.ok(!existsSync(join(resumed, 'iter-003')), 'no iteration beyond --iterations');
    }
    assertEventsParse(repo);
    const strays = runs.flatMap((r) => readdirSync(r).filter((f) => f.includes('.tmp-')));
    assert.deepEqual(strays, [], 'no half-written state file left by the killed run');
    const rerunEvents = runs.flatMap((r) => events(r));
    const found = rerunEvents.map((e) => String(e.type)).filter((x) => /^(resume|tpu-|revert|operator-restored|interrupted)/.test(x));
    t.diagnostic(`${c.point}: state at crash = iteration ${crashedState.iteration} phase ${crashedState.phase}; events: ${found.join(',')}`);
  });
}
