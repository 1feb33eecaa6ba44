/**
 * What a keep/revert decision on the TPU costs beyond the benchmark itself: a TPU held from the TPU API emulator
 * whose two workers are real sshd daemons on 127.0.0.2 and 127.0.0.3, the measurer of the loop (createMeasurer
 * with the remote adapters), and a bench that reports its own run time. Prints one JSON object.
 *
 *   npm run bench:decision-on-tpu
 *
 * Each decision takes 10 samples (5 per side: the sequential test stops at its first look for a clear win or a
 * clear no-change with --min-improvement-pct 5 --max-regression-pct 10) plus one warm-up per side.
 * `overheadMs` = the decision's wall time minus the bench's own run time on worker 0 (process start to exit).
 * A sync is what one `dev-tpu-test` run does (mkdir, prune and send to every worker); the per-sample design
 * (`dev-tpu-profile` as the bench) makes one per run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../src/config/resolve.js';
import { createMeasurer } from '../src/cli/measure/bench-measurer.js';
import { sshRemoteFor } from '../src/adapters/remote/setup-runner.js';
import { createTpuHold } from '../src/adapters/tpu/tpu-hold-factory.js';
import { createLogger, silentLogger } from '../src/log.js';
import type { Remote } from '../src/ports/remote.js';
import { startSshWorkers } from '../test/helpers/sshd.js';
import { TpuEmulator } from '../test/fakes/tpu-emulator.js';
import { emulatorEnv } from '../test/fakes/tpu-fixtures.js';

const BENCH = `import os, sys, time
sys.path.insert(0, os.getcwd())
import kern
t = time.perf_counter()
time.sleep(kern.DELAY_MS / 1000)
print('GDNCTL_METRIC {"step_ms": %.3f}' % ((time.perf_counter() - t) * 1000))
`;
// The bench's own run time, from the shell that starts it: python's start-up is the bench's, not gdnctl's.
const COMMAND = 's=$(date +%s%N); python3 bench.py; rc=$?; e=$(date +%s%N); echo "own_ns $((e - s))"; exit $rc';

const [emu, workers] = await Promise.all([TpuEmulator.start({ readyDelayMs: 20, deleteDelayMs: 10 }), startSshWorkers({ count: 2 })]);
const dir = mkdtempSync(join(tmpdir(), 'gdnctl-bench-tpu-'));
const repo = join(dir, 'repo');
const name = `gdnctl-bench-decision-${process.pid}`;
const git = (...a: string[]): string => execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@e', ...a], { cwd: repo, encoding: 'utf8' }).trim();
const commit = (delayMs: number, note = ''): string => {
  writeFileSync(join(repo, 'kern.py'), `${note}DELAY_MS = ${delayMs}\n`);
  git('add', '-A');
  git('commit', '-qm', `delay ${delayMs}${note ? ' (note)' : ''}`);
  return git('rev-parse', 'HEAD');
};

try {
  execFileSync('git', ['init', '-q', repo]);
  writeFileSync(join(repo, 'bench.py'), BENCH);
  writeFileSync(join(repo, '.gitignore'), '__pycache__/\n');
  const base = commit(60);
  const env: NodeJS.ProcessEnv = { ...process.env, ...emulatorEnv(emu, 'bench-proj', workers.keyFile), GDNCTL_TPU_POLL_INTERVAL_MS: '20' };
  const values = resolveConfig({
    command: 'codex-loop',
    cwd: repo,
    env,
    flags: {
      workdir: repo, iterations: 1, holdDevTpu: true, devTpuName: 'bench-tpu', devTpuType: 'v5p-16',
      sshUser: workers.user, sshPort: workers.port, sshKeyFile: workers.keyFile, knownHostsFile: join(workers.dir, 'kh'),
      sshRetries: 2, sshRetrySleepSeconds: 0, remoteDir: `~/${name}`,
      bench: COMMAND, metric: 'step_ms', direction: 'lower', baselineRuns: 3, acceptNoise: true,
      maxBenchRuns: 10, minImprovementPct: 5, maxRegressionPct: 10,
    },
  }).values;
  // BENCH_VERBOSE=1: every ssh argv, sync and run on stderr, with times.
  const log = process.env.BENCH_VERBOSE ? await createLogger({ format: 'pretty', verbose: true, quiet: false, stream: process.stderr, env: {} }) : await silentLogger();
  const hold = createTpuHold(values, { log, env });
  await hold.acquire();
  let syncs = 0;
  let sessions = 0;
  const counting = (): Remote => {
    const r = sshRemoteFor(values, env, log);
    return {
      sync: async (...a) => {
        syncs++;
        return r.sync(...a);
      },
      runAll: async (w, c, o) => {
        sessions += w.length;
        return r.runAll(w, c, o);
      },
      fetch: (...a) => r.fetch(...a),
      close: () => r.close(),
    };
  };
  const runDir = join(dir, 'run');
  const m = createMeasurer({ ...values, logDir: join(dir, 'logs') }, { repoRoot: repo, env, onLine: (l) => log.info(l), tpu: { values, log, hold: () => hold, makeRemote: counting } });
  const baselineT0 = Date.now();
  const ok = await m.ensureBaseline(runDir, base);
  if (!ok.ok) throw new Error(ok.reason);
  const baselineMs = Date.now() - baselineT0;

  // The floor of one run: an ssh session with a login shell on both workers that runs `true` (what every
  // remote command pays, dev-tpu-test's included), through a warm ControlMaster.
  const probe = sshRemoteFor(values, env, log);
  const node = hold.current()!;
  await probe.runAll(node.workers, 'true', {});
  const floorT0 = Date.now();
  for (let i = 0; i < 5; i++) await probe.runAll(node.workers, 'true', {});
  const sshFloorMs = Math.round((Date.now() - floorT0) / 5);
  await probe.close();

  const decision = async (iteration: number, head: string, championSha: string) => {
    const [s0, n0, t0] = [syncs, sessions, Date.now()];
    const iterDir = join(runDir, `iter-00${iteration}`);
    const d = await m.decide({ iteration, iterDir, head, championSha });
    const wallMs = Date.now() - t0;
    const rows = readFileSync(join(iterDir, 'bench-samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { warmup: boolean; workers: Array<{ worker: number; tail: string }> });
    const ownMs = rows.reduce((sum, r) => sum + Number(/own_ns (\d+)/.exec(r.workers.find((w) => w.worker === 0)!.tail)?.[1] ?? 0) / 1e6, 0);
    const samples = rows.filter((r) => !r.warmup).length;
    return {
      outcome: d.outcome,
      samples,
      warmups: rows.length - samples,
      wallMs,
      benchOwnMs: Math.round(ownMs),
      overheadMs: Math.round(wallMs - ownMs),
      overheadPerRunMs: Math.round((wallMs - ownMs) / rows.length),
      // What is left once every run has paid the ssh floor: syncs, the env snapshot, the tree markers.
      beyondSshFloorMs: Math.round(wallMs - ownMs - rows.length * sshFloorMs),
      syncs: syncs - s0,
      sshSessions: sessions - n0,
      perSampleDesignSyncs: rows.length,
    };
  };
  // The first decision also syncs the champion tree for the first time; the second has a champion that moved
  // (promoted in the first); the third one whose champion stayed.
  const first = await decision(1, commit(30), base);
  const fast = git('rev-parse', 'HEAD');
  const moved = await decision(2, commit(30, '# tidy\n'), fast);
  const stayed = await decision(3, commit(30, '# tidy again\n'), fast);
  process.stdout.write(
    JSON.stringify(
      {
        setup: '2 sshd workers on 127.0.0.2/3 behind the TPU API emulator (v5p-16); bench = python3 sleeping DELAY_MS; 1 warm-up per side',
        baseline: { runs: 4, wallMs: baselineMs },
        sshFloorMsPerRun: sshFloorMs,
        firstDecision: first,
        championMoved: moved,
        championStayed: stayed,
        target: 'syncs: 2 per decision when the champion moved, 1 when it did not',
      },
      null,
      2,
    ) + '\n',
  );
  await hold.release();
} finally {
  await Promise.all([emu.close(), workers.dispose()]);
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(userInfo().homedir, name), { recursive: true, force: true });
}
