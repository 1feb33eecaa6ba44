import { z } from 'zod';
import { opt } from '../option-meta.js';

const RUN = ['dev-tpu-test', 'dev-tpu-profile'];
const TEST = ['dev-tpu-test', 'ray-test'];
const PROFILE = ['dev-tpu-profile', 'ray-profile'];
/** The TPU hold's devTpuSetup syncs the repository into the same remote folder before running. */
const RUN_AND_SETUP = [...RUN, 'dev-tpu-allocate', 'codex-loop', 'baseline'];
/** `gdnctl baseline` on the TPU (--bench-on) reaches the workers as dev-tpu-test does (the loop reads these from YAML/env). */
const RUN_AND_BENCH = [...RUN, 'baseline'];

/** One test suite: where it runs (relative to the synced repo), the runner command and its files. */
export const testSuiteSchema = z.strictObject({
  cwd: z.string().default('.'),
  command: z.string().min(1).default('uv run pytest'),
  files: z.array(z.string().min(1)).default([]),
});
export type TestSuite = z.output<typeof testSuiteSchema>;

/**
 * The anchor's GDN suites (docs/decisions.md "Inherited from the Python tool" §1.1, §4), in the environment its wrapper synced before pytest
 * (`--extra=tpu --group test`). `uv run` brings that environment up to date first, so a dependency change the
 * agent committed is picked up without a separate setup run.
 */
const GDN_PYTEST = 'uv run --extra=tpu --group test pytest -v';
export const DEFAULT_TEST_SUITES: Record<string, TestSuite> = {
  kernels: { cwd: 'lib/levanter', command: GDN_PYTEST, files: ['tests/test_gdn_kernels.py'] },
  layer: { cwd: 'lib/levanter', command: GDN_PYTEST, files: ['tests/test_gdn_layer.py'] },
};

/** The anchor's tiny profiled training run (docs/decisions.md "Inherited from the Python tool" §5); GDN_PROFILE_* come from the flags below. */
export const DEFAULT_PROFILE_COMMAND =
  'uv run python -m experiments.speedrun.hackable_transformer_gdn.tiny_profile --force_run_failed true';

/** Running tests and profiles on TPU workers (or locally): dev-tpu-test and dev-tpu-profile. */
export const remoteOptions = {
  accelerator: opt(z.enum(['tpu', 'local']).default('tpu'), {
    help: 'where to run: on the TPU workers over ssh, or on this machine with no ssh (no TPU needed)',
    commands: RUN,
    valueName: '<where>',
  }),
  workerHost: opt(z.array(z.string().min(1)).default([]), {
    help: 'ssh to these hosts as workers 0,1,… instead of asking the TPU API',
    commands: RUN_AND_BENCH,
    valueName: '<host>',
  }),
  remoteDir: opt(z.string().min(1).optional(), {
    help: 'repository copy on each worker (default: ~/<repo folder name>)',
    commands: RUN_AND_SETUP,
    valueName: '<dir>',
  }),
  sync: opt(z.boolean().default(true), {
    help: 'rsync the repository to the workers first (--no-sync skips it)',
    commands: RUN,
  }),
  syncProtect: opt(z.array(z.string().min(1)).default(['.venv/', '__pycache__/', '.pytest_cache/', '.uv-cache/']), {
    help: 'remote paths the sync never deletes, on top of everything .gitignore ignores (rsync patterns)',
    commands: RUN_AND_SETUP,
    valueName: '<pattern>',
  }),
  forwardEnv: opt(z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default(['HF_TOKEN', 'WANDB_API_KEY']), {
    help: 'local environment variables forwarded to the workers when set (values travel on stdin, never logged)',
    commands: [...RUN_AND_BENCH, 'ray-test', 'ray-profile'],
    valueName: '<name>',
  }),
  env: opt(z.array(z.string()).default([]), {
    help: 'extra environment for the remote command, KEY=VALUE (value may be empty)',
    commands: [...RUN, 'ray-test', 'ray-profile'],
    short: '-e',
    valueName: '<KEY=VALUE>',
  }),
  tests: opt(z.string().min(1).default('both'), {
    help: 'suite to run: a name from testSuites, "both" (kernels + layer) or "all"',
    commands: TEST,
    valueName: '<name>',
  }),
  pytestArgs: opt(z.string().optional(), {
    help: 'extra arguments appended to the test command',
    commands: TEST,
    valueName: '<args>',
  }),
  testSuites: opt(z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/), testSuiteSchema).default(DEFAULT_TEST_SUITES), {
    help: 'test suites: NAME -> {cwd, command, files} (JSON on the command line)',
    commands: TEST,
    valueName: '<json>',
  }),
  profileCommand: opt(z.string().min(1).default(DEFAULT_PROFILE_COMMAND), {
    help: 'profiled run; gets GDN_PROFILE_* and GDNCTL_PROFILE_DIR (where it must leave its trace files)',
    commands: PROFILE,
    valueName: '<command>',
  }),
  size: opt(z.string().min(1).default('130m'), { help: 'model size (GDN_PROFILE_SIZE)', commands: PROFILE, valueName: '<size>' }),
  numSteps: opt(z.number().int().positive().default(20), {
    help: 'training steps (GDN_PROFILE_NUM_STEPS)',
    commands: PROFILE,
    valueName: '<n>',
  }),
  profileStartStep: opt(z.number().int().min(0).default(2), {
    help: 'first profiled step (GDN_PROFILE_PROFILE_START_STEP)',
    commands: PROFILE,
    valueName: '<n>',
  }),
  profileNumSteps: opt(z.number().int().positive().default(6), {
    help: 'profiled steps (GDN_PROFILE_PROFILE_NUM_STEPS)',
    commands: PROFILE,
    valueName: '<n>',
  }),
  batchSize: opt(z.number().int().positive().default(8), {
    help: 'global batch size (GDN_PROFILE_BATCH_SIZE)',
    commands: PROFILE,
    valueName: '<n>',
  }),
  runNamePrefix: opt(z.string().regex(/^[A-Za-z0-9_.-]+$/).default('gdn_tinyprof'), {
    help: 'run name prefix (GDN_PROFILE_RUN_NAME_PREFIX); also names the profile folder <run-name>/',
    commands: PROFILE,
    valueName: '<prefix>',
  }),
  // The Python tool's profile-model flags (docs/dev-tpu.md "Flags of the Python tool"), each one variable of the run.
  tpu: opt(z.string().regex(/^[a-z0-9]+-\d+$/, 'expected a TPU variant such as v5p-8').optional(), {
    help: 'TPU variant the training config is built for (GDN_PROFILE_TPU_VARIANT; default: the target node\'s accelerator type)',
    commands: ['dev-tpu-profile'],
    valueName: '<variant>',
  }),
  chunkSize: opt(z.number().int().positive().optional(), {
    help: 'GDN chunk size override (GDN_PROFILE_CHUNK_SIZE)',
    commands: PROFILE,
    valueName: '<n>',
  }),
  segmentSize: opt(z.number().int().positive().optional(), {
    help: 'GDN segment size override (GDN_PROFILE_SEGMENT_SIZE)',
    commands: PROFILE,
    valueName: '<n>',
  }),
  gdnLayersPerBlock: opt(z.number().int().positive().optional(), {
    help: 'GDN layers per block, for model-boundary sweeps (GDN_PROFILE_GDN_LAYERS_PER_BLOCK)',
    commands: PROFILE,
    valueName: '<n>',
  }),
  gdnBlockSize: opt(z.number().int().positive().optional(), {
    help: 'GDN block size, for model-boundary sweeps (GDN_PROFILE_GDN_BLOCK_SIZE)',
    commands: PROFILE,
    valueName: '<n>',
  }),
  allTransformer: opt(z.boolean().default(false), {
    help: 'turn every GDN layer into attention: the attention-only control run (GDN_PROFILE_ALL_TRANSFORMER=1)',
    commands: PROFILE,
  }),
  ceImplementation: opt(z.enum(['auto', 'xla', 'reference', 'pallas_tpu', 'pallas_gpu']).default('auto'), {
    help: 'fused cross-entropy backend; anything but auto is exported as LEVANTER_FUSED_CE_IMPLEMENTATION',
    commands: PROFILE,
    valueName: '<impl>',
  }),
  ceBwdMode: opt(z.enum(['pallas', 'xla_streaming']).default('pallas'), {
    help: 'cross-entropy backward: LEVANTER_PALLAS_TPU_BWD_USE_XLA_STREAMING_BENCH=0 (pallas) or 1 (xla_streaming)',
    commands: PROFILE,
    valueName: '<mode>',
  }),
  wandbMode: opt(z.enum(['online', 'offline', 'disabled']).default('online'), {
    help: 'W&B mode of the profile run (WANDB_MODE)',
    commands: PROFILE,
    valueName: '<mode>',
  }),
  marinPrefix: opt(z.string().regex(/^\S+$/, 'expected a storage prefix such as gs://marin-us-east5').optional(), {
    help: 'MARIN_PREFIX of the profile run (default on a TPU: gs://marin-<region of its cluster>)',
    commands: PROFILE,
    valueName: '<prefix>',
  }),
  profileDryRun: opt(z.boolean().default(false), {
    help: 'executor dry run: appends --dry_run true to the profile command, as the Python tool did',
    commands: PROFILE,
    flagOn: { 'dev-tpu-profile': '--dry-run', 'ray-profile': '--dry-run' },
  }),
  profileEnv: opt(z.array(z.string()).default([]), {
    help: 'extra environment for the profile run, KEY=VALUE',
    commands: PROFILE,
    valueName: '<KEY=VALUE>',
  }),
  includeXplane: opt(z.boolean().default(true), {
    help: 'copy *.xplane.pb back too, the hotspot table\'s primary input (--no-include-xplane: the JSON traces only)',
    commands: PROFILE,
  }),
  profilesDir: opt(z.string().min(1).optional(), {
    help: 'outside a loop, the folder that receives <run-name>/ with the traces and hotspots (default: <logDir>/profiles; in a loop: $GDNCTL_ITER_DIR/profile/)',
    commands: PROFILE,
    path: true,
    valueName: '<dir>',
  }),
  keepProfiles: opt(z.number().int().min(1).default(5), {
    help: 'profile traces kept, here and on the workers: the last N, plus (in a loop) every one of the champion lineage',
    commands: PROFILE,
    valueName: '<n>',
  }),
  hotspotsTop: opt(z.number().int().positive().default(20), {
    help: 'ops listed in the hotspot table',
    commands: PROFILE,
    valueName: '<n>',
  }),
};
