import { z } from 'zod';
import { opt } from '../option-meta.js';

/**
 * The anchor's entry template, with the spellings its agent-written log drifted into over weeks (each may carry
 * a "(...)" qualifier: `- MFU/throughput delta (vs baseline run ...):`). The first spelling is the one messages use.
 */
export const DEFAULT_REQUIRED_FIELDS = [
  'Date',
  'Commit',
  'Hypothesis|Selected hypothesis',
  'Change summary|Change attempt summary|Change attempts|Change attempt',
  'Correctness checks',
  'MFU/throughput delta',
  'Next hypothesis|Next bold hypothesis',
] as const;

/** One `requiredFields` entry: a name, or alternatives joined by "|", none of them empty. */
const requiredField = z
  .string()
  .min(1)
  .refine((s) => s.split('|').every((a) => a.trim() !== ''), {
    message: 'expected a field name or alternatives such as "Hypothesis|Selected hypothesis", with no empty spelling around "|"',
  });

/** The hill-climb log and `gdnctl lint-log`. */
export const lintOptions = {
  hillclimbLog: opt(z.string().min(1).default('lib/levanter/.agents/projects/gdn_pallas_tpu_hillclimb.md'), {
    help: 'append-only hill-climb experiment log (relative to the workdir)',
    commands: ['lint-log', 'codex-loop'],
    path: true,
    valueName: '<file>',
  }),
  logFile: opt(z.string().min(1).optional(), {
    help: 'log file to lint (default: hillclimbLog)',
    commands: ['lint-log'],
    path: true,
    valueName: '<file>',
  }),
  scope: opt(z.enum(['last-entry', 'all']).default('last-entry'), {
    help: 'check only the last "### Iteration" entry, or every entry',
    commands: ['lint-log'],
    valueName: '<scope>',
  }),
  allowPending: opt(z.boolean().default(false), {
    help: 'tolerate "- Commit: (pending)"',
    commands: ['lint-log'],
  }),
  allowThisCommit: opt(z.boolean().default(false), {
    help: 'tolerate "- Commit: this commit"',
    commands: ['lint-log'],
  }),
  allowNonMonotonic: opt(z.boolean().default(false), {
    help: 'skip the heading-order check',
    commands: ['lint-log'],
  }),
  verifyCommits: opt(z.boolean().default(true), {
    help: 'check that each named commit exists in the repository (--no-verify-commits turns it off)',
    commands: ['lint-log'],
  }),
  requiredFields: opt(z.array(requiredField).default([...DEFAULT_REQUIRED_FIELDS]), {
    help: 'fields each checked entry must have as "- <Name>[ (qualifier)]:" lines; "A|B" accepts either spelling (repeatable; replaces the default list)',
    commands: ['lint-log'],
    valueName: '<name>',
  }),
  json: opt(z.boolean().default(false), {
    help: 'print results as JSON',
    commands: ['lint-log', 'dev-tpu-status', 'dev-tpu-test', 'dev-tpu-profile', 'status', 'ray-test', 'ray-profile', 'ray-wait'],
  }),
};
