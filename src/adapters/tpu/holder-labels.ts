import { createHash } from 'node:crypto';

/**
 * Who holds a TPU node, written on the node itself as labels (docs/tpu.md "Who holds a node"), so that a second
 * checkout, or another host, sees the holder that no lease file of its own records. Pure: encoding, decoding and
 * the judgement; tpu-holder.ts does the I/O.
 *
 * Label values allow 0–63 characters of [a-z0-9_-] only, so host names and times are encoded to fit.
 */
export const HOLDER_KEYS = {
  host: 'gdnctl-host',
  checkout: 'gdnctl-checkout',
  pid: 'gdnctl-pid',
  pidStart: 'gdnctl-pid-start',
  since: 'gdnctl-since',
  heartbeat: 'gdnctl-heartbeat',
  beatMs: 'gdnctl-beat-ms',
} as const;

/** A heartbeat older than this many of the holder's intervals is stale. */
export const STALE_INTERVALS = 3;

export interface TpuHolder {
  /** The host label (hostLabel of the holder's host name). */
  host: string;
  /** checkoutHash of the holder's repository. */
  checkout: string;
  pid: number;
  /** The pid's start time (/proc/<pid>/stat field 22), when the holder's platform has one: the pid-reuse guard. */
  pidStart?: string | undefined;
  /** When the holder took the node (ms since the epoch). */
  sinceMs?: number | undefined;
  /** Its last heartbeat (ms since the epoch). */
  heartbeatMs?: number | undefined;
  /** Its heartbeat interval. */
  beatEveryMs?: number | undefined;
}

export type HolderVerdict =
  | { kind: 'none' }
  | { kind: 'self' }
  | { kind: 'alive'; holder: TpuHolder }
  | { kind: 'dead'; holder: TpuHolder }
  | { kind: 'stale'; holder: TpuHolder };

/** `2026-05-01T12:34:56.789Z` → `20260501t123456z` (seconds are enough for a heartbeat). */
export function encodeTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'z').replace(/[-:]/g, '').replace('T', 't');
}

export function decodeTime(label: string | undefined): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})t(\d{2})(\d{2})(\d{2})z$/.exec(label ?? '');
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * A host name as a label value. Host names are case-insensitive letters, digits, `-` and `.`: lowercased, with
 * `.` as `_`, they fit unchanged up to 63 characters (and read back with describeHost). Anything longer or with
 * other characters keeps a readable prefix and ends in 8 hex digits of its sha256, so two hosts never share a
 * label by truncation.
 */
export function hostLabel(host: string): string {
  const lower = host.toLowerCase();
  if (/^[a-z0-9.-]{1,63}$/.test(lower)) return lower.replace(/\./g, '_');
  const hash = createHash('sha256').update(host).digest('hex').slice(0, 8);
  return `${lower.replace(/[^a-z0-9-]/g, '_').slice(0, 54)}-${hash}`;
}

export function describeHost(label: string): string {
  return label.replace(/_/g, '.');
}

/** 12 hex digits of the sha256 of the repository's real path: which checkout holds the node. */
export function checkoutHash(realPath: string): string {
  return createHash('sha256').update(realPath).digest('hex').slice(0, 12);
}

/** The labels naming `h`, with its heartbeat at `nowMs`. */
export function holderLabels(h: TpuHolder, nowMs: number): Record<string, string> {
  return {
    [HOLDER_KEYS.host]: h.host,
    [HOLDER_KEYS.checkout]: h.checkout,
    [HOLDER_KEYS.pid]: String(h.pid),
    ...(h.pidStart ? { [HOLDER_KEYS.pidStart]: h.pidStart } : {}),
    [HOLDER_KEYS.since]: encodeTime(h.sinceMs ?? nowMs),
    [HOLDER_KEYS.heartbeat]: encodeTime(nowMs),
    ...(h.beatEveryMs ? { [HOLDER_KEYS.beatMs]: String(Math.round(h.beatEveryMs)) } : {}),
  };
}

/** The other labels of a node: what a new holder keeps when it writes its own. */
export function withoutHolder(labels: Record<string, string>): Record<string, string> {
  const keys = new Set<string>(Object.values(HOLDER_KEYS));
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !keys.has(k)));
}

/** The holder named by a node's labels; undefined when none is (a node of an older gdnctl, or one given up). */
export function readHolder(labels: Record<string, string>): TpuHolder | undefined {
  const host = labels[HOLDER_KEYS.host];
  const pid = Number(labels[HOLDER_KEYS.pid]);
  if (!host || !Number.isInteger(pid) || pid <= 0) return undefined;
  const beat = Number(labels[HOLDER_KEYS.beatMs]);
  return {
    host,
    checkout: labels[HOLDER_KEYS.checkout] ?? '',
    pid,
    pidStart: labels[HOLDER_KEYS.pidStart] || undefined,
    sinceMs: decodeTime(labels[HOLDER_KEYS.since]),
    heartbeatMs: decodeTime(labels[HOLDER_KEYS.heartbeat]),
    beatEveryMs: Number.isFinite(beat) && beat > 0 ? beat : undefined,
  };
}

export interface JudgeInput {
  /** This process as a holder (host label, pid, pid start). */
  self: Pick<TpuHolder, 'host' | 'pid' | 'pidStart'>;
  nowMs: number;
  /** Used when the holder recorded no interval of its own. */
  beatEveryMs: number;
  /** isProcessAlive(pid, startTime) on this host. */
  isAlive: (pid: number, startTime?: string) => boolean;
}

/**
 * Alive or not: on this host the pid with its start time decides; on another host only the heartbeat can, and
 * one older than STALE_INTERVALS of the holder's own interval is stale (the holder may be gone, or cut off).
 */
export function judgeHolder(holder: TpuHolder | undefined, j: JudgeInput): HolderVerdict {
  if (!holder) return { kind: 'none' };
  if (holder.host === j.self.host) {
    const samePid = holder.pid === j.self.pid && (!holder.pidStart || !j.self.pidStart || holder.pidStart === j.self.pidStart);
    if (samePid) return { kind: 'self' };
    return j.isAlive(holder.pid, holder.pidStart) ? { kind: 'alive', holder } : { kind: 'dead', holder };
  }
  const last = holder.heartbeatMs ?? holder.sinceMs;
  const every = holder.beatEveryMs ?? j.beatEveryMs;
  return last !== undefined && j.nowMs - last < STALE_INTERVALS * every ? { kind: 'alive', holder } : { kind: 'stale', holder };
}

function iso(ms: number | undefined): string {
  return ms === undefined ? 'an unknown time' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** "pid 123 on host-a.example (checkout 3f2a9c1b7d4e) since 2026-05-01T12:34:56Z". */
export function describeHolder(h: TpuHolder): string {
  return `pid ${h.pid} on ${describeHost(h.host)} (checkout ${h.checkout || 'unknown'}) since ${iso(h.sinceMs)}`;
}

/** How old the holder's heartbeat is, for the stale message. */
export function describeHeartbeat(h: TpuHolder, nowMs: number, beatEveryMs: number): string {
  const every = h.beatEveryMs ?? beatEveryMs;
  const last = h.heartbeatMs ?? h.sinceMs;
  const age = last === undefined ? 'no heartbeat recorded' : `last heartbeat ${duration(nowMs - last)} ago`;
  return `${age}, more than ${STALE_INTERVALS} × ${duration(every)}`;
}
