import { z } from 'zod';
import { opt } from '../option-meta.js';

const LOOP = ['codex-loop'] as const;

/**
 * `gdnctl codex-loop`: whom the run tells, and when a quiet phase counts as stuck (docs/codex-loop.md
 * "Notifications"). None of these keys is part of the run or experiment fingerprint
 * (src/core/loop/fingerprint.ts): a rerun with another --notify-cmd continues the same run.
 */
export const notifyOptions = {
  notifyCmd: opt(z.string().min(1).optional(), {
    help: 'shell command run (bash -c) on run start, each promotion, target reached, stop and a stuck phase; gets one JSON object on stdin',
    commands: LOOP,
    valueName: '<cmd>',
  }),
  notifyTimeoutSeconds: opt(z.number().positive().default(30), {
    help: 'a notify command still running after this long is ended (its process group), and the failure logged',
    commands: LOOP,
    valueName: '<s>',
  }),
  stuckMinutes: opt(z.number().min(0).default(30), {
    help: 'notify "stuck" when the loop shows no progress (no phase change, no agent or check output) for this long; 0 = never',
    commands: LOOP,
    valueName: '<min>',
  }),
};
