import { z } from 'zod';
import { opt } from '../option-meta.js';

// The ray-* commands reach a head node through rayClusters' sshTunnel with the same settings.
const TPU_COMMANDS = ['codex-loop', 'dev-tpu-allocate', 'dev-tpu-status', 'dev-tpu-release', 'dev-tpu-test', 'dev-tpu-profile', 'baseline', 'ray-test', 'ray-profile', 'ray-wait', 'ray-logs'];

/** ssh to TPU workers: shared by the TPU hold (public key in metadata) and the remote runner. */
export const sshOptions = {
  sshUser: opt(z.string().min(1).optional(), {
    help: 'remote user on TPU workers (default: $USER)',
    commands: TPU_COMMANDS,
    valueName: '<user>',
  }),
  sshKeyFile: opt(z.string().min(1).default('~/.ssh/google_compute_engine'), {
    help: 'private key for TPU workers; <file>.pub goes into the node metadata ssh-keys',
    commands: TPU_COMMANDS,
    valueName: '<file>',
  }),
  sshPort: opt(z.number().int().min(1).max(65535).default(22), {
    help: 'ssh port on TPU workers (networkEndpoints[].port is the TPU runtime port, never ssh)',
    commands: TPU_COMMANDS,
    valueName: '<port>',
  }),
  knownHostsFile: opt(z.string().min(1).default('~/.ssh/gdnctl_known_hosts'), {
    help: 'dedicated known-hosts file; worker host keys are trusted on first use',
    commands: TPU_COMMANDS,
    valueName: '<file>',
  }),
  sshConnectTimeoutSeconds: opt(z.number().positive().default(10), {
    help: 'ssh ConnectTimeout',
    commands: TPU_COMMANDS,
    valueName: '<s>',
  }),
  sshRetries: opt(z.number().int().min(0).default(10), {
    help: 'attempts when a worker refuses or drops the connection (as gcloud: 10 x 5 s)',
    commands: TPU_COMMANDS,
    valueName: '<n>',
  }),
  sshRetrySleepSeconds: opt(z.number().min(0).default(5), {
    help: 'sleep between ssh connection attempts',
    commands: TPU_COMMANDS,
    valueName: '<s>',
  }),
  internalIp: opt(z.boolean().default(false), {
    help: 'connect to workers by internal IP instead of the external one',
    commands: TPU_COMMANDS,
  }),
};
