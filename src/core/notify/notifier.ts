import type { Clock } from '../../ports/clock.js';
import type { CommandRunner, ProcessResult } from '../../ports/process.js';
import type { LoopEvent, LoopEventSubscriber } from '../loop/events.js';
import type { LoopResult } from '../loop/outcome.js';
import { notifyText, type NotifyChampion, type NotifyEventKind, type NotifyFields, type NotifyPayload } from './notify-payload.js';

/**
 * --notify-cmd as a subscriber of the loop's event stream (src/core/loop/events.ts), beside the ledger and the
 * console. It never holds up the loop: `event()` returns at once, each notification is a child process
 * (`bash -c CMD`, the payload on stdin) run in the background, at most `maxRunning` at a time and `maxQueued`
 * waiting; a command that fails or runs past its timeout is logged and forgotten. `close()` gives the pending
 * ones a moment and then ends their process groups, so no notification outlives gdnctl.
 *
 *   opened ─▶ run-start
 *   event   ─▶ promotion (iteration-recorded promoted) · target-reached · progress (every event; re-arms stuck)
 *   checkStuck (a timer) ─▶ stuck, once per quiet stretch of stuckMs
 *   finished ─▶ stop (done, target-reached, interrupted, error or the stop reason) ─▶ close
 */

/** What the notifier reads about the run when it builds a payload (the CLI reads the run directory). */
export interface NotifyRunView {
  champion(): Promise<NotifyChampion | undefined>;
  /** report.html's path (the loop writes it once the next agent has spawned, and at the run's end). */
  report(): Promise<string | undefined>;
}

export interface NotifierSettings {
  cmd: string;
  timeoutMs: number;
  /** 0: never notify stuck. */
  stuckMs: number;
  /** --sleep-seconds: the planned quiet after an iteration is recorded, which is no stall. */
  betweenIterationsMs?: number;
  /** The run's --iterations. */
  iterations: number;
  /** The decision metric's name (--metric). */
  metric?: string | undefined;
  maxRunning?: number;
  maxQueued?: number;
}

export interface NotifierDeps {
  runner: CommandRunner;
  clock: Clock;
  cwd: string;
  env: NodeJS.ProcessEnv;
  view: NotifyRunView;
  /** A failed or dropped notification: a warning on the console, never a failure of the run. */
  warn(message: string): void;
  /** The run's redactor: a stop message or a path may quote a secret, and the payload leaves the machine. */
  redact?: (text: string) => string;
}

/** The stop notification's reason and detail for the way the run ended. */
export function stopOf(end: { result: LoopResult } | { error: Error }): { reason: string; detail: string | null; iteration?: number } {
  if ('error' in end) return { reason: 'error', detail: end.error.message.split('\n')[0] ?? null };
  const r = end.result;
  switch (r.kind) {
    case 'done':
      return { reason: 'done', detail: `${r.iterations} iteration(s)`, iteration: r.iterations };
    case 'target-reached':
      return { reason: 'target-reached', detail: null, iteration: r.iteration };
    case 'stopped':
      return { reason: r.stop.reason, detail: r.stop.message, iteration: r.stop.iteration };
    case 'interrupted':
      return { reason: 'interrupted', detail: r.signalName };
    default: {
      const never: never = r;
      throw new Error(`unknown loop result ${JSON.stringify(never)}`);
    }
  }
}

export class Notifier implements LoopEventSubscriber {
  private run: { id: string; dir: string } | undefined;
  private iteration: number | null = null;
  private phase: string | null = null;
  private lastProgressMs: number;
  private stuckSent = false;
  private lastEvent: LoopEvent['type'] | undefined;
  private quietUntilMs: number | undefined;
  private closed = false;
  private readonly queue: NotifyPayload[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private running = 0;
  private readonly end = new AbortController();
  private readonly maxRunning: number;
  private readonly maxQueued: number;

  constructor(
    private readonly s: NotifierSettings,
    private readonly d: NotifierDeps,
  ) {
    this.lastProgressMs = d.clock.now();
    this.maxRunning = s.maxRunning ?? 2;
    this.maxQueued = s.maxQueued ?? 16;
  }

  /** The run's folder exists (started or resumed): `run-start`. */
  opened(run: { id: string; dir: string }): void {
    this.run = run;
    this.lastProgressMs = this.d.clock.now();
    this.post('run-start', { iteration: null, reason: null, detail: null, phase: null });
  }

  event(e: LoopEvent): void {
    this.lastProgressMs = this.d.clock.now();
    this.stuckSent = false;
    this.lastEvent = e.type;
    // A usage-limit wait (an event with `resumeAt`) is planned quiet up to its end, like --sleep-seconds.
    const resumeAt = 'resumeAt' in e && typeof e.resumeAt === 'string' ? Date.parse(e.resumeAt) : NaN;
    this.quietUntilMs = Number.isFinite(resumeAt) ? resumeAt : undefined;
    switch (e.type) {
      case 'phase':
        this.iteration = e.iteration;
        this.phase = e.phase;
        return;
      case 'iteration-recorded':
        if (e.status === 'promoted') this.post('promotion', { iteration: e.iteration, reason: null, detail: null, phase: this.phase });
        return;
      case 'target-reached':
        this.post('target-reached', { iteration: e.iteration, reason: null, detail: e.stops ? 'stopping' : 'continuing (--continue-after-target)', phase: this.phase, metricValue: e.value });
        return;
      default:
        return;
    }
  }

  /** Called by a timer: one `stuck` per stretch of stuckMs without any loop event. */
  checkStuck(): void {
    if (this.closed || this.s.stuckMs <= 0 || this.stuckSent || !this.run) return;
    const quietMs = this.d.clock.now() - this.lastProgressMs;
    const sleeping = this.lastEvent === 'iteration-recorded' ? this.s.betweenIterationsMs ?? 0 : 0;
    const waiting = this.quietUntilMs === undefined ? 0 : Math.max(0, this.quietUntilMs - this.lastProgressMs);
    if (quietMs < this.s.stuckMs + sleeping + waiting) return;
    this.stuckSent = true;
    const minutes = Math.round(quietMs / 6000) / 10;
    const detail = `no progress for ${minutes} min in phase ${this.phase ?? 'starting'}`;
    this.post('stuck', { iteration: this.iteration, reason: 'no-progress', detail, phase: this.phase ?? 'starting' });
  }

  /** The run ended, however: `stop`. */
  finished(end: { result: LoopResult } | { error: Error }): void {
    const stop = stopOf(end);
    this.post('stop', { iteration: stop.iteration ?? this.iteration, reason: stop.reason, detail: stop.detail, phase: this.phase });
  }

  /**
   * Let what is pending finish for up to `graceMs`, then end the rest (the runner kills each process group)
   * and drop what never started. Resolves once no notification child is left.
   */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    const settled = (): Promise<void> => (this.inFlight.size === 0 ? Promise.resolve() : Promise.allSettled([...this.inFlight]).then(() => settled()));
    const timer = new AbortController();
    const waited = await Promise.race([settled().then(() => true), this.d.clock.sleep(graceMs, timer.signal).then(() => false, () => false)]);
    timer.abort();
    if (waited) return;
    const dropped = this.queue.splice(0).length;
    this.end.abort();
    await settled();
    if (dropped > 0) this.d.warn(`notify: ${dropped} notification(s) not sent: gdnctl was exiting`);
  }

  private post(event: NotifyEventKind, fields: NotifyFields): void {
    if (!this.run || (this.closed && event !== 'stop')) return;
    const run = this.run;
    const built = this.payload(run, event, fields).then((p) => this.enqueue(p), (e: Error) => this.d.warn(`notify: ${event} not sent: ${e.message}`));
    this.track(built);
  }

  private async payload(run: { id: string; dir: string }, event: NotifyEventKind, f: NotifyFields): Promise<NotifyPayload> {
    const [champion, report] = await Promise.all([this.d.view.champion().catch(() => undefined), this.d.view.report().catch(() => undefined)]);
    const value = f.metricValue ?? (event === 'promotion' ? champion?.value ?? null : null);
    const { metricValue: _v, ...rest } = f;
    const body: Omit<NotifyPayload, 'text'> = {
      schemaVersion: 1, event, at: new Date(this.d.clock.now()).toISOString(), run: run.id, runDir: run.dir, of: this.s.iterations, ...rest,
      metric: this.s.metric ? { name: this.s.metric, value } : null,
      champion: champion ?? null,
      report: report ?? null,
    };
    return { ...body, text: notifyText(body) };
  }

  private enqueue(p: NotifyPayload): void {
    if (this.end.signal.aborted) return;
    if (this.running >= this.maxRunning) {
      if (this.queue.length >= this.maxQueued) {
        const dropped = this.queue.shift()!;
        this.d.warn(`notify: too many notifications waiting; dropped the ${dropped.event} of ${dropped.at}`);
      }
      this.queue.push(p);
      return;
    }
    this.running++;
    this.track(this.send(p).finally(() => {
      this.running--;
      const next = this.queue.shift();
      if (next) this.enqueue(next);
    }));
  }

  private async send(p: NotifyPayload): Promise<void> {
    let r: ProcessResult;
    try {
      r = await this.d.runner.run({
        argv: ['bash', '-c', this.s.cmd], cwd: this.d.cwd, env: { ...this.d.env, GDNCTL_NOTIFY_EVENT: p.event },
        stdin: (this.d.redact ?? ((t: string) => t))(JSON.stringify(p)) + '\n', timeoutMs: this.s.timeoutMs, signal: this.end.signal,
      });
    } catch (e) {
      this.d.warn(`notify: ${p.event} failed to start: ${(e as Error).message}`);
      return;
    }
    const why = r.timedOut ? `ran past --notify-timeout-seconds (${this.s.timeoutMs / 1000} s) and was ended`
      : r.aborted ? 'was ended: gdnctl was exiting'
      : r.exitCode !== 0 ? `exited ${r.exitCode ?? r.signal}` : undefined;
    if (why) this.d.warn(`notify: the ${p.event} command ${why}${tailOf(r.tail)}`);
  }

  private track(p: Promise<void>): void {
    const quiet = p.catch((e: Error) => this.d.warn(`notify: ${e.message}`));
    this.inFlight.add(quiet);
    void quiet.finally(() => this.inFlight.delete(quiet));
  }
}

function tailOf(tail: string): string {
  const last = tail.trim().split('\n').pop()?.trim();
  return last ? `: ${last.slice(0, 200)}` : '';
}
