import { z } from 'zod';
import { opt } from '../option-meta.js';

/** Keys shared by every subcommand. */
export const globalOptions = {
  workdir: opt(z.string().min(1).default('.'), {
    help: 'working repository (its git top level holds gdnctl.yaml)',
    commands: ['*'],
    path: true,
    valueName: '<dir>',
  }),
  logFormat: opt(z.enum(['pretty', 'json']).default('pretty'), {
    help: 'console log format: readable lines or JSON (pretty turns into plain text when not a TTY)',
    commands: ['*'],
    valueName: '<format>',
  }),
  verbose: opt(z.boolean().default(false), { help: 'show debug messages', commands: ['*'] }),
  quiet: opt(z.boolean().default(false), { help: 'show warnings and errors only', commands: ['*'] }),
};
