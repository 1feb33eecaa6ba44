import type { CommandSpec } from '../command-spec.js';

export const rayProfileCommand: CommandSpec = {
  name: 'ray-profile',
  summary: 'run the profiled training command as a Ray job, copy its traces back from rayArtifactUri and summarise hotspots',
  examples: [
    'gdnctl ray-profile --cluster team --tpu v5p-8 --ray-artifact-uri gs://my-bucket/gdnctl --size 130m --num-steps 20',
  ],
  handlesSignals: true,
  async run(ctx) {
    const { runRayProfile } = await import('../ray/ray-profile.js');
    return runRayProfile(ctx);
  },
};
