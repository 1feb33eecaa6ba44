import { z } from 'zod';
import { opt } from '../option-meta.js';

/** The Ray commands (docs/decisions.md "Issue 17: Ray"). */
export const RAY_JOB_COMMANDS = ['ray-test', 'ray-profile'];
const RAY_ALL = [...RAY_JOB_COMMANDS, 'ray-wait', 'ray-logs'];
/**
 * The loop and the dev-tpu post-check commands read the keys that say where a Ray job goes, so `--validation
 * ray|auto` on codex-loop reaches its post-checks as GDNCTL_* settings (src/config/shared-env.ts).
 */
const VALIDATION = ['codex-loop', 'dev-tpu-test', 'dev-tpu-profile'];
const RAY_TARGET = [...RAY_ALL, ...VALIDATION];
const RAY_JOB_TARGET = [...RAY_JOB_COMMANDS, ...VALIDATION];
/** Read by the post-check commands from gdnctl.yaml or GDNCTL_*; not codex-loop flags (the loop needs only where a job goes). */
const RAY_JOB_CHILD = [...RAY_JOB_COMMANDS, 'dev-tpu-test', 'dev-tpu-profile'];
const byCommand = (flag: string, commands: readonly string[]): Record<string, string> => Object.fromEntries(commands.map((c) => [c, flag]));

/** One entry of `rayClusters:` — a name users type (`--cluster team`) mapped to its dashboard and how to reach it. */
export const rayClusterSchema = z.strictObject({
  /** The dashboard as the head node (or this machine, without a tunnel) sees it, e.g. http://127.0.0.1:8265. */
  address: z.string().min(1),
  /** `[user@]host` of the head node: gdnctl opens `ssh -N -L` to it for the command and closes it on every way out. */
  sshTunnel: z.string().min(1).optional(),
  /** A token file for this cluster, read after RAY_AUTH_TOKEN and RAY_AUTH_TOKEN_PATH. */
  tokenPath: z.string().min(1).optional(),
});
export type RayClusterEntry = z.output<typeof rayClusterSchema>;

export const DEFAULT_ARTIFACT_UPLOAD = 'gcloud storage rsync -r "$GDNCTL_PROFILE_DIR" "$GDNCTL_ARTIFACT_URI"';

/** Ray jobs on a shared cluster: ray-test, ray-profile, ray-wait, ray-logs. */
export const rayOptions = {
  validation: opt(z.enum(['dev-tpu', 'ray', 'auto']).default('dev-tpu'), {
    help: 'where dev-tpu-test / dev-tpu-profile post-checks run: the dev TPU, a Ray job, or the dev TPU with a Ray fallback when it cannot be had (exit 4)',
    commands: VALIDATION,
    valueName: '<engine>',
  }),
  rayAddress: opt(z.string().min(1).optional(), {
    help: 'the Ray dashboard (Jobs API), e.g. http://HOST:8265',
    commands: RAY_TARGET,
    valueName: '<url>',
  }),
  rayCluster: opt(z.string().min(1).optional(), {
    help: 'a name from rayClusters (its address, ssh tunnel and token file); wins over --ray-address',
    commands: RAY_TARGET,
    valueName: '<name>',
    flagOn: byCommand('--cluster', RAY_ALL),
  }),
  rayClusters: opt(z.record(z.string().min(1), rayClusterSchema).default({}), {
    help: 'named Ray clusters as JSON/YAML: {NAME: {address, sshTunnel?, tokenPath?}}',
    commands: RAY_TARGET,
    valueName: '<json>',
  }),
  rayTpu: opt(z.string().regex(/^(auto|[a-z0-9]+-\d+)$/, 'expected auto or a TPU type such as v5p-8').default('auto'), {
    help: 'TPU type the job asks for (entrypoint resource TPU-<type>-head); auto: whatever rayEntrypointResources says',
    commands: RAY_JOB_CHILD,
    valueName: '<type>',
    flagOn: byCommand('--tpu', RAY_JOB_COMMANDS),
  }),
  rayEntrypointResources: opt(z.record(z.string().min(1), z.number().positive()).default({}), {
    help: 'entrypoint_resources of every job as JSON, e.g. {"TPU": 4}',
    commands: RAY_JOB_TARGET,
    valueName: '<json>',
  }),
  rayWait: opt(z.boolean().default(true), {
    help: 'follow the job to its end (--no-wait: submit, print submission_id=<id> and return)',
    commands: RAY_JOB_COMMANDS,
    flagOn: byCommand('--wait', RAY_JOB_COMMANDS),
  }),
  rayPollSeconds: opt(z.number().positive().max(3600).default(5), {
    help: 'longest pause between two status polls (polling starts at 0.25 s and backs off to this)',
    commands: RAY_TARGET,
    valueName: '<s>',
    flagOn: { 'ray-wait': '--poll' },
  }),
  rayTimeoutSeconds: opt(z.number().positive().optional(), {
    help: 'stop the job after this long and fail (default: no limit)',
    commands: [...RAY_JOB_TARGET, 'ray-wait'],
    valueName: '<s>',
    flagOn: { 'ray-wait': '--timeout' },
  }),
  rayShowLogs: opt(z.boolean().default(false), {
    help: 'print the job\'s log lines while waiting',
    commands: ['ray-wait'],
    flagOn: { 'ray-wait': '--show-logs' },
  }),
  rayLogTail: opt(z.number().int().min(0).default(400), {
    help: 'last N log lines printed (0: all)',
    commands: ['ray-logs'],
    valueName: '<n>',
    flagOn: { 'ray-logs': '--tail' },
  }),
  rayLogGrep: opt(z.string().min(1).optional(), {
    help: 'print only log lines matching this regular expression',
    commands: ['ray-logs'],
    valueName: '<regex>',
    flagOn: { 'ray-logs': '--grep' },
  }),
  rayArtifactUri: opt(z.string().regex(/^gs:\/\/[a-z0-9][-a-z0-9_.]*[a-z0-9](\/.*)?$/, 'expected a gs:// prefix such as gs://bucket/gdnctl').optional(), {
    help: 'gs:// prefix where Ray jobs leave their traces (<prefix>/<run-name>/); gdnctl copies them back into the ledger',
    commands: ['ray-profile', 'dev-tpu-profile'],
    valueName: '<gs://...>',
  }),
  rayArtifactUpload: opt(z.string().min(1).default(DEFAULT_ARTIFACT_UPLOAD), {
    help: 'run in the job after the profile: copies $GDNCTL_PROFILE_DIR to $GDNCTL_ARTIFACT_URI',
    commands: ['ray-profile', 'dev-tpu-profile'],
    valueName: '<command>',
  }),
};
