import { z } from 'zod';
import { opt } from '../option-meta.js';

export const directiveOptions = {
  directivesDir: opt(z.string().min(1).optional(), {
    help: 'extra folder of <preset>.md session directives, searched before the packaged ones',
    commands: ['directives list', 'codex-loop'],
    path: true,
    valueName: '<dir>',
  }),
};
