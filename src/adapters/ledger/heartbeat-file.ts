import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateAtomic } from './private-files.js';

/**
 * runs/<id>/heartbeat.json: "the owner was alive at `at`", rewritten every minute while a loop runs, so
 * `gdnctl status` can tell a live run from one whose owner died or hangs (docs/codex-loop.md "Status").
 * A file of its own, not a field of state.json: state.json has one writer (the loop, temp file + fsync +
 * rename at the points a resume needs), and a timer writing it too would race that writer and add an fsync a
 * minute for nothing. This file is temp + rename without fsync: after a power cut a stale or missing heartbeat
 * only makes status say `owner-dead`, which is then true.
 */

export const HEARTBEAT_FILE = 'heartbeat.json';
export const HEARTBEAT_INTERVAL_MS = 60_000;

export interface Heartbeat {
  schemaVersion: 1;
  pid: number;
  host: string;
  startTime?: string | undefined;
  at: string;
}

export function readHeartbeat(runDir: string): Heartbeat | undefined {
  try {
    const h = JSON.parse(readFileSync(join(runDir, HEARTBEAT_FILE), 'utf8')) as Heartbeat;
    return typeof h.at === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes the heartbeat now and then every `intervalMs` until stopped. The timer is unref'd (it never keeps
 * gdnctl alive) and a write that fails is skipped: the next one tries again.
 */
export function startHeartbeat(runDir: string, owner: { pid: number; host: string; startTime?: string | undefined }, intervalMs = HEARTBEAT_INTERVAL_MS, now: () => number = Date.now): () => void {
  let writing = false;
  const beat = (): void => {
    if (writing) return;
    writing = true;
    const h: Heartbeat = { schemaVersion: 1, pid: owner.pid, host: owner.host, ...(owner.startTime ? { startTime: owner.startTime } : {}), at: new Date(now()).toISOString() };
    void writePrivateAtomic(join(runDir, HEARTBEAT_FILE), JSON.stringify(h) + '\n').catch(() => undefined).finally(() => (writing = false));
  };
  beat();
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
