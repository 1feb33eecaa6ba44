import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { startHeartbeat } from '../../adapters/ledger/heartbeat-file.js';
import { ChildProcessRunner } from '../../adapters/process/child-process-runner.js';
import type { Config } from '../../config/schema.js';
import type { LoopConsole } from '../../core/loop/engine.js';
import { fanOut } from '../../core/loop/events.js';
import type { LoopResult } from '../../core/loop/outcome.js';
import { Notifier } from '../../core/notify/notifier.js';
import type { NotifyChampion } from '../../core/notify/notify-payload.js';
import type { RunOwner } from '../../ports/ledger.js';
import type { Redactor } from '../../redact.js';
import { systemClock } from '../loop-deps.js';

/**
 * What watches a loop from beside it (docs/codex-loop.md "Notifications" and "Status"): the heartbeat in the
 * run directory, and --notify-cmd's notifier subscribed to the loop's events with its stuck timer. Built once
 * by the composition root (run-codex-loop.ts); `opened` when the run's folder exists, `finished` on every way out.
 */
export interface RunWatch {
  /** The console the loop is given: the same lines, plus the notifier's subscription. */
  console: LoopConsole;
  opened(runDir: string): void;
  /** Sends `stop`, waits briefly for pending notifications and ends the rest; stops the timers. */
  finished(end: { result: LoopResult } | { error: Error }): Promise<void>;
}

/** How long the exit waits for pending notifications before their process groups are ended. */
const CLOSE_GRACE_MS = 5_000;
/** Ends a timed-out or abandoned notification quickly: SIGINT, then SIGTERM and SIGKILL after this grace. */
const NOTIFY_KILL_GRACE_MS = 1_000;

export function runWatch(v: Config, env: NodeJS.ProcessEnv, out: LoopConsole, owner: RunOwner, iterations: number, redact: Redactor): RunWatch {
  const stops: Array<() => void> = [];
  let dir: string | undefined;
  const notifier = v.notifyCmd
    ? new Notifier(
      { cmd: v.notifyCmd, timeoutMs: v.notifyTimeoutSeconds * 1000, stuckMs: v.stuckMinutes * 60_000, betweenIterationsMs: v.sleepSeconds * 1000, iterations, metric: v.metric },
      {
        runner: new ChildProcessRunner({ killGraceMs: NOTIFY_KILL_GRACE_MS }),
        clock: systemClock, cwd: v.workdir, env, warn: (m) => out.warn(m), redact,
        view: { champion: () => championOf(dir), report: () => reportOf(dir) },
      },
    )
    : undefined;
  const loopConsole: LoopConsole = notifier ? { ...out, event: fanOut([out, notifier], (e) => out.warn(`notify: ${e.message}`)).event } : out;
  return {
    console: loopConsole,
    opened(runDir) {
      dir = runDir;
      stops.push(startHeartbeat(runDir, owner));
      if (!notifier) return;
      notifier.opened({ id: basename(runDir), dir: runDir });
      const stuckMs = v.stuckMinutes * 60_000;
      if (stuckMs > 0) {
        // A quarter of the threshold, at most a minute: a stall is reported within 25 % of --stuck-minutes.
        const t = setInterval(() => notifier.checkStuck(), Math.min(60_000, Math.max(50, stuckMs / 4)));
        t.unref();
        stops.push(() => clearInterval(t));
      }
    },
    async finished(end) {
      for (const stop of stops.splice(0)) stop();
      if (!notifier) return;
      notifier.finished(end);
      await notifier.close(Math.min(CLOSE_GRACE_MS, v.notifyTimeoutSeconds * 1000));
    },
  };
}

async function championOf(runDir: string | undefined): Promise<NotifyChampion | undefined> {
  if (!runDir) return undefined;
  const text = await readFile(join(runDir, 'champion.json'), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  const c = JSON.parse(text) as { sha?: unknown; iteration?: unknown; median?: unknown };
  if (typeof c.sha !== 'string') return undefined;
  return { sha: c.sha, iteration: typeof c.iteration === 'number' ? c.iteration : 0, value: typeof c.median === 'number' ? c.median : null };
}

/**
 * The run's report.html: the loop writes it once the next agent has spawned and at the run's end (the memory's
 * deferred files), so a promotion's notification names it before this iteration's version is on disk.
 */
async function reportOf(runDir: string | undefined): Promise<string | undefined> {
  return runDir ? join(runDir, 'report.html') : undefined;
}
