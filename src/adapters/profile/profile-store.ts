/**
 * The local side of profile retention: which profiles a loop run or a profiles folder holds, which iterations
 * are the champion lineage, and removing pruned traces. The policy is profilesToPrune (src/core/profile-plan.ts).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runNameOrder, type ProfileEntry } from '../../core/profile-plan.js';

/** profile/profile.json: which worker run a copied profile is, so the workers keep the same runs. */
export interface ProfileMeta {
  schema: 'gdnctl.profile.v1';
  runName: string;
  workerDir: string;
  createdAt: string;
}

export interface StoredProfile extends ProfileEntry {
  /** The local folder with the traces (`iter-NNN/profile`, or `<profiles>/<run-name>`). */
  dir: string;
}

const PROFILE_META = 'profile.json';

export function writeProfileMeta(dir: string, meta: Omit<ProfileMeta, 'schema'>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, PROFILE_META), JSON.stringify({ schema: 'gdnctl.profile.v1', ...meta }, null, 2) + '\n');
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const mtimeMs = (p: string): number => {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
};

/** The iterations' profiles of a loop run: `iter-NNN/profile/` folders with their profile.json. */
export function loopProfiles(runDir: string): StoredProfile[] {
  const out: StoredProfile[] = [];
  for (const name of existsSync(runDir) ? readdirSync(runDir) : []) {
    const m = /^iter-(\d+)$/.exec(name);
    if (!m) continue;
    const dir = join(runDir, name, 'profile');
    const meta = readJson(join(dir, PROFILE_META)) as Partial<ProfileMeta> | undefined;
    if (typeof meta?.runName !== 'string') continue;
    out.push({ runName: meta.runName, dir, iteration: Number(m[1]), order: Date.parse(meta.createdAt ?? '') || mtimeMs(dir) });
  }
  return out;
}

/** The run folders of a profiles folder outside a loop, ordered by the stamp their names end with. */
export function adhocProfiles(root: string): StoredProfile[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => ({ runName: d.name, dir: join(root, d.name), iteration: undefined, order: runNameOrder(d.name) ?? mtimeMs(join(root, d.name)) }));
}

/** The champion lineage of a loop run: the promoted iterations (ledger.json) and the champion's (champion.json). */
export function championLineage(runDir: string): Set<number> {
  const out = new Set<number>();
  const rows = (readJson(join(runDir, 'ledger.json')) as { rows?: Array<{ iteration?: unknown; outcome?: unknown }> } | undefined)?.rows ?? [];
  for (const r of rows) if (r.outcome === 'promoted' && typeof r.iteration === 'number') out.add(r.iteration);
  const champ = (readJson(join(runDir, 'champion.json')) as { iteration?: unknown } | undefined)?.iteration;
  if (typeof champ === 'number' && champ > 0) out.add(champ);
  return out;
}

/** Remove a pruned profile's traces. In a loop the iteration keeps its hotspots.json (the memory reads it). */
export function removeProfile(p: StoredProfile): void {
  rmSync(p.dir, { recursive: true, force: true });
}
