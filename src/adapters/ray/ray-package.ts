import { createHash } from 'node:crypto';
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync, type Zippable } from 'fflate';

/** A working tree as a Ray working_dir package: the zip and the URI its content hash names. */
export interface RayPackage {
  uri: string;
  zip: Uint8Array;
  files: number;
}

// A fixed timestamp: the same tree zips to the same bytes, so the hash names the content alone.
const EPOCH = new Date('1980-01-01T00:00:00Z');

/**
 * Zip `files` (paths relative to `root`, as repoFiles lists them) with the files at the top level, as Ray's own
 * packaging does for working_dir. Listed paths that are gone from the work tree (deleted, not yet committed) or
 * are not regular files are left out. Unix modes ride in the external attributes so scripts stay executable.
 */
export function buildRayPackage(root: string, files: readonly string[]): RayPackage {
  return buildRayPackageOf([{ root, files, prefix: '' }]);
}

/** A file of the package that is not on disk (the bench runner, its plan). */
export interface PackageText {
  path: string;
  text: string;
  mode?: number;
}

/**
 * Several trees under their own prefixes (`champion/`, `candidate/`) plus generated files, in one package; a
 * single tree with prefix '' hashes exactly as buildRayPackage always has.
 */
export function buildRayPackageOf(parts: ReadonlyArray<{ root: string; files: readonly string[]; prefix: string }>, texts: readonly PackageText[] = []): RayPackage {
  const hash = createHash('sha256');
  const entries: Zippable = {};
  let count = 0;
  const items: Array<{ rel: string; read: () => { data: Buffer; mode: number } | undefined }> = [];
  for (const p of parts) {
    for (const f of p.files) {
      items.push({
        rel: p.prefix + f,
        read: () => {
          const abs = join(p.root, f);
          let st;
          try {
            st = lstatSync(abs);
          } catch {
            return undefined;
          }
          return st.isFile() ? { data: readFileSync(abs), mode: st.mode & 0o777 } : undefined;
        },
      });
    }
  }
  for (const t of texts) items.push({ rel: t.path, read: () => ({ data: Buffer.from(t.text, 'utf8'), mode: t.mode ?? 0o644 }) });
  for (const { rel, read } of items.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))) {
    const got = read();
    if (!got) continue;
    const { data, mode } = got;
    hash.update(`${rel}\0${mode.toString(8)}\0${data.length}\0`).update(data);
    entries[rel] = [new Uint8Array(data.buffer, data.byteOffset, data.byteLength), { mtime: EPOCH, os: 3, attrs: ((0o100000 | mode) << 16) >>> 0 }];
    count++;
  }
  const zip = zipSync(entries, { level: 6 });
  return { uri: `gcs://_ray_pkg_${hash.digest('hex').slice(0, 32)}.zip`, zip, files: count };
}
