import { z } from 'zod';
import { opt } from '../option-meta.js';

const MEASURE = ['codex-loop', 'baseline'];

/** MFU against the chip's ceiling: how a bench's FLOPs and step time become `mfu` (docs/measurement.md "MFU"). */
export const mfuOptions = {
  stepTimeMetric: opt(z.string().min(1).default('step_ms'), {
    help: 'GDNCTL_METRIC key of the step time in ms, for --metric mfu (step_time_ms, what dev-tpu-profile prints, is read too)',
    commands: MEASURE,
    valueName: '<name>',
  }),
  flopsPerStep: opt(z.number().positive().optional(), {
    help: 'FLOPs of one step across all chips, for MFU when the bench prints no "flops"',
    commands: MEASURE,
    valueName: '<n>',
  }),
  chipPeakTflops: opt(z.number().positive().optional(), {
    help: 'bf16 peak of one chip in TFLOP/s for MFU (default by family: v4 275, v5e 197, v5p 459, v6e 918)',
    commands: MEASURE,
    valueName: '<tflops>',
  }),
};
