import { z } from 'zod';
import { opt } from '../option-meta.js';

/** `gdnctl init` (auto-optimize's phase 0) and the session facts it records for the loop. */
export const initOptions = {
  goal: opt(z.string().min(1).optional(), {
    help: 'what the optimization is for, in a sentence (names the experiment folder)',
    commands: ['init', 'codex-loop'],
    valueName: '<text>',
  }),
  scopeGlob: opt(z.array(z.string().min(1)).default([]), {
    help: 'files the agent may change (repeatable glob); a commit touching others is rejected and reverted',
    commands: ['init', 'codex-loop'],
    valueName: '<glob>',
  }),
  yes: opt(z.boolean().default(false), {
    help: 'ask nothing: take every answer from flags (for CI)',
    commands: ['init'],
  }),
};
