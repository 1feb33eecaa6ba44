#!/usr/bin/env node
// Agent output through the real loop: `gdnctl codex-loop --iterations 1` (dist/cli/main.js, its own process)
// runs the fake codex, which floods BENCH_MB (default 2048) of command_execution events in one iteration and
// then commits. The whole path is live: codex adapter, process runner, transcript writer, redaction (a
// *_TOKEN secret is set and printed once by the agent) and console rendering (not --quiet; stderr is read
// here). Peak RSS is the kernel's high-water mark (VmHWM) of the gdnctl process. Prints one JSON object.
import { spawn } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchEnv, initBenchRepo } from './bench-repo.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const MB = Number(process.env.BENCH_MB ?? 2048);
const RSS_LIMIT_MB = 150;
const SECRET = 'bench-secret-value-0123456789';
const EVENT_BYTES = 64 * 1024; // the fake's flood: 64 KB of output per event

function vmHwmKb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Lines and bytes of a file, streamed (the transcript is bigger than this process should hold). */
async function scan(file, needle) {
  let lines = 0;
  let hits = 0;
  let leaked = 0;
  let redactions = 0;
  let carry = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = carry + chunk;
    const parts = text.split('\n');
    carry = parts.pop() ?? '';
    for (const p of parts) {
      lines++;
      if (p.includes(needle)) hits++;
      if (p.includes(SECRET)) leaked++;
      if (p.includes('[redacted]')) redactions++;
    }
  }
  return { lines, hits, leaked, redactions, bytes: statSync(file).size };
}

const base = mkdtempSync(join(tmpdir(), 'gdnctl-bench-loopout-'));
try {
  const home = join(base, 'home');
  mkdirSync(home);
  const e = benchEnv(home);
  const dir = join(base, 'repo');
  const git = initBenchRepo(dir, e, (d) => writeFileSync(join(d, 'README'), 'bench\n'));
  const scenario = join(base, 'scenario.json');
  writeFileSync(scenario, JSON.stringify([{ steps: [
    { do: 'print-env', name: 'BENCH_API_TOKEN' },
    { do: 'flood', mb: MB },
    { do: 'shell', cmd: 'echo done > out.txt && git add out.txt && git commit -q -m "flooded"' },
    { do: 'message', text: 'done' },
  ] }]));
  const loopEnv = { ...e, PATH: `${join(root, 'test/fakes/bin')}:${e.PATH}`, FAKE_CODEX_SCENARIO: scenario, BENCH_API_TOKEN: SECRET };

  const t0 = performance.now();
  const child = spawn(process.execPath, [join(root, 'dist/cli/main.js'), 'codex-loop', '--iterations', '1', '--sleep-seconds', '0', '--post-check', 'true'], {
    cwd: dir, env: loopEnv, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let peakKb = 0;
  const sampler = setInterval(() => (peakKb = Math.max(peakKb, vmHwmKb(child.pid))), 50);
  let consoleLines = 0;
  let consoleBytes = 0;
  let consoleTail = '';
  child.stderr.on('data', (c) => {
    consoleBytes += c.length;
    for (const b of c) if (b === 10) consoleLines++;
    consoleTail = (consoleTail + c.toString()).slice(-2000);
  });
  child.stdout.resume();
  // VmHWM is sampled every 50 ms while the process lives; it is a high-water mark, so a late sample still
  // reports the peak, and only the last 50 ms before exit can go unseen.
  const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c)));
  clearInterval(sampler);
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`gdnctl exited ${code}: ${consoleTail}`);

  const runsDir = join(dir, '.agents/logs/gdn_codex_loop/runs');
  const iterDir = join(runsDir, readdirSync(runsDir)[0], 'iter-001');
  const rec = JSON.parse(readFileSync(join(iterDir, 'record.json'), 'utf8'));
  const t = await scan(join(iterDir, 'transcript.jsonl'), '"cat big.log"');
  const expectedEvents = Math.ceil((MB * 2 ** 20) / EVENT_BYTES);
  const peakMb = +(peakKb / 1024).toFixed(1);
  const complete = t.hits === expectedEvents && t.bytes >= MB * 2 ** 20 && t.leaked === 0 && t.redactions > 0;
  process.stdout.write(JSON.stringify({
    bench: 'loop-agent-output',
    node: process.version,
    mb: MB,
    seconds: +seconds.toFixed(1),
    mbPerS: +(MB / seconds).toFixed(1),
    peakRssMb: peakMb,
    iteration: { outcome: rec.outcome, agentProcessMs: rec.agentProcessMs },
    transcript: { bytes: t.bytes, lines: t.lines, floodEvents: t.hits, expectedEvents, secretLeaks: t.leaked, redactedLines: t.redactions },
    console: { lines: consoleLines, bytes: consoleBytes },
    target: `peak RSS < ${RSS_LIMIT_MB} MB and every flood event in transcript.jsonl`,
    met: peakMb < RSS_LIMIT_MB && complete && rec.outcome === 'kept',
  }, null, 2) + '\n');
} finally {
  rmSync(base, { recursive: true, force: true });
}
