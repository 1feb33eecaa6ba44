/**
 * The memory's rows on disk: ledger.json (the whole table, rendered once the next agent has spawned) and
 * ledger.jsonl (one line per recorded row, appended before state.json says the iteration is recorded).
 */
import { basename } from 'node:path';
import type { LedgerRow } from './leaderboard.js';

/**
 * A row an earlier run of the experiment recorded (docs/codex-loop.md "Experiments and runs"): its iteration
 * folder, with the reflexion, report and hotspots, is in that run's directory.
 */
export type Row = LedgerRow & { runId?: string };

/**
 * The rows of a run: ledger.json's, then ledger.jsonl's on top (the later line for an iteration wins). A run
 * killed before its memory files were written has its newest rows in the log only. Either file may be missing.
 */
export function mergedRows(ledgerJson: string | undefined, rowLog: string | undefined): Row[] {
  const byIteration = new Map<number, Row>();
  for (const r of ledgerJson === undefined ? [] : ((JSON.parse(ledgerJson) as { rows?: Row[] }).rows ?? [])) byIteration.set(r.iteration, r);
  for (const line of rowLog?.split('\n') ?? []) {
    if (line.trim() === '') continue;
    let r: Row;
    try {
      r = JSON.parse(line) as Row;
    } catch {
      continue; // a line cut short by a kill mid-append: that iteration was not recorded yet
    }
    byIteration.set(r.iteration, r);
  }
  return [...byIteration.values()].sort((a, b) => a.iteration - b.iteration);
}

/** ledger.json as the next run starts with it: each row names the run that recorded it (kept if it did already). */
export function carriedLedger(text: string | undefined, fromRunDir: string, rowLog?: string): string {
  const rows = mergedRows(text, rowLog).map((r) => ({ ...r, runId: r.runId ?? basename(fromRunDir) }));
  return JSON.stringify({ rows }, null, 2) + '\n';
}
