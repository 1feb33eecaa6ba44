import { readFile, rename } from 'node:fs/promises';
import { copyPrivate as copyFile, mkdirPrivate, writePrivate as writeFile } from '../ledger/private-files.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BaselineRecord, BaselineStore } from '../../ports/bench.js';

const FILES = ['result.txt', 'env-snapshot.txt', 'baseline.json'] as const;

/** Write result.txt, env-snapshot.txt and baseline.json; baseline.json last (temp + rename), so it marks completeness. */
export async function writeBaseline(dir: string, files: { record: BaselineRecord; resultTxt: string; envSnapshot: string }): Promise<void> {
  await mkdirPrivate(dir);
  await writeFile(join(dir, 'result.txt'), files.resultTxt);
  await writeFile(join(dir, 'env-snapshot.txt'), files.envSnapshot);
  const tmp = join(dir, `.baseline.json.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(files.record, null, 2) + '\n');
  await rename(tmp, join(dir, 'baseline.json'));
}

export async function readBaseline(dir: string): Promise<BaselineRecord | undefined> {
  const f = join(dir, 'baseline.json');
  if (!existsSync(f)) return undefined;
  return JSON.parse(await readFile(f, 'utf8')) as BaselineRecord;
}

export async function copyBaseline(from: string, to: string): Promise<void> {
  await mkdirPrivate(to);
  for (const f of FILES) await copyFile(join(from, f), join(to, f));
}

/** Baseline folders as private files (0600 in 0700 folders). */
export const fileBaselineStore: BaselineStore = { read: readBaseline, write: writeBaseline, copy: copyBaseline };
