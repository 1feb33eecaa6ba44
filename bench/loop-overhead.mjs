#!/usr/bin/env node
// Loop overhead (issue 14): `gdnctl codex-loop` as the operator starts it (bin/gdnctl, a fresh process), 20
// iterations with an instant fake agent that commits and a `true` post-check, on a 10-file and a 50,000-file
// repository. A `codex` wrapper first on PATH stamps each agent run's start and end (bash $EPOCHREALTIME, no
// extra process), so the figures are the loop's own:
//   gap         agent exit → next agent spawn, minus that iteration's post-check process time (record.json)
//   launch      process spawn → first agent start (and gdnctl's CPU time by then, from /proc/<pid>/stat)
//   exit        last agent exit → gdnctl's exit
//   git spawns  per iteration and before the first agent, from a second, shorter run with a logging `git`
//               (its own cost would show in the gap, so the timed run has none)
//   floor       the same 3 git commands an iteration needs (status --porcelain=v2, the range's log and diff),
//               spawned from node one after the other, measured in the same run on the same repository
//   bare node   spawn → exit of `node -e 0` in the same environment (the part of launch no node program avoids)
// The caller's NODE_EXTRA_CA_CERTS and NODE_OPTIONS are dropped (bench-repo.mjs NODE_STARTUP_ENV; the JSON names
// the ones that were set). Target: gap ≤ max(1.5 × floor, floor + 5 ms). Prints one JSON object; BENCH_ITERATIONS,
// BENCH_SIZES, BENCH_ROUNDS, BENCH_NODE_FLAGS.
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchEnv, initBenchRepo, median, NODE_STARTUP_ENV } from './bench-repo.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const GDNCTL = join(root, 'bin', 'gdnctl');
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20);
const SIZES = (process.env.BENCH_SIZES ?? '10,50000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// Extra node flags for gdnctl's process (experiments: BENCH_NODE_FLAGS='--no-opt'); none by default.
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const r1 = (x) => +x.toFixed(1);

function makeRepo(base, files, e) {
  const dir = join(base, 'repo');
  const git = initBenchRepo(dir, e, (d0) => {
    for (let i = 0; i < files; i++) {
      const d = join(d0, 'src', `d${Math.floor(i / 500)}`);
      if (i % 500 === 0) mkdirSync(d, { recursive: true });
      writeFileSync(join(d, `f${i}.txt`), `file ${i}\n`);
    }
  });
  // A second commit, so the floor has a range from the start; and a warm index stat cache, as a repository
  // someone works in would have.
  writeFileSync(join(dir, 'bench.txt'), 'start\n');
  git('add', 'bench.txt');
  git('commit', '-q', '-m', 'bench start');
  git('status', '--porcelain');
  return { dir, git };
}

function which(cmd, path) {
  for (const d of path.split(':')) if (d && existsSync(join(d, cmd))) return join(d, cmd);
  throw new Error(`${cmd} not on PATH`);
}

/** bin/codex (stamps start/end, runs the fake) and, with gitLog, bin-git/git (logs "<ppid> <args>"). */
function wrappers(base, e) {
  const bin = join(base, 'bin');
  const gitBin = join(base, 'bin-git');
  mkdirSync(bin);
  mkdirSync(gitBin);
  const agentLog = join(base, 'agent.log');
  const gitLog = join(base, 'git.log');
  writeFileSync(
    join(bin, 'codex'),
    `#!/bin/bash\nread -r -a st < /proc/$PPID/stat\necho "start $EPOCHREALTIME \${st[13]} \${st[14]}" >> '${agentLog}'\necho AGENT >> '${gitLog}'\n'${join(root, 'test/fakes/bin/codex')}' "$@"\nrc=$?\necho "end $EPOCHREALTIME" >> '${agentLog}'\nexit $rc\n`,
  );
  writeFileSync(join(gitBin, 'git'), `#!/bin/sh\nprintf '%s %s\\n' "$PPID" "$*" >> '${gitLog}'\nexec '${which('git', e.PATH)}' "$@"\n`);
  chmodSync(join(bin, 'codex'), 0o755);
  chmodSync(join(gitBin, 'git'), 0o755);
  return { bin, gitBin, agentLog, gitLog };
}

async function runLoop(dir, env, iterations) {
  const t0 = Date.now() + (performance.now() % 1);
  const child = spawn(process.execPath, [...NODE_FLAGS, GDNCTL, 'codex-loop', '--iterations', String(iterations), '--sleep-seconds', '0', '--post-check', 'true', '--quiet', '--new-experiment'], {
    cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const code = await new Promise((r) => child.on('exit', (c) => r(c)));
  const t1 = Date.now();
  if (code !== 0) throw new Error(`loop exited ${code}: ${stderr.slice(-500)}`);
  return { pid: child.pid, t0, t1 };
}

function runDirOf(dir) {
  const runsDir = join(dir, '.agents/logs/gdn_codex_loop/runs');
  return join(runsDir, readdirSync(runsDir).sort().at(-1));
}

const gitAsync = (dir, env, args) =>
  new Promise((res, rej) => execFile('git', args, { cwd: dir, env, maxBuffer: 1 << 28 }, (err, out) => (err ? rej(err) : res(out))));

/** The iteration's 3 git commands, spawned from node, one after the other. */
async function floorMs(dir, env, n) {
  const from = (await gitAsync(dir, env, ['rev-parse', 'HEAD~1'])).trim();
  const to = (await gitAsync(dir, env, ['rev-parse', 'HEAD'])).trim();
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await gitAsync(dir, env, ['status', '--porcelain=v2', '--branch', '--no-ahead-behind', '-z']);
    await gitAsync(dir, env, ['log', '--reverse', '--format=%H%x00%P%x00%s', `${from}..${to}`]);
    await gitAsync(dir, env, ['diff', '--name-only', '-z', '--no-renames', from, to]);
    out.push(performance.now() - t0);
  }
  return out;
}

async function measure(files) {
  const base = mkdtempSync(join(tmpdir(), 'gdnctl-bench-'));
  try {
    const home = join(base, 'home');
    mkdirSync(home);
    const e = benchEnv(home);
    const t0 = performance.now();
    const { dir } = makeRepo(base, files, e);
    const setupMs = performance.now() - t0;
    const w = wrappers(base, e);
    const scenario = join(base, 'scenario.json');
    writeFileSync(scenario, JSON.stringify([{ steps: [{ do: 'shell', cmd: 'echo "$$" > bench.txt && git add -- bench.txt && git commit -q -m "bench $$"' }] }]));
    const loopEnv = { ...e, PATH: `${w.bin}:${e.PATH}`, FAKE_CODEX_SCENARIO: scenario };
    const gaps = [];
    const launch = [];
    const launchCpu = [];
    const exit = [];
    const floor = [];
    const phases = {};
    for (let round = 0; round < ROUNDS; round++) {
      floor.push(...(await floorMs(dir, e, 10)));
      rmSync(w.agentLog, { force: true });
      const run = await runLoop(dir, loopEnv, ITERATIONS);
      floor.push(...(await floorMs(dir, e, 10)));
      const marks = readFileSync(w.agentLog, 'utf8').trim().split('\n').map((l) => {
        const [kind, s, utime, stime] = l.split(' ');
        return { kind, ms: Number(s) * 1000, cpuMs: (Number(utime) + Number(stime)) * 10 };
      });
      // gdnctl's own CPU time (user + sys, 10 ms clock ticks) when its first agent starts: steadier than wall time
      // on a loaded machine.
      launchCpu.push(marks.find((m) => m.kind === 'start').cpuMs);
      const starts = marks.filter((m) => m.kind === 'start').map((m) => m.ms);
      const ends = marks.filter((m) => m.kind === 'end').map((m) => m.ms);
      const runDir = runDirOf(dir);
      for (let i = 1; i <= ITERATIONS; i++) {
        const rec = JSON.parse(readFileSync(join(runDir, `iter-${String(i).padStart(3, '0')}`, 'record.json'), 'utf8'));
        if (rec.outcome !== 'kept') throw new Error(`iteration ${i} was ${rec.outcome} (${rec.reason ?? ''})`);
        for (const [k, v] of Object.entries(rec.durationsMs)) (phases[k] ??= []).push(v);
        if (i < ITERATIONS) gaps.push(starts[i] - ends[i - 1] - rec.postCheckProcessMs);
      }
      launch.push(starts[0] - run.t0);
      exit.push(run.t1 - ends.at(-1));
    }
    // The spawn count, from a run with the logging git (3 iterations are enough: every one is alike).
    rmSync(w.gitLog, { force: true });
    writeFileSync(w.agentLog, '');
    const counted = await runLoop(dir, { ...loopEnv, PATH: `${w.gitBin}:${loopEnv.PATH}` }, 3);
    // Split at each agent start: [before the first agent, iteration 1's checks, …]; the wrapper's parent is gdnctl.
    const split = [[]];
    for (const l of readFileSync(w.gitLog, 'utf8').trim().split('\n')) {
      if (l === 'AGENT') split.push([]);
      else if (Number(l.split(' ')[0]) === counted.pid) split.at(-1).push(l.slice(l.indexOf(' ') + 1).split(' ').slice(0, 2).join(' '));
    }
    const [startUp, ...perIteration] = split;
    const gapMs = median(gaps);
    const floorMed = median(floor);
    const targetMs = Math.max(1.5 * floorMed, floorMed + 5);
    return {
      files,
      setupMs: Math.round(setupMs),
      gapMsMedian: r1(gapMs),
      gapMsP90: r1([...gaps].sort((a, b) => a - b)[Math.floor(gaps.length * 0.9)]),
      floorMsMedian: r1(floorMed),
      gapOverFloor: +(gapMs / floorMed).toFixed(2),
      gapTargetMs: r1(targetMs),
      gapWithinTarget: gapMs <= targetMs,
      launchToFirstAgentMs: r1(median(launch)),
      launchCpuMsMedian: median(launchCpu),
      lastAgentToExitMs: r1(median(exit)),
      gitSpawns: { beforeFirstAgent: startUp.length, perIteration: perIteration.map((x) => x.length), startUp, iteration: perIteration[1] },
      phaseMsMedian: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, r1(median(v))])),
    };
  } finally {
    if (process.env.BENCH_KEEP === "1") console.error(base); else rmSync(base, { recursive: true, force: true });
  }
}

/** Spawn → exit of a bare `node -e 0` in the benchmark's environment: what any node program pays before its code. */
async function bareNodeMs(n) {
  const env = benchEnv(tmpdir());
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await new Promise((res) => spawn(process.execPath, ['-e', '0'], { env, stdio: 'ignore' }).on('exit', res));
    out.push(performance.now() - t0);
  }
  return r1(median(out));
}

const results = [];
const bareNode = await bareNodeMs(10);
for (const n of SIZES) results.push(await measure(n));
const small = results.find((r) => r.files === Math.min(...SIZES));
process.stdout.write(
  JSON.stringify(
    {
      bench: 'loop-overhead',
      iterations: ITERATIONS,
      rounds: ROUNDS,
      node: process.version,
      loadAverage: (await import('node:os')).loadavg().map(r1),
      bareNodeMs: bareNode,
      nodeStartupEnvDropped: NODE_STARTUP_ENV.filter((k) => process.env[k] !== undefined),
      results,
      targets: 'gap <= max(1.5x floor, floor + 5 ms) on every repo; launch -> first agent <= 150 ms and last agent -> exit <= 40 ms on the small repo',
      met: results.every((r) => r.gapWithinTarget) && small.launchToFirstAgentMs <= 150 && small.lastAgentToExitMs <= 40,
    },
    null,
    2,
  ) + '\n',
);
