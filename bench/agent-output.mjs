#!/usr/bin/env node
// Agent output at scale: the process runner tees BENCH_RUNNER_MB (default 1024) of output to a file while
// splitting it into lines, and the codex adapter records BENCH_AGENT_MB (default 256) of fake-codex JSONL
// events into transcript.jsonl. Prints one JSON object: throughput, peak RSS growth, and whether every
// byte/event arrived. Needs `npm run build` (the npm script does it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { ChildProcessRunner } = await import(join(root, 'dist/adapters/process/child-process-runner.js'));
const { CodexAgent } = await import(join(root, 'dist/adapters/agents/codex-agent.js'));

const runnerMb = Number(process.env.BENCH_RUNNER_MB ?? 1024);
const agentMb = Number(process.env.BENCH_AGENT_MB ?? 256);
const dir = mkdtempSync(join(tmpdir(), 'gdnctl-bench-agent-'));

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
async function measure(fn) {
  global.gc?.();
  const base = process.memoryUsage().rss;
  peak = base;
  const t0 = process.hrtime.bigint();
  const extra = await fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds: +seconds.toFixed(2), rssGrowthMb: +((peak - base) / 2 ** 20).toFixed(1), ...extra };
}

try {
  const runner = new ChildProcessRunner({ killGraceMs: 500 });
  const bytes = runnerMb * 2 ** 20;
  const tee = join(dir, 'tee.log');
  let lines = 0;
  const raw = await measure(async () => {
    const r = await runner.run({ argv: ['bash', '-c', `yes 0123456789abcdef0123456789abcdef | head -c ${bytes}`], cwd: dir, teeFile: tee, onLine: () => lines++ });
    const size = statSync(tee).size;
    return { exitCode: r.exitCode, bytes: size, complete: size === bytes, lines, mbPerS: 0 };
  });
  raw.mbPerS = +(runnerMb / raw.seconds).toFixed(1);
  rmSync(tee);

  const repo = join(dir, 'repo');
  execFileSync('git', ['init', '-q', repo]);
  const scenario = join(dir, 'scenario.json');
  execFileSync('bash', ['-c', `echo '[{"steps":[{"do":"flood","mb":${agentMb}},{"do":"message","text":"done"}]}]' > ${scenario}`]);
  const agent = new CodexAgent({
    bin: join(root, 'test/fakes/bin/codex'), ephemeral: true, sandbox: 'bypass', search: false, showFileUpdates: false,
    runner, env: { ...process.env, FAKE_CODEX_SCENARIO: scenario },
  });
  const iterDir = join(dir, 'run', 'iter-001');
  const codex = await measure(async () => {
    const r = await agent.run({ iteration: 1, prompt: 'go', workdir: repo, iterDir, timeoutMs: 600_000, idleTimeoutMs: 60_000 });
    const transcript = join(iterDir, 'transcript.jsonl');
    const events = readFileSync(transcript, 'utf8').split('\n').filter((l) => l.includes('cat big.log')).length;
    return { ok: r.ok, transcriptMb: +(statSync(transcript).size / 2 ** 20).toFixed(1), floodEvents: events, expectedEvents: Math.ceil((agentMb * 2 ** 20) / 65536), mbPerS: 0 };
  });
  codex.mbPerS = +(agentMb / codex.seconds).toFixed(1);
  console.log(JSON.stringify({ bench: 'agent-output', node: process.version, runner: { mb: runnerMb, ...raw }, codexAgent: { mb: agentMb, ...codex } }));
} finally {
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
}
