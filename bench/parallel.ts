/**
 * Throughput of `codex-loop --parallel K`: candidates per wall-minute at K = 1, 2, 4 and the orchestrator's own
 * CPU per candidate (this process's CPU while it runs the loop in process; the agents, post-checks and benches
 * are children and not counted). Each candidate is a fake agent that takes a fixed 2 s and commits, one
 * post-check (0.5 s) and a sleeping benchmark (0.2 s a run) measured against the champion at α/K, each slot
 * holding its own node of the project's TPU emulator (--hold-dev-tpu; the bench runs on this machine). Prints JSON.
 *
 *   npm run bench:parallel [-- --rounds 3]
 *
 * Target (issue 16): at K = 4 at least 80 % of the ideal speed-up (≥ 3.2× the K = 1 throughput), and the
 * orchestrator's CPU per candidate no higher than at K = 1.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { TempRepo } from '../test/helpers/temp-repo.js';
import { TpuEmulator } from '../test/fakes/tpu-emulator.js';
import { emulatorEnv } from '../test/fakes/tpu-fixtures.js';
import { loopEnv, runLoopInProcess } from '../test/helpers/loop-harness.js';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : dflt;
};
const ROUNDS = arg('rounds', 3);
const AGENT_MS = 2000;
const BENCH = 'sleep 0.2\necho "GDNCTL_METRIC {\\"step_ms\\": $(cat speed.txt)}"\n';
const COMMIT = 'slot=$(basename "$PWD"); n=$(git rev-list --count HEAD); echo "$slot $n" > "work-$slot.txt"; git add -A && git commit -qm "agent change $n"';

async function measure(k: number): Promise<Record<string, number>> {
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n', 'bench.sh': BENCH } });
  try {
    const key = join(repo.dir, '..', 'bench-key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const env = loopEnv(repo, [{ steps: [{ do: 'sleep', ms: AGENT_MS }, { do: 'shell', cmd: COMMIT }] }], { ...emulatorEnv(emu, 'bench-proj', key), GDNCTL_TPU_POLL_INTERVAL_MS: '20' });
    const candidates = k * ROUNDS;
    const args = [
      '--iterations', String(candidates), ...(k > 1 ? ['--parallel', String(k)] : []), '--sleep-seconds', '0', '--retry-sleep-seconds', '0',
      '--hold-dev-tpu', '--dev-tpu-name', `par-${k}`, '--bench-on', 'local',
      '--post-check', 'test -n "$GDNCTL_TPU_NAME" && sleep 0.5', '--bench', 'bash bench.sh', '--metric', 'step_ms', '--direction', 'lower',
      '--baseline-runs', '3', '--max-bench-runs', '5', '--inconclusive-policy', 'revert', '--no-commit-policy', 'continue', '--post-check-policy', 'continue', '--quiet',
    ];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await runLoopInProcess(repo, args, env);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (r.code !== 0) throw new Error(`K = ${k}: exit ${r.code}: ${r.stderr.slice(-2000)}`);
    return {
      k, candidates, wallS: Number((wallMs / 1000).toFixed(2)),
      candidatesPerMinute: Number(((candidates / wallMs) * 60_000).toFixed(2)),
      orchestratorCpuMsPerCandidate: Math.round((cpu.user + cpu.system) / 1000 / candidates),
    };
  } finally {
    await repo.dispose();
  }
}

const emu = await TpuEmulator.start({ readyDelayMs: 30, deleteDelayMs: 20 });
// A first run loads the modules (and warms git's caches) outside the measured ones.
await measure(1);
const rows = [];
for (const k of [1, 2, 4]) rows.push(await measure(k));
await emu.close();
const base = rows[0]!;
const k4 = rows[2]!;
const speedUp = k4.candidatesPerMinute! / base.candidatesPerMinute!;
process.stdout.write(JSON.stringify({
  bench: 'parallel',
  rounds: ROUNDS,
  perCandidate: { agentMs: AGENT_MS, postCheckMs: 500, benchRunMs: 200 },
  rows,
  speedUpK4: Number(speedUp.toFixed(2)),
  targets: { speedUpK4AtLeast3_2: speedUp >= 3.2, cpuPerCandidateNotAboveK1: k4.orchestratorCpuMsPerCandidate! <= base.orchestratorCpuMsPerCandidate! },
  note: 'wall time includes each run\'s baseline (3 bench runs); the machine\'s cores are shared by the K agents, post-checks and benches',
}, null, 2) + '\n');
