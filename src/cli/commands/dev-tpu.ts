import type { CommandSpec } from '../command-spec.js';

export const devTpuAllocateCommand: CommandSpec = {
  name: 'dev-tpu-allocate',
  summary: 'create (or reuse) a dev TPU, wait for READY, and hold it until Ctrl-C; released on SIGINT/SIGTERM/SIGHUP',
  examples: ['gdnctl dev-tpu-allocate --project my-proj --cluster us-central1 --dev-tpu-fallback-cluster us-east5-a --tpu-name "$USER-gdn" --tpu-type v5p-8'],
  handlesSignals: true,
  async run(ctx) {
    const { runDevTpuAllocate } = await import('../dev-tpu/allocate.js');
    return runDevTpuAllocate(ctx);
  },
};

export const devTpuStatusCommand: CommandSpec = {
  name: 'dev-tpu-status',
  summary: 'show held TPUs from their lease files: state, cluster, zone, workers, owner pid and whether it is alive',
  examples: ['gdnctl dev-tpu-status --json'],
  async run(ctx) {
    const { runDevTpuStatus } = await import('../dev-tpu/status.js');
    return runDevTpuStatus(ctx);
  },
};

export const devTpuReleaseCommand: CommandSpec = {
  name: 'dev-tpu-release',
  summary: 'delete TPUs left by killed or --keep-dev-tpu runs (by lease), or one node by --tpu-name and --cluster',
  examples: ['gdnctl dev-tpu-release', 'gdnctl dev-tpu-release --tpu-name "$USER-gdn" --cluster us-east5-a'],
  async run(ctx) {
    const { runDevTpuRelease } = await import('../dev-tpu/release.js');
    return runDevTpuRelease(ctx);
  },
};
