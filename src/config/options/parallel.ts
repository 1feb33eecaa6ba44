import { z } from 'zod';
import { opt } from '../option-meta.js';

const LOOP = ['codex-loop'] as const;

/**
 * `codex-loop --parallel K` (docs/codex-loop.md "Parallel candidates"). Optional without a default in the
 * schema, so a config that never names them keeps its fingerprint: a run started before these keys existed
 * still resumes (src/core/loop/fingerprint.ts skips undefined values). Defaults live in src/core/parallel/plan.ts.
 */
export const parallelOptions = {
  parallel: opt(z.number().int().optional(), {
    help: 'candidates per round, each in its own git worktree with its own agent (and TPU with --hold-dev-tpu); default 1: one candidate at a time',
    commands: LOOP,
    valueName: '<k>',
  }),
  maxParallel: opt(z.number().int().min(1).optional(), {
    help: 'the largest --parallel accepted (default 8)',
    commands: LOOP,
    valueName: '<k>',
  }),
  roundTimeoutMinutes: opt(z.number().positive().optional(), {
    help: 'with --parallel: end a round\'s late candidates after this many minutes (they are recorded as failed); default: no limit',
    commands: LOOP,
    valueName: '<min>',
  }),
  candidateDirective: opt(z.array(z.string().min(1)).optional(), {
    help: 'with --parallel: one directive per candidate slot, in slot order (repeat the flag)',
    commands: LOOP,
    valueName: '<text>',
  }),
};
