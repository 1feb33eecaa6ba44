import { readFile, rename } from 'node:fs/promises';
import { copyPrivate as copyFile, mkdirPrivate, writePrivate as writeFile } from '../ledger/private-files.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { formatResultTxt, type BaselineRecord } from '../../core/measure/baseline.js';

/** Write result.txt, env-snapshot.txt and baseline.json; baseline.json last (temp + rename), so it marks completeness. */
export async function writeBaseline(dir: string, rec: BaselineRecord, snapshot: string): Promise<void> {
  await mkdirPrivate(dir);
  const extra: Record<string, string> = { Metric: `${rec.metric} (${rec.direction} is better)`, CV: `${rec.cvPct.toFixed(2)} %` };
  if (rec.acceptedNoise) extra['Noise'] = `accepted with --accept-noise above ${rec.cvThresholdPct} %`;
  await writeFile(join(dir, 'result.txt'), formatResultTxt(rec.values, extra));
  await writeFile(join(dir, 'env-snapshot.txt'), snapshot);
  const tmp = join(dir, `.baseline.json.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(rec, null, 2) + '\n');
  await rename(tmp, join(dir, 'baseline.json'));
}

export async function readBaseline(dir: string): Promise<BaselineRecord | undefined> {
  const f = join(dir, 'baseline.json');
  if (!existsSync(f)) return undefined;
  return JSON.parse(await readFile(f, 'utf8')) as BaselineRecord;
}

export async function copyBaseline(from: string, to: string): Promise<void> {
  await mkdirPrivate(to);
  for (const f of ['result.txt', 'env-snapshot.txt', 'baseline.json']) await copyFile(join(from, f), join(to, f));
}
