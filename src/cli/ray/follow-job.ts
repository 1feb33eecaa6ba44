import { isTerminal, type RayJobInfo, type RayJobs } from '../../ports/ray.js';

/** How following a job ended; the caller turns it into an exit code. */
export type FollowOutcome =
  | { kind: 'ended'; info: RayJobInfo; logs: string }
  | { kind: 'vanished'; logs: string }
  | { kind: 'timeout'; logs: string; stopped: boolean }
  | { kind: 'interrupted'; logs: string; stopped: boolean };

export interface FollowOptions {
  /** Longest pause between polls; polling starts at 0.25 s and doubles up to it. */
  pollMaxMs: number;
  timeoutMs?: number;
  signal: AbortSignal;
  /** Each complete new log line (polled from GET /api/jobs/<id>/logs). */
  onLine?: (line: string) => void;
  /**
   * False for a follower that did not start the job (ray-wait): an interrupt leaves it running. Asked at the
   * interrupt when a function (a post-check whose loop is gone leaves the job to the resumed loop).
   */
  stopOnInterrupt?: boolean | (() => boolean);
}

/**
 * Poll a job to its end. Logs are polled with the status (the streaming tail is a WebSocket; polling is enough
 * at these rates) and only their new part is printed. On interrupt or timeout the job is stopped.
 */
export async function followJob(jobs: RayJobs, id: string, o: FollowOptions): Promise<FollowOutcome> {
  const started = performance.now();
  let waitMs = 250;
  let printed = 0;
  let logs = '';
  const flush = async (final: boolean): Promise<void> => {
    if (!o.onLine) return;
    logs = await jobs.logs(id);
    // Logs that shrank were rotated or truncated server-side: print them from the start.
    if (logs.length < printed) printed = 0;
    const fresh = logs.slice(printed);
    const cut = final ? fresh.length : fresh.lastIndexOf('\n') + 1;
    for (const line of fresh.slice(0, cut).split('\n').filter((l, i, a) => l !== '' || i < a.length - 1)) o.onLine(line);
    printed += cut;
  };
  const stopNow = async (): Promise<boolean> => jobs.stop(id).catch(() => false);
  const stops = (): boolean => (typeof o.stopOnInterrupt === 'function' ? o.stopOnInterrupt() : o.stopOnInterrupt !== false);
  const onInterrupt = async (): Promise<FollowOutcome> => ({ kind: 'interrupted', logs, stopped: stops() ? await stopNow() : false });
  for (;;) {
    if (o.signal.aborted) return onInterrupt();
    let info: RayJobInfo | undefined;
    try {
      info = await jobs.status(id);
      await flush(false);
    } catch (e) {
      if (o.signal.aborted) return onInterrupt();
      throw e;
    }
    if (!info) return { kind: 'vanished', logs };
    if (isTerminal(info.status)) {
      await flush(true);
      if (!o.onLine) logs = await jobs.logs(id);
      return { kind: 'ended', info, logs };
    }
    if (o.timeoutMs !== undefined && performance.now() - started >= o.timeoutMs) {
      const stopped = await stopNow();
      await flush(true).catch(() => {});
      return { kind: 'timeout', logs, stopped };
    }
    await sleep(Math.min(waitMs, o.pollMaxMs, o.timeoutMs === undefined ? Infinity : Math.max(1, o.timeoutMs - (performance.now() - started))), o.signal);
    waitMs = Math.min(waitMs * 2, o.pollMaxMs);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
