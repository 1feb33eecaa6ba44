import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdirPrivate, writePrivateAtomic } from '../ledger/private-files.js';
import { byCodePoint } from '../../core/text/plain-format.js';

/**
 * A Ray job as the ledger knows it, written before the submit request leaves (state `submitting`), so a
 * resumed loop finds a job it may have started and re-attaches or stops it instead of submitting twice.
 */
export interface RayJobRecord {
  submissionId: string;
  kind: 'test' | 'profile' | 'bench';
  cluster: string;
  /** The package URI and entrypoint: the same pair means the same job. */
  packageUri: string;
  entrypoint: string;
  state: 'submitting' | 'submitted' | 'ended';
  /** ray-profile's run name: a resumed attempt reuses it, so its entrypoint and artifact folder are the same. */
  runName?: string;
  status?: string;
  at: string;
}

export async function writeJobRecord(file: string, r: RayJobRecord): Promise<void> {
  await mkdirPrivate(join(file, '..'));
  await writePrivateAtomic(file, JSON.stringify(r, null, 2) + '\n');
}

function readRecord(file: string): RayJobRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as RayJobRecord;
    return typeof r.submissionId === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The records of `name` in an iteration folder and its moved-aside attempts (a resume moves the interrupted
 * attempt's files to attempt-K/), newest first.
 */
export function iterationJobRecords(iterDir: string, name: string): Array<{ file: string; record: RayJobRecord }> {
  const dirs = [iterDir];
  try {
    for (const e of readdirSync(iterDir, { withFileTypes: true })) if (e.isDirectory() && /^attempt-\d+$/.test(e.name)) dirs.push(join(iterDir, e.name));
  } catch {
    return [];
  }
  const out: Array<{ file: string; record: RayJobRecord }> = [];
  for (const d of dirs) {
    const file = join(d, name);
    const record = readRecord(file);
    if (record) out.push({ file, record });
  }
  return out.sort((a, b) => byCodePoint(b.record.at, a.record.at));
}
