/**
 * What a --notify-cmd receives on stdin: one JSON object per notification (docs/codex-loop.md "Notifications").
 * The fields are stable for scripts; `text` is a ready one-line message for a chat webhook.
 */

export type NotifyEventKind = 'run-start' | 'promotion' | 'target-reached' | 'stop' | 'stuck';

export const NOTIFY_EVENT_KINDS: readonly NotifyEventKind[] = ['run-start', 'promotion', 'target-reached', 'stop', 'stuck'];

export interface NotifyChampion {
  sha: string;
  /** 0 is the baseline. */
  iteration: number;
  /** The champion's median of the decision metric, when measured. */
  value: number | null;
}

export interface NotifyPayload {
  schemaVersion: 1;
  event: NotifyEventKind;
  at: string;
  run: string;
  runDir: string;
  iteration: number | null;
  /** The run's --iterations. */
  of: number;
  /** The decision metric and, when the event has one, its value (promotion: the new champion's; target: the reading). */
  metric: { name: string; value: number | null } | null;
  champion: NotifyChampion | null;
  /** stop: done, target-reached, interrupted, error or the stop's failure reason; stuck: no-progress. */
  reason: string | null;
  /** A line saying more (the stop's message, the stuck phase and for how long). */
  detail: string | null;
  /** The phase the loop was in (stuck), else the last one seen. */
  phase: string | null;
  /** runs/<id>/report.html (written once the next agent has spawned, and at the run's end). */
  report: string | null;
  text: string;
}

export type NotifyFields = Omit<NotifyPayload, 'schemaVersion' | 'event' | 'at' | 'run' | 'runDir' | 'of' | 'text' | 'report' | 'champion' | 'metric'> & {
  metricValue?: number | undefined;
};

/** The one-line message for people: what happened, where, and the champion. */
export function notifyText(p: Omit<NotifyPayload, 'text'>): string {
  const at = p.iteration === null ? '' : ` at iteration ${p.iteration}/${p.of}`;
  const metric = p.metric?.value !== null && p.metric?.value !== undefined ? ` (${p.metric.name} ${p.metric.value})` : '';
  const champ = p.champion ? `; champion ${p.champion.sha.slice(0, 12)}${p.champion.value === null ? '' : ` ${p.metric?.name ?? 'metric'} ${p.champion.value}`}` : '';
  const head = ((): string => {
    switch (p.event) {
      case 'run-start':
        return `started${at}`;
      case 'promotion':
        return `new champion${at}${metric}`;
      case 'target-reached':
        return `🎯 target reached${at}${metric}`;
      case 'stop':
        if (p.reason === 'done') return `done${p.detail ? ` (${p.detail})` : ''}`;
        if (p.reason === 'interrupted') return `interrupted${at}${p.detail ? ` by ${p.detail}` : ''}`;
        return `stopped${at}: ${p.reason ?? 'unknown'}${p.detail ? ` (${p.detail})` : ''}`;
      case 'stuck':
        return `no progress${at}: ${p.detail ?? p.phase ?? ''}`;
      default: {
        const never: never = p.event;
        throw new Error(`unknown notify event ${String(never)}`);
      }
    }
  })();
  return `gdnctl run ${p.run}: ${head}${champ}`;
}
