import { z } from 'zod';
import { opt } from '../option-meta.js';

const STATUS = ['status'] as const;

/**
 * `gdnctl status`: how to show a run (docs/codex-loop.md "Status"); `--json` is the shared `json` key
 * (lint.ts). Optional rather than defaulted: they are no loop setting, so they stay out of the run
 * fingerprint's input (src/core/loop/fingerprint.ts skips unset keys).
 */
export const statusOptions = {
  watch: opt(z.boolean().optional(), {
    help: 'redraw the status every --watch-seconds until Ctrl-C (with --json: one JSON object per line)',
    commands: STATUS,
  }),
  watchSeconds: opt(z.number().positive().default(2), {
    help: 'seconds between two redraws of --watch',
    commands: STATUS,
    valueName: '<s>',
  }),
  watchCount: opt(z.number().int().min(1).optional(), {
    help: 'with --watch: stop after this many redraws (for scripts and tests)',
    commands: STATUS,
    valueName: '<n>',
  }),
  statusCheck: opt(z.boolean().optional(), {
    help: 'print one line and exit 0 running (or done), 1 stopped or interrupted, 3 owner dead (for a cron job)',
    commands: STATUS,
    flagOn: { status: '--check' },
  }),
};
