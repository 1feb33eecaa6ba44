import { z } from 'zod';
import { opt } from '../option-meta.js';

const MEASURE = ['codex-loop', 'baseline'];

/** Measurement, the keep/revert decision, baselines and the run's memory files (issue 6). */
export const measureOptions = {
  bench: opt(z.string().min(1).optional(), {
    help: 'benchmark command (run with bash -lc in the repository); prints GDNCTL_METRIC {"name": value} or matches --metric-pattern',
    commands: [...MEASURE, 'init'],
    valueName: '<cmd>',
  }),
  metric: opt(z.string().min(1).optional(), {
    help: 'metric name to read from the GDNCTL_METRIC line (default: its only key)',
    commands: [...MEASURE, 'init'],
    valueName: '<name>',
  }),
  metricPattern: opt(z.string().min(1).optional(), {
    help: 'regex with a named group (?<value>…) read from the bench output instead of GDNCTL_METRIC (last match wins)',
    commands: MEASURE,
    valueName: '<regex>',
  }),
  direction: opt(z.enum(['higher', 'lower']).default('higher'), {
    help: 'which way the metric is better (MFU, tokens/s: higher; step time: lower)',
    commands: [...MEASURE, 'init'],
    valueName: '<dir>',
  }),
  baselineRuns: opt(z.number().int().min(2).max(100).default(5), {
    help: 'benchmark runs for a baseline (auto-optimize: 5)',
    commands: MEASURE,
    valueName: '<n>',
  }),
  cvThresholdPct: opt(z.number().positive().default(5), {
    help: 'refuse a baseline whose coefficient of variation exceeds this (%)',
    commands: MEASURE,
    valueName: '<pct>',
  }),
  acceptNoise: opt(z.boolean().default(false), {
    help: 'accept a baseline above --cv-threshold-pct (recorded in the baseline)',
    commands: MEASURE,
  }),
  maxBenchRuns: opt(z.number().int().min(1).max(200).default(20), {
    help: 'most benchmark runs per side for one keep/revert decision (the sequential test stops earlier when clear)',
    commands: MEASURE,
    valueName: '<n>',
  }),
  alpha: opt(z.number().gt(0).lt(0.5).default(0.05), {
    help: 'false-promotion rate of the keep/revert decision, spent over its looks',
    commands: MEASURE,
    valueName: '<p>',
  }),
  minImprovementPct: opt(z.number().min(0).default(0), {
    help: 'a candidate is promoted only when significantly better by at least this (%)',
    commands: [...MEASURE, 'init'],
    valueName: '<pct>',
  }),
  maxRegressionPct: opt(z.number().min(0).default(2), {
    help: 'worse than the champion by more than this (%), significantly, is a regression and reverted',
    commands: MEASURE,
    valueName: '<pct>',
  }),
  inconclusivePolicy: opt(z.enum(['keep', 'revert']).default('revert'), {
    help: 'what to do when a change looks worse but not significantly after --max-bench-runs',
    commands: MEASURE,
    valueName: '<policy>',
  }),
  interleave: opt(z.enum(['auto', 'on', 'off']).default('auto'), {
    help: 'measure champion and candidate interleaved from two worktrees (auto: when a baseline run takes < 30 s)',
    commands: MEASURE,
    valueName: '<mode>',
  }),
  target: opt(z.number().optional(), {
    help: 'stop the loop with 🎯 once the champion reaches this metric value',
    commands: [...MEASURE, 'init', 'report'],
    valueName: '<value>',
  }),
  continueAfterTarget: opt(z.boolean().default(false), {
    help: 'keep iterating after --target is reached',
    commands: ['codex-loop'],
  }),
  experimentsDir: opt(z.string().min(1).optional(), {
    help: 'also write auto-optimize style files (exp-NNN-<slug>/…) here',
    commands: ['codex-loop', 'init'],
    path: true,
    valueName: '<dir>',
  }),
  benchOn: opt(z.enum(['auto', 'tpu', 'local', 'ray']).default('auto'), {
    help: 'where the benchmark runs: on the TPU workers (champion and candidate trees side by side), on this machine, or as Ray jobs holding both trees (--ray-address / --cluster); auto: tpu while a TPU is held or named (--hold-dev-tpu, --tpu-name, --worker-host, GDNCTL_TPU_*, a lease)',
    commands: MEASURE,
    valueName: '<where>',
  }),
  benchWarmupRuns: opt(z.number().int().min(0).max(20).optional(), {
    help: 'runs of each side per decision (and before a baseline) recorded and excluded as warm-up (default: 1 on the TPU, 0 on this machine)',
    commands: MEASURE,
    valueName: '<n>',
  }),
  benchTimeoutSeconds: opt(z.number().positive().default(10800), {
    help: 'wall-clock limit of one benchmark run (benchmarks can be long: default 3 h)',
    commands: MEASURE,
    valueName: '<s>',
  }),
};
