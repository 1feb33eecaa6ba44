import { z } from 'zod';
import { opt } from '../option-meta.js';

// Provisional: the TPU domain (branch tpu) owns these keys; this file goes away when it is merged.
export const remoteTargetOptions = {
  cluster: opt(z.string().min(1).optional(), {
    help: 'cluster (from clusters:) or zone of the TPU to run on (default: the held TPU)',
    commands: ['dev-tpu-test', 'dev-tpu-profile'],
    valueName: '<name>',
  }),
  tpuName: opt(z.string().min(1).optional(), {
    help: 'TPU node to run on (default: the held TPU from GDNCTL_TPU_* or the lease)',
    commands: ['dev-tpu-test', 'dev-tpu-profile'],
    valueName: '<name>',
  }),
};
