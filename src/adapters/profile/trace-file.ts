import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { summarizeTraceChunks, type HotspotSummary, type SummarizeOptions } from '../../core/hotspots.js';

/** Stream a Chrome trace file (plain or gzip, told apart by its magic bytes) into the hotspot table. */
export async function summarizeTrace(file: string, opts: SummarizeOptions = {}): Promise<HotspotSummary> {
  const fh = await open(file, 'r');
  const head = Buffer.alloc(2);
  try {
    await fh.read(head, 0, 2, 0);
  } finally {
    await fh.close();
  }
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const stream = head[0] === 0x1f && head[1] === 0x8b ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  return summarizeTraceChunks(stream, file, opts);
}
