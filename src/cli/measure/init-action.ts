import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { CommandContext } from '../command-spec.js';
import { ExitCode } from '../exit-codes.js';
import { UsageError } from '../../errors.js';
import { execaBenchRunner } from '../../adapters/measure/bench-runner.js';
import { renderExperimentPlan } from '../../core/measure/experiment-plan.js';
import { parseDirection, parseGlobs, parsePct, parseTarget, parseText, type InitAnswers, type Parsed } from '../../core/measure/init-answers.js';
import { defaultProtectGlobs } from '../../core/protected-paths.js';
import { repoFileResolver, repoRelative } from '../loop/protect-set.js';

/** Lines from stdin, one per answer; undefined once stdin is closed. */
function lineReader(input: NodeJS.ReadableStream): { next(): Promise<string | undefined>; close(): void } {
  const rl = createInterface({ input, terminal: false });
  const lines: string[] = [];
  const waiting: Array<(l: string | undefined) => void> = [];
  let closed = false;
  rl.on('line', (l) => (waiting.length ? waiting.shift()!(l) : lines.push(l)));
  rl.on('close', () => {
    closed = true;
    while (waiting.length) waiting.shift()!(undefined);
  });
  return {
    next: () => (lines.length ? Promise.resolve(lines.shift()) : closed ? Promise.resolve(undefined) : new Promise((res) => waiting.push(res))),
    close: () => rl.close(),
  };
}

interface Question<T> {
  key: keyof InitAnswers;
  flag: string;
  prompt: string;
  parse: (s: string) => Parsed<T>;
  given: T | undefined;
}

export async function runInit(ctx: CommandContext & { stdin?: NodeJS.ReadableStream }): Promise<number> {
  const v = ctx.config.values;
  const src = ctx.config.sources;
  const root = ctx.config.repoRoot;
  const yamlFile = join(root, 'gdnctl.yaml');
  if (existsSync(yamlFile)) throw new UsageError(`${yamlFile} already exists; edit it, or move it away and run gdnctl init again`);
  const explicit = <K extends keyof typeof src>(k: K): boolean => src[k] !== 'default';

  const questions: Array<Question<unknown>> = [
    { key: 'goal', flag: '--goal', prompt: 'Goal (what should get faster, and why)?', parse: (s) => parseText(s, 'a goal'), given: v.goal },
    { key: 'scopeGlob', flag: '--scope-glob', prompt: 'Scope: files the agent may change (globs, comma-separated; empty = anywhere)?', parse: parseGlobs, given: explicit('scopeGlob') ? v.scopeGlob : undefined },
    { key: 'metric', flag: '--metric', prompt: 'Metric name (a key of the GDNCTL_METRIC line your benchmark prints)?', parse: (s) => parseText(s, 'a metric name'), given: v.metric },
    { key: 'direction', flag: '--direction', prompt: 'Is higher or lower better?', parse: parseDirection, given: explicit('direction') ? v.direction : undefined },
    { key: 'target', flag: '--target', prompt: 'Target value of the metric (a number)?', parse: parseTarget, given: v.target },
    { key: 'minImprovementPct', flag: '--min-improvement-pct', prompt: 'Minimum gain to keep a change, in % (e.g. 2)?', parse: parsePct, given: explicit('minImprovementPct') ? v.minImprovementPct : undefined },
    { key: 'testCommand', flag: '--post-check', prompt: 'Regression-test command (must exit 0 when correct)?', parse: (s) => parseText(s, 'a test command'), given: v.postCheck[0] },
    { key: 'bench', flag: '--bench', prompt: 'Benchmark command (prints GDNCTL_METRIC {"name": value})?', parse: (s) => parseText(s, 'a benchmark command'), given: v.bench },
  ];
  const missing = questions.filter((q) => q.given === undefined);
  const required = missing.filter((q) => q.key !== 'scopeGlob');
  if (v.yes && required.length > 0) throw new UsageError(required.map((q) => `--yes needs ${q.flag}: ${q.prompt.replace(/\?$/, '')}`));
  const answers: Record<string, unknown> = {};
  for (const q of questions) if (q.given !== undefined) answers[q.key] = q.given;
  if (v.yes) answers.scopeGlob ??= [];
  const reader = missing.length > 0 && !v.yes ? lineReader(ctx.stdin ?? process.stdin) : undefined;
  try {
    for (const q of v.yes ? [] : missing) {
      for (;;) {
        ctx.stdout.write(`${q.prompt} `);
        const line = await reader!.next();
        if (line === undefined) throw new UsageError(`stdin closed before "${q.prompt}" was answered; answer in a terminal, or pass --yes with ${q.flag}`);
        const p = q.parse(line);
        if (p.ok) {
          answers[q.key] = p.value;
          break;
        }
        ctx.stdout.write(`  ${p.message}\n`);
      }
    }
  } finally {
    reader?.close();
  }
  const a = answers as unknown as InitAnswers;

  // Both commands must run before anything is written: the loop must never start on broken infrastructure.
  const timeoutMs = v.benchTimeoutSeconds * 1000;
  const test = await execaBenchRunner({ command: a.testCommand, cwd: root, metric: {}, timeoutMs, env: ctx.env, signal: ctx.interrupt.signal });
  if (test.exitCode !== 0 || test.timedOut) {
    ctx.stderr.write(`gdnctl: the regression-test command failed (${test.timedOut ? 'timed out' : `exit ${test.exitCode}`}): ${a.testCommand}\n${test.reading.ok ? '' : test.reading.tail}\nFix it (it must exit 0 on the current code), then run gdnctl init again.\n`);
    return ExitCode.failed;
  }
  ctx.stdout.write(`regression tests: ok (${(test.durationMs / 1000).toFixed(1)} s)\n`);
  const bench = await execaBenchRunner({ command: a.bench, cwd: root, metric: { metric: a.metric, metricPattern: v.metricPattern }, timeoutMs, env: ctx.env, signal: ctx.interrupt.signal });
  if (!bench.reading.ok) {
    ctx.stderr.write(`gdnctl: the benchmark gave no metric: ${bench.reading.reason}\n${bench.reading.tail}\nFix the benchmark, then run gdnctl init again.\n`);
    return ExitCode.failed;
  }
  ctx.stdout.write(`benchmark: ${bench.reading.name} = ${bench.reading.value} (${(bench.durationMs / 1000).toFixed(1)} s)\n`);

  // What the benchmark and the tests are made of is recorded as protected (the loop protects it by default too,
  // but an explicit entry survives --no-protect-checks). Both commands ran in the repository root.
  const protect = defaultProtectGlobs([a.bench, a.testCommand], [], repoFileResolver(root, root), repoRelative(root, v.hillclimbLog));
  const config: Record<string, unknown> = {
    goal: a.goal,
    ...(a.scopeGlob.length > 0 ? { scopeGlob: a.scopeGlob } : {}),
    bench: a.bench,
    metric: a.metric,
    direction: a.direction,
    target: a.target,
    minImprovementPct: a.minImprovementPct,
    postCheck: [a.testCommand],
    ...(protect.length > 0 ? { protect } : {}),
    ...(v.experimentsDir ? { experimentsDir: v.experimentsDir } : {}),
  };
  await writeFile(yamlFile, `# Written by gdnctl init; every key is also a flag (gdnctl codex-loop --help).\n${stringify(config)}`);
  const planDir = v.experimentsDir ? resolve(root, v.experimentsDir) : root;
  const plan = renderExperimentPlan({ ...v, ...a, tests: [a.testCommand], scope: a.scopeGlob, created: new Date().toISOString().slice(0, 10) });
  await mkdir(planDir, { recursive: true });
  await writeFile(join(planDir, 'experiment-plan.md'), plan);
  ctx.stdout.write(`wrote ${yamlFile} and ${join(planDir, 'experiment-plan.md')}\nnext: gdnctl baseline, then gdnctl codex-loop --iterations N\n`);
  return ExitCode.ok;
}
