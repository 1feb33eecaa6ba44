import { median } from '../stats/descriptive.js';

/**
 * What `gdnctl status --json` reports about one run (docs/codex-loop.md "Status"), computed from what the run
 * directory holds: state.json, run.json, the tail of events.jsonl, heartbeat.json, champion.json, the lease.
 * Pure, so a killed owner, a stale heartbeat or a run on another host are tested without processes.
 */

/** How far a heartbeat may lag before the owner counts as dead (a beat is written every minute). */
export const HEARTBEAT_STALE_MS = 3 * 60_000;

/** `running` only with a live owner; `owner-dead` when state.json says running but nobody is. */
export type RunHealth = 'running' | 'owner-dead' | 'done' | 'stopped' | 'interrupted' | 'unknown';

export interface StatusEvent {
  type?: string;
  ts?: string;
  iteration?: number;
  phase?: string;
  [k: string]: unknown;
}

export interface StatusInput {
  runId: string;
  runDir: string;
  nowMs: number;
  state?: {
    status?: string; ownerPid?: number; ownerHost?: string; iteration?: number; attempt?: number; phase?: string; iterationDone?: boolean;
    failures?: number; consecutiveFailures?: number; champion?: string; tokens?: Record<string, unknown>; costUsd?: unknown;
    completed?: Array<{ iteration: number; durationMs?: number; status?: string; outcome?: string }>;
    stopReason?: string; stopMessage?: string; updatedAt?: string;
  } | undefined;
  /** The run's --iterations: the experiment's total, else run.json's config. */
  total?: number | undefined;
  sleepSeconds?: number | undefined;
  /** events.jsonl, oldest first (its tail is enough). */
  events: StatusEvent[];
  heartbeat?: { at: string; pid?: number; host?: string } | undefined;
  /** The owner probed on this host; other-host when it runs elsewhere (only the heartbeat speaks for it then). */
  owner: 'alive' | 'dead' | 'other-host' | 'unknown';
  champion?: { sha: string; median?: number; iteration?: number } | undefined;
  baseline?: { median: number; metric: string; direction: 'higher' | 'lower' } | undefined;
  metric?: string | undefined;
  lease?: { node: string; zone: string; project?: string; createdAt?: string } | undefined;
  lastAction?: string | undefined;
}

export interface RunStatusView {
  schemaVersion: 1;
  run: string;
  runDir: string;
  health: RunHealth;
  /** Why health is owner-dead: the pid is gone, or the heartbeat is older than 3 minutes. */
  healthReason: string | null;
  status: string | null;
  owner: { pid: number | null; host: string | null; heartbeatAt: string | null; heartbeatAgeSeconds: number | null };
  iteration: number | null;
  of: number | null;
  attempt: number | null;
  phase: { name: string; since: string | null; elapsedSeconds: number | null } | null;
  lastAction: string | null;
  /** A usage-limit wait under way (the last event is a `limit-wait` whose `resumeAt` is still ahead). */
  limitWait: { until: string; detail: string | null } | null;
  tokens: Record<string, number> | null;
  costUsd?: number;
  tpu: { name: string; zone: string; project: string | null; held: boolean; hours: number | null } | null;
  champion: { sha: string; iteration: number | null; metric: string | null; value: number | null; baseline: number | null } | null;
  failures: { total: number; consecutive: number };
  finished: number;
  eta: { medianIterationSeconds: number; remainingIterations: number; seconds: number; at: string } | null;
  stopReason: string | null;
  stopMessage: string | null;
  updatedAt: string | null;
}

const ms = (iso: string | undefined): number | undefined => {
  const t = iso === undefined ? NaN : Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
};
const round = (x: number, digits: number): number => Number(x.toFixed(digits));

export function runStatusView(i: StatusInput): RunStatusView {
  const s = i.state ?? {};
  const { health, reason } = healthOf(i);
  const beatMs = ms(i.heartbeat?.at);
  const live = health === 'running';
  const completed = (s.completed ?? []).filter((c) => c.iteration >= 1);
  const phase = live ? phaseOf(i) : s.phase ? { name: s.phase, since: null, elapsedSeconds: null } : null;
  const tokens = numericFields(s.tokens);
  return {
    schemaVersion: 1, run: i.runId, runDir: i.runDir, health, healthReason: reason, status: s.status ?? null,
    owner: { pid: s.ownerPid ?? null, host: s.ownerHost ?? null, heartbeatAt: i.heartbeat?.at ?? null, heartbeatAgeSeconds: beatMs === undefined ? null : round((i.nowMs - beatMs) / 1000, 1) },
    iteration: s.iteration ?? null, of: i.total ?? null, attempt: s.attempt ?? null, phase,
    lastAction: i.lastAction ?? null,
    limitWait: live ? limitWaitOf(i) : null,
    tokens,
    ...(typeof s.costUsd === 'number' && Number.isFinite(s.costUsd) ? { costUsd: s.costUsd } : {}),
    tpu: tpuOf(i),
    champion: championOf(i),
    failures: { total: s.failures ?? 0, consecutive: s.consecutiveFailures ?? 0 },
    finished: completed.length,
    eta: live ? etaOf(i, completed) : null,
    stopReason: s.stopReason ?? null, stopMessage: s.stopMessage ?? null, updatedAt: s.updatedAt ?? null,
  };
}

/**
 * state.json's status, checked against its owner: a `running` run whose pid is gone (this host), or whose
 * heartbeat is older than HEARTBEAT_STALE_MS (a hung or a remote owner), is `owner-dead`. A run written by a
 * gdnctl without heartbeats is judged by its pid alone.
 */
export function healthOf(i: Pick<StatusInput, 'state' | 'heartbeat' | 'owner' | 'nowMs'>): { health: RunHealth; reason: string | null } {
  const status = i.state?.status;
  switch (status) {
    case 'running': {
      if (i.owner === 'dead') return { health: 'owner-dead', reason: `owner pid ${i.state?.ownerPid ?? '?'} is gone` };
      // A beat of an earlier owner (the run was resumed since, and the new one has not beaten yet) says nothing.
      const own = i.heartbeat && (i.heartbeat.pid === undefined || i.heartbeat.pid === i.state?.ownerPid);
      const beat = own ? ms(i.heartbeat?.at) : undefined;
      if (beat !== undefined && i.nowMs - beat > HEARTBEAT_STALE_MS) {
        return { health: 'owner-dead', reason: `heartbeat is ${Math.round((i.nowMs - beat) / 60_000)} min old (pid ${i.state?.ownerPid ?? '?'} on ${i.state?.ownerHost ?? '?'})` };
      }
      return { health: 'running', reason: null };
    }
    case 'done':
    case 'stopped':
    case 'interrupted':
      return { health: status, reason: null };
    default:
      return { health: 'unknown', reason: null };
  }
}

/** `gdnctl status --check`: 0 running (or done), 1 stopped, interrupted or unknown, 3 owner dead. */
export function checkExitCode(health: RunHealth): 0 | 1 | 3 {
  switch (health) {
    case 'running':
    case 'done':
      return 0;
    case 'owner-dead':
      return 3;
    case 'stopped':
    case 'interrupted':
    case 'unknown':
      return 1;
    default: {
      const never: never = health;
      throw new Error(`unknown run health ${String(never)}`);
    }
  }
}

/** The phase in progress and since when: its `phase` event, else the run's start or resume. */
function phaseOf(i: StatusInput): RunStatusView['phase'] {
  const s = i.state ?? {};
  const name = s.phase ?? 'preflight';
  const last = [...i.events].reverse().find((e) => e.type === 'phase' || e.type === 'run-started' || e.type === 'resume');
  const fits = last && (last.type !== 'phase' || (last.phase === name && last.iteration === s.iteration));
  const since = fits ? ms(last.ts) : undefined;
  return { name, since: since === undefined ? null : new Date(since).toISOString(), elapsedSeconds: since === undefined ? null : round((i.nowMs - since) / 1000, 1) };
}

/**
 * The median finished iteration, times what is left: the rest of the current one (at least nothing) and the
 * iterations after it, each with its --sleep-seconds.
 */
function etaOf(i: StatusInput, completed: Array<{ iteration: number; durationMs?: number }>): RunStatusView['eta'] {
  const s = i.state ?? {};
  const durations = completed.map((c) => c.durationMs).filter((d): d is number => typeof d === 'number' && d >= 0);
  if (durations.length === 0 || i.total === undefined || s.iteration === undefined) return null;
  const med = median(durations);
  const currentDone = s.iterationDone === true || completed.some((c) => c.iteration === s.iteration);
  const after = Math.max(0, i.total - s.iteration);
  const startedMs = ms([...i.events].find((e) => e.type === 'phase' && e.iteration === s.iteration)?.ts);
  const inCurrent = currentDone ? 0 : Math.max(0, med - (startedMs === undefined ? 0 : i.nowMs - startedMs));
  const sleepMs = (i.sleepSeconds ?? 0) * 1000;
  const left = inCurrent + after * (med + sleepMs);
  return { medianIterationSeconds: round(med / 1000, 1), remainingIterations: after + (currentDone ? 0 : 1), seconds: Math.round(left / 1000), at: new Date(i.nowMs + left).toISOString() };
}

/**
 * The TPU: the lease's node while one is held, its hours since the lease was written; after the release, the
 * node of the last tpu-acquired event and the hours between it and tpu-released.
 */
function tpuOf(i: StatusInput): RunStatusView['tpu'] {
  if (i.lease) {
    const from = ms(i.lease.createdAt);
    return { name: i.lease.node, zone: i.lease.zone, project: i.lease.project ?? null, held: true, hours: from === undefined ? null : round((i.nowMs - from) / 3_600_000, 3) };
  }
  let name: string | undefined;
  let zone: string | undefined;
  let heldMs = 0;
  let since: number | undefined;
  for (const e of i.events) {
    const t = ms(e.ts);
    if (e.type === 'tpu-acquired' || e.type === 'tpu-reacquired' || e.type === 'tpu-reattached') {
      name = typeof e.node === 'string' ? e.node : name;
      zone = typeof e.zone === 'string' ? e.zone : zone;
      since ??= t;
    } else if ((e.type === 'tpu-released' || e.type === 'tpu-lost') && since !== undefined && t !== undefined) {
      heldMs += t - since;
      since = undefined;
    }
  }
  if (name === undefined) return null;
  return { name, zone: zone ?? '?', project: null, held: false, hours: round(heldMs / 3_600_000, 3) };
}

function limitWaitOf(i: StatusInput): RunStatusView['limitWait'] {
  const last = i.events.at(-1);
  const until = last?.type === 'limit-wait' && typeof last.resumeAt === 'string' ? ms(last.resumeAt) : undefined;
  if (until === undefined || until <= i.nowMs) return null;
  return { until: new Date(until).toISOString(), detail: typeof last?.detail === 'string' ? last.detail : null };
}

function championOf(i: StatusInput): RunStatusView['champion'] {
  const c = i.champion;
  const metric = i.baseline?.metric ?? i.metric ?? null;
  if (c) return { sha: c.sha, iteration: c.iteration ?? null, metric, value: c.median ?? null, baseline: i.baseline?.median ?? null };
  const sha = i.state?.champion;
  return sha ? { sha, iteration: null, metric, value: null, baseline: i.baseline?.median ?? null } : null;
}

function numericFields(o: Record<string, unknown> | undefined): Record<string, number> | null {
  if (!o) return null;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return Object.keys(out).length > 0 ? out : null;
}
