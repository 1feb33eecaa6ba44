import { z } from 'zod';
import { opt } from '../option-meta.js';

/** Commands that talk to the Cloud TPU API (allocation, status, release, and the loop's hold). */
const HOLD_COMMANDS = ['codex-loop', 'dev-tpu-allocate'];
const NODE_COMMANDS = ['codex-loop', 'dev-tpu-allocate', 'dev-tpu-status', 'dev-tpu-release'];
// `gdnctl baseline` runs its benchmark on a held or named TPU (--bench-on), so it finds the node the same way.
const API_COMMANDS = [...NODE_COMMANDS, 'dev-tpu-test', 'dev-tpu-profile', 'baseline'];
/** Commands that act on an already-held TPU (post-checks, CI). */
const TARGET_COMMANDS = ['dev-tpu-test', 'dev-tpu-profile', 'dev-tpu-status', 'dev-tpu-release', 'baseline'];
/**
 * One naming for the TPU subcommands: --cluster / --tpu-name / --tpu-type, as the Python tool spelled them. The
 * loop keeps its --dev-tpu-* names and takes the short ones as aliases; dev-tpu-allocate takes the old
 * --dev-tpu-* ones as aliases; status and release, whose --cluster/--tpu-name are the target keys, still
 * accept (unlisted) --dev-tpu-cluster/--dev-tpu-name.
 */
const TARGET_LISTED_ELSEWHERE = ['dev-tpu-status', 'dev-tpu-release'];

/** One entry of `clusters:` — a name users type (`--dev-tpu-cluster us-central1`) mapped to where the node lives. */
export const clusterSchema = z.strictObject({
  project: z.string().min(1).optional(),
  zone: z.string().regex(/^[a-z]+-[a-z]+\d+-[a-z]$/, 'expected a zone such as us-central1-a'),
  runtimeVersion: z.string().min(1).optional(),
  acceleratorType: z.string().min(1).optional(),
  network: z.string().min(1).optional(),
  subnetwork: z.string().min(1).optional(),
  spot: z.boolean().optional(),
  reserved: z.boolean().optional(),
  serviceAccount: z.string().min(1).optional(),
  labels: z.record(z.string(), z.string()).optional(),
});


// A day at most: three intervals must stay a useful staleness bound, and far below setTimeout's 24.8-day limit.
const HEARTBEAT_RANGE = 'expected minutes from 0.1 to 1440, e.g. 5';
const HEARTBEAT_MS_RANGE = 'expected whole milliseconds from 10 to 86400000';

/** Dev TPU allocation and hold (Cloud TPU API v2). */
export const tpuOptions = {
  project: opt(z.string().min(1).optional(), {
    help: 'Google Cloud project for TPU nodes (else the cluster\'s project, or GOOGLE_CLOUD_PROJECT)',
    commands: API_COMMANDS,
    valueName: '<project>',
  }),
  clusters: opt(z.record(z.string().min(1), clusterSchema).default({}), {
    help: 'named clusters as JSON/YAML: {NAME: {zone, project?, runtimeVersion?, acceleratorType?, network?, subnetwork?, spot?, reserved?, serviceAccount?, labels?}}; merged over the built-in us-central1 and us-east5-a',
    commands: API_COMMANDS,
    valueName: '<json>',
  }),
  holdDevTpu: opt(z.boolean().default(false), {
    help: 'hold a dev TPU for the whole loop (acquired before iteration 1, released on every exit path)',
    commands: ['codex-loop'],
  }),
  holdDevTpuPolicy: opt(z.enum(['required', 'best-effort']).default('required'), {
    help: 'when no TPU can be had: required stops (exit 4), best-effort warns and runs without (--resilient picks best-effort)',
    commands: ['codex-loop'],
    valueName: '<policy>',
  }),
  devTpuCluster: opt(z.string().min(1).default('us-central1'), {
    help: 'primary cluster: a name from clusters: or a bare zone such as us-east5-a',
    commands: NODE_COMMANDS,
    valueName: '<cluster>',
    flagOn: { 'dev-tpu-allocate': '--cluster' },
    aliasesOn: { 'codex-loop': ['--cluster'], 'dev-tpu-allocate': ['--dev-tpu-cluster'] },
    hiddenOn: TARGET_LISTED_ELSEWHERE,
  }),
  devTpuFallbackCluster: opt(z.array(z.string().min(1)).default([]), {
    help: 'cluster to try, in order, when the primary has no capacity',
    commands: HOLD_COMMANDS,
    valueName: '<cluster>',
  }),
  devTpuName: opt(z.string().regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, 'expected a node id: lowercase letters, digits and -').optional(), {
    help: 'TPU node id to create or reuse, e.g. "$USER-gdn"',
    commands: NODE_COMMANDS,
    valueName: '<name>',
    flagOn: { 'dev-tpu-allocate': '--tpu-name' },
    aliasesOn: { 'codex-loop': ['--tpu-name'], 'dev-tpu-allocate': ['--dev-tpu-name'] },
    hiddenOn: TARGET_LISTED_ELSEWHERE,
  }),
  devTpuType: opt(z.string().regex(/^[a-z0-9]+-\d+$/, 'expected an accelerator type such as v5p-8').optional(), {
    help: 'accelerator type, e.g. v5p-8, v5litepod-8, v6e-8, v4-8 (default: the cluster\'s acceleratorType)',
    commands: HOLD_COMMANDS,
    valueName: '<type>',
    flagOn: { 'dev-tpu-allocate': '--tpu-type' },
    aliasesOn: { 'codex-loop': ['--tpu-type'], 'dev-tpu-allocate': ['--dev-tpu-type'] },
  }),
  devTpuReadyTimeout: opt(z.number().positive().default(900), {
    help: 'seconds to wait for the node to be READY',
    commands: HOLD_COMMANDS,
    valueName: '<s>',
  }),
  devTpuAllocateAttempts: opt(z.number().int().min(1).default(1), {
    help: 'passes over the cluster list (primary, then fallbacks)',
    commands: HOLD_COMMANDS,
    valueName: '<n>',
  }),
  devTpuAllocateRetrySleep: opt(z.number().min(0).default(30), {
    help: 'seconds to sleep between passes',
    commands: HOLD_COMMANDS,
    valueName: '<s>',
  }),
  devTpuCheckInterval: opt(z.number().positive().default(60), {
    help: 'seconds between liveness checks while dev-tpu-allocate holds (preempted → re-acquire)',
    commands: ['dev-tpu-allocate'],
    valueName: '<s>',
  }),
  devTpuQueued: opt(z.boolean().default(false), {
    help: 'allocate through a queued resource instead of createNode',
    commands: HOLD_COMMANDS,
  }),
  keepDevTpu: opt(z.boolean().default(false), {
    help: 'do not delete the TPU on exit (the lease file stays, so dev-tpu-release can delete it later)',
    commands: HOLD_COMMANDS,
  }),
  devTpuSetup: opt(z.string().min(1).optional(), {
    help: 'command run once on all workers after READY, e.g. "curl -LsSf https://astral.sh/uv/install.sh | sh && uv sync --extra=tpu"; also once in each benchmark tree on the TPU',
    commands: [...HOLD_COMMANDS, 'baseline'],
    valueName: '<cmd>',
  }),
  tpuHeartbeatMinutes: opt(z.number().min(0.1, HEARTBEAT_RANGE).max(1440, HEARTBEAT_RANGE).default(5), {
    help: 'minutes between the holder heartbeats written on a held node; a holder silent for 3 of its intervals is stale',
    commands: NODE_COMMANDS,
    valueName: '<min>',
  }),
  tpuHeartbeatMs: opt(z.number().int().min(10, HEARTBEAT_MS_RANGE).max(86_400_000, HEARTBEAT_MS_RANGE).optional(), {
    help: 'heartbeat interval in ms, over --tpu-heartbeat-minutes (tests)',
    commands: NODE_COMMANDS,
    valueName: '<ms>',
    hidden: true,
  }),
  takeOver: opt(z.boolean().default(false), {
    help: 'take over (or, for dev-tpu-release, delete) a node whose holder on another host has a stale heartbeat',
    commands: [...HOLD_COMMANDS, 'dev-tpu-release'],
  }),
  tpuApiEndpoint: opt(z.string().regex(/^https?:\/\/[^/]+\/?$/, 'expected a URL such as http://127.0.0.1:8080').optional(), {
    help: 'Cloud TPU API endpoint (tests and emulators; production leaves it unset)',
    commands: API_COMMANDS,
    valueName: '<url>',
  }),
  tpuAccessToken: opt(z.string().min(1).optional(), {
    help: 'static bearer token for the TPU API instead of Application Default Credentials',
    commands: API_COMMANDS,
    valueName: '<token>',
    hidden: true,
  }),
  tpuPollIntervalMs: opt(z.number().int().positive().default(5000), {
    help: 'longest wait between polls of a TPU operation or node state',
    commands: API_COMMANDS,
    valueName: '<ms>',
  }),
  tpuApiRetries: opt(z.number().int().min(0).default(6), {
    help: 'retries of a TPU API call on 429, 503, UNAVAILABLE or DEADLINE_EXCEEDED',
    commands: API_COMMANDS,
    valueName: '<n>',
  }),
  tpuApiRetryMinMs: opt(z.number().int().min(0).default(1000), {
    help: 'first backoff of a retried TPU API call (doubles each retry)',
    commands: API_COMMANDS,
    valueName: '<ms>',
  }),
  // The held TPU, as the loop exports it to post-checks (GDNCTL_TPU_*; docs/architecture.md "What post-checks see").
  tpuProject: opt(z.string().min(1).optional(), {
    help: 'project of the TPU to act on (set by the loop for post-checks)',
    commands: TARGET_COMMANDS,
    valueName: '<project>',
    hidden: true,
  }),
  tpuZone: opt(z.string().min(1).optional(), {
    help: 'zone of the TPU to act on (set by the loop for post-checks)',
    commands: TARGET_COMMANDS,
    valueName: '<zone>',
    hidden: true,
  }),
  tpuCluster: opt(z.string().min(1).optional(), {
    help: 'cluster of the TPU to act on (set by the loop for post-checks)',
    commands: TARGET_COMMANDS,
    valueName: '<cluster>',
    hidden: true,
  }),
  cluster: opt(z.string().min(1).optional(), {
    help: 'cluster of the TPU to act on (default: the held TPU\'s, from GDNCTL_TPU_CLUSTER or the lease)',
    commands: TARGET_COMMANDS,
    valueName: '<cluster>',
  }),
  tpuName: opt(z.string().min(1).optional(), {
    help: 'TPU node to act on (default: the held TPU from GDNCTL_TPU_NAME or the lease)',
    commands: TARGET_COMMANDS,
    valueName: '<name>',
  }),
};
