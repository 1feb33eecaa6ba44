import { basename } from 'node:path';
import { statSync } from 'node:fs';
import type { HotspotSummary, SummarizeOptions } from '../../core/hotspots.js';
import { summarizeTrace } from './trace-file.js';
import { summarizeXPlaneFile } from './xplane-file.js';

/** The largest `*.xplane.pb` (one per host and session; the largest holds the most device events). */
export function pickXPlane(files: string[]): string | undefined {
  return files.filter((f) => basename(f).endsWith('.xplane.pb')).sort((a, b) => statSync(b).size - statSync(a).size)[0];
}

/** A table and the file it came from; a profile whose only trace cannot be read; or no trace at all. */
export type ProfileSummary =
  | { kind: 'table'; summary: HotspotSummary; file: string }
  | { kind: 'unreadable'; problem: string }
  | { kind: 'none' };

const why = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The hotspot table from a profile's files: the XSpace first, because the JSON trace stops at the exporter's
 * event cap on real runs and its table is then silently partial (docs/decisions.md "XPlane input"); the JSON
 * trace when there is no XSpace, when it cannot be read, or when it holds no TPU device plane (a CPU run).
 * `warn` hears why the XSpace was passed over.
 */
export async function summarizeProfile(
  files: { xplane?: string | undefined; json?: string | undefined },
  opts: SummarizeOptions,
  warn: (message: string) => void,
): Promise<ProfileSummary> {
  const { xplane, json } = files;
  if (xplane) {
    try {
      const summary = await summarizeXPlaneFile(xplane, opts);
      if (summary.deviceProcesses.length > 0 || !json) return { kind: 'table', summary, file: xplane };
      warn(`${basename(xplane)} has no TPU device plane; hotspots come from ${basename(json)}`);
    } catch (e) {
      if (!json) return { kind: 'unreadable', problem: `${xplane}: not a readable XSpace (${why(e)}); no JSON trace to fall back on` };
      warn(`${basename(xplane)} is not a readable XSpace (${why(e)}); hotspots come from ${basename(json)}`);
    }
  }
  if (!json) return { kind: 'none' };
  return { kind: 'table', summary: await summarizeTrace(json, opts), file: json };
}
