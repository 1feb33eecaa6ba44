#!/usr/bin/env node
// Flatness: one long `gdnctl codex-loop` run (BENCH_ITERATIONS, default 1,000) with an instant fake agent that
// commits every time, a `true` post-check and --sleep-seconds 0, as bin/gdnctl in its own process (in this one
// through makeProgram with BENCH_IN_PROCESS=1). Per-iteration
// cost is read back from each iter-NNN/record.json (durationsMs.total) and from the gaps between consecutive
// `iteration-recorded` events (which also include the work between iterations: state, memory, events). The
// last window (BENCH_WINDOW, default 100) must cost within 1.2x of the first. loopCpu is the gdnctl process's
// own CPU time per iteration, which other load on the machine disturbs far less. Resident memory (issue 14): the
// peak so far at iterations 10, 100 and 1,000 must stay within 10 % of iteration 10's and under 60 MiB.
// Prints one JSON object.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { benchEnv, initBenchRepo, median } from './bench-repo.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { makeProgram } = await import(join(root, 'dist/cli/program.js'));
const { Interrupt } = await import(join(root, 'dist/cli/interrupt.js'));
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 1000);
const WINDOW = Math.min(Number(process.env.BENCH_WINDOW ?? 100), Math.floor(ITERATIONS / 2));
const KEEP = process.env.BENCH_KEEP === '1';
const RSS_AT = [10, 100, 1000].filter((n) => n <= ITERATIONS);
// BENCH_HEAP_SNAPSHOTS=10,100 writes heap snapshots at those iterations (to the temp dir) for a comparison.
const SNAPSHOT_AT = (process.env.BENCH_HEAP_SNAPSHOTS ?? '').split(',').filter(Boolean).map(Number);
const TRACE_RSS = process.env.BENCH_TRACE_RSS === '1';
// BENCH_IN_PROCESS=1 runs the loop in this process (heap figures and snapshots); else bin/gdnctl as a child.
const IN_PROCESS = process.env.BENCH_IN_PROCESS === '1';
let sample;
const mib = (b) => +(b / 2 ** 20).toFixed(1);

const r1 = (x) => +x.toFixed(1);
const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

const base = mkdtempSync(join(tmpdir(), 'gdnctl-bench-flat-'));
try {
  const home = join(base, 'home');
  mkdirSync(home);
  const e = benchEnv(home);
  const dir = join(base, 'repo');
  const git = initBenchRepo(dir, e, (d) => {
    for (let i = 0; i < 10; i++) writeFileSync(join(d, `f${i}.txt`), `file ${i}\n`);
  });

  // One file per iteration would make the tree (and `git status`) grow with the run; rewriting one file keeps
  // the repository's size flat, so any growth measured is the loop's own.
  const scenario = join(base, 'scenario.json');
  writeFileSync(scenario, JSON.stringify([{ steps: [{ do: 'shell', cmd: 'echo "$$" > bench.txt && git add -- bench.txt && git commit -q -m "bench $$"' }] }]));
  const loopEnv = { ...e, PATH: `${join(root, 'test/fakes/bin')}:${e.PATH}`, FAKE_CODEX_SCENARIO: scenario };
  let errTail = '';
  // The loop's own CPU time per iteration (its process only, not its children): much steadier than wall time
  // on a shared machine. Sampled at the first status line of each iteration ("iteration N/M · …").
  const cpuAt = new Map();
  // Resident memory of the loop's process: the peak so far at iterations 10, 100 and 1,000.
  let peakRss = 0;
  const rssAt = {};
  const stderr = new Writable({
    write: (c, _e, cb) => {
      const text = c.toString();
      errTail = (errTail + text).slice(-2000);
      const m = /iteration (\d+)\//.exec(text);
      if (m && !cpuAt.has(Number(m[1]))) {
        const n = Number(m[1]);
        const now = sample();
        cpuAt.set(n, now.cpuMs);
        peakRss = Math.max(peakRss, now.rss, now.hwm ?? 0);
        if (RSS_AT.includes(n) || TRACE_RSS) {
          const at = { rssMiB: mib(now.rss), peakMiB: mib(peakRss), ...now.heap };
          if (RSS_AT.includes(n)) rssAt[n] = at;
          if (TRACE_RSS && n % 10 === 0) process.stderr.write(`${n} ${JSON.stringify(at)}\n`);
        }
        if (IN_PROCESS && SNAPSHOT_AT.includes(n)) writeHeapSnapshot(join(tmpdir(), `gdnctl-flatness-${process.pid}-${n}.heapsnapshot`));
      }
      cb();
    },
  });
  const argv = ['codex-loop', '--iterations', String(ITERATIONS), '--sleep-seconds', '0', '--post-check', 'true'];
  const t0 = performance.now();
  let code;
  if (IN_PROCESS) {
    sample = () => {
      const u = process.cpuUsage();
      const m = process.memoryUsage();
      return { cpuMs: (u.user + u.system) / 1000, rss: m.rss, heap: { heapTotalMiB: mib(m.heapTotal), heapUsedMiB: mib(m.heapUsed), externalMiB: mib(m.external), arrayBuffersMiB: mib(m.arrayBuffers) } };
    };
    const cli = makeProgram({ stdout: sink(), stderr, env: loopEnv, cwd: dir, interrupt: new Interrupt() });
    code = await cli.run(argv);
  } else {
    // The loop as the operator runs it: bin/gdnctl in its own process, read from /proc (peak = VmHWM).
    const child = spawn(process.execPath, [join(root, 'bin', 'gdnctl'), ...argv], { cwd: dir, env: loopEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    const tick = 1000 / 100;
    sample = () => {
      const st = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
      return { cpuMs: (Number(f[11]) + Number(f[12])) * tick, rss: kb('VmRSS'), hwm: kb('VmHWM'), heap: {} };
    };
    child.stderr.pipe(stderr);
    code = await new Promise((r) => child.on('exit', r));
  }
  const wallS = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`loop exited ${code}: ${errTail}`);

  const runsDir = join(dir, '.agents/logs/gdn_codex_loop/runs');
  const run = join(runsDir, readdirSync(runsDir)[0]);
  const total = [];
  const overhead = [];
  for (let i = 1; i <= ITERATIONS; i++) {
    const rec = JSON.parse(readFileSync(join(run, `iter-${String(i).padStart(3, '0')}`, 'record.json'), 'utf8'));
    if (rec.outcome !== 'kept') throw new Error(`iteration ${i} was ${rec.outcome} (${rec.reason ?? ''}), expected kept`);
    total.push(rec.durationsMs.total);
    overhead.push(rec.durationsMs.total - rec.agentProcessMs - rec.postCheckProcessMs);
  }
  // Wall time from one iteration's record to the next: everything the loop does per iteration.
  const recorded = readFileSync(join(run, 'events.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"iteration-recorded"')).map((l) => Date.parse(JSON.parse(l).ts));
  const gaps = recorded.slice(1).map((t, k) => t - recorded[k]);
  const windows = (xs) => {
    const first = median(xs.slice(0, WINDOW));
    const last = median(xs.slice(-WINDOW));
    return { firstMedianMs: r1(first), lastMedianMs: r1(last), ratio: +(last / first).toFixed(3) };
  };
  const cycle = windows(gaps);
  const cpu = [];
  for (let i = 1; i < ITERATIONS; i++) cpu.push(cpuAt.get(i + 1) - cpuAt.get(i));
  const size = (f) => { try { return statSync(join(run, f)).size; } catch { return 0; } };
  process.stdout.write(
    JSON.stringify(
      {
        bench: 'flatness',
        node: process.version,
        iterations: ITERATIONS,
        window: WINDOW,
        wallSeconds: r1(wallS),
        perIterationMsMean: r1((wallS * 1000) / ITERATIONS),
        iterationCycle: cycle,
        recordTotal: windows(total),
        loopOverhead: windows(overhead),
        loopCpu: windows(cpu),
        rss: rssAt,
        // Flat: the peak at the last mark within 10 % of the peak at iteration 10.
        rssFlat: RSS_AT.length > 1 ? rssAt[RSS_AT.at(-1)].peakMiB <= 1.1 * rssAt[RSS_AT[0]].peakMiB : null,
        rssPeakWithin60MiB: mib(peakRss) <= 60,
        runFilesKb: Object.fromEntries(['events.jsonl', 'state.json', 'ledger.json', 'ledger.jsonl', 'leaderboard.md', 'final-report.md'].map((f) => [f, Math.round(size(f) / 1024)])),
        target: `last ${WINDOW} iterations within 1.2x of the first ${WINDOW} (iteration cycle, median)`,
        met: cycle.ratio <= 1.2,
        // The same bound on gdnctl's own CPU time, which neighbours on a shared machine disturb far less.
        loopCpuWithinTarget: +(median(cpu.slice(-WINDOW)) / median(cpu.slice(0, WINDOW))).toFixed(3) <= 1.2,
        ...(KEEP ? { runDir: run } : {}),
      },
      null,
      2,
    ) + '\n',
  );
} finally {
  if (!KEEP) rmSync(base, { recursive: true, force: true });
}
