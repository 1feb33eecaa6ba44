/**
 * A run's ledger rows as readers outside the memory see them (`status`): ledger.json is
 * rewritten at most every reportEveryMs while the run runs (docs/decisions.md "Issue 14 — bounded renders"), so
 * the rows recorded since are read from ledger.jsonl on top.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mergedRows, type Row } from '../../core/measure/ledger-rows.js';

const readText = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** undefined when the run has neither file or ledger.json is not JSON (a reader shows no leaderboard then). */
export function readLedgerRows(runDir: string): Row[] | undefined {
  const table = readText(join(runDir, 'ledger.json'));
  const log = readText(join(runDir, 'ledger.jsonl'));
  if (table === undefined && log === undefined) return undefined;
  try {
    return mergedRows(table, log);
  } catch {
    return undefined;
  }
}
