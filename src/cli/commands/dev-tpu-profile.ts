import type { CommandSpec } from '../command-spec.js';

export const devTpuProfileCommand: CommandSpec = {
  name: 'dev-tpu-profile',
  summary: 'run the profiled training command on the held TPU (or locally), copy the traces back and summarise hotspots',
  examples: [
    'gdnctl dev-tpu-profile --size 130m --num-steps 20 --profile-start-step 2 --profile-num-steps 6',
    'gdnctl dev-tpu-profile --accelerator local --profile-command "python bench/profile.py" --json',
  ],
  handlesSignals: true,
  async run(ctx) {
    const { runDevTpuProfile } = await import('../dev-tpu/run-profile.js');
    if (ctx.config.values.validation === 'dev-tpu') return runDevTpuProfile(ctx);
    const { withValidation } = await import('../ray/validation.js');
    return withValidation(ctx, 'profile', () => runDevTpuProfile(ctx));
  },
};
