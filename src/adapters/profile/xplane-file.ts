import { createReadStream } from 'node:fs';
import type { HotspotSummary, SummarizeOptions } from '../../core/hotspots.js';
import { XSpaceHotspots } from '../../core/xplane/xspace-hotspots.js';

/**
 * Stream an XSpace file (`<host>.xplane.pb`) through the core's XPlane walker in 1 MB chunks: memory stays at a
 * chunk plus the per-op sums however large the file. Throws on a truncated or malformed file.
 */
export async function summarizeXPlaneFile(file: string, opts: SummarizeOptions = {}): Promise<HotspotSummary> {
  const walker = new XSpaceHotspots(opts);
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) walker.push(chunk as Buffer);
  return walker.finish(file);
}
