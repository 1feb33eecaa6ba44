/**
 * state.json without the table that grows with the run (docs/decisions.md "Issue 14 — per-iteration writes and
 * memory"). While a run is running, its `completed` rows go to completed.jsonl, appended when a row is new or
 * changed, and state.json says so with `completedLog: true`; once the run is no longer running (done, stopped,
 * interrupted) state.json holds the whole table again. Readers put the rows back with withCompletedLog.
 */
export const COMPLETED_LOG = 'completed.jsonl';

interface Row {
  iteration: number;
  status?: unknown;
}

/** What one writer of a run's state.json has appended: a row's iteration → the row object, its status, its line. */
export class CompletedLog {
  private readonly appended = new Map<number, { row: object; status: unknown; text: string }>();

  /**
   * The state to write as state.json, and the lines to append to completed.jsonl before it (new or changed
   * rows). A row object already appended is stringified again only when its status changed in place (the
   * parallel orchestrator's `explored`): a long run's table is not re-serialised at every write.
   */
  split(state: unknown): { state: unknown; lines: string } {
    const s = state as { status?: unknown; completed?: unknown };
    if (s.status !== 'running' || !Array.isArray(s.completed)) return { state, lines: '' };
    let lines = '';
    for (const row of s.completed as Row[]) {
      const seen = this.appended.get(row.iteration);
      if (seen && seen.row === row && seen.status === row.status) continue;
      const text = JSON.stringify(row);
      this.appended.set(row.iteration, { row, status: row.status, text });
      if (seen?.text !== text) lines += text + '\n';
    }
    const { completed: _rows, ...rest } = s;
    return { state: { ...rest, completedLog: true }, lines };
  }
}

/** A parsed state.json with completed.jsonl's rows put back when it names the log (later line per iteration wins). */
export function withCompletedLog<T>(state: T, logText: string | undefined): T {
  const s = state as { completedLog?: unknown } | undefined;
  if (!s || s.completedLog !== true) return state;
  const byIteration = new Map<number, Row>();
  for (const line of (logText ?? '').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as Row;
      byIteration.set(r.iteration, r);
    } catch {
      // a line cut short by a kill mid-append: its state.json write never happened
    }
  }
  const { completedLog: _log, ...rest } = s;
  return { ...rest, completed: [...byIteration.values()].sort((a, b) => a.iteration - b.iteration) } as T;
}
