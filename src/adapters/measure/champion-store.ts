import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Champion, ChampionStore } from '../../ports/bench.js';
import { writePrivateAtomic } from '../ledger/private-files.js';

/** runs/<id>/champion.json, written atomically (temp + rename) so a kill mid-write leaves the old champion. */
export const fileChampionStore: ChampionStore = {
  async read(runDir) {
    const text = await readFile(join(runDir, 'champion.json'), 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    return text === undefined ? undefined : (JSON.parse(text) as Champion);
  },
  async write(runDir, champion) {
    await writePrivateAtomic(join(runDir, 'champion.json'), JSON.stringify(champion, null, 2) + '\n');
  },
};
