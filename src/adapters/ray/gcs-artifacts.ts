import { mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Storage } from '@google-cloud/storage';
import { ResourceError } from '../../errors.js';
import { byCodePoint } from '../../core/text/plain-format.js';

/**
 * A Ray job's outputs under a gs:// prefix, copied back with @google-cloud/storage (the Jobs API cannot
 * download files). `apiEndpoint` points the client at a storage emulator (STORAGE_EMULATOR_HOST, the
 * library's own convention); credentials then are not asked for.
 */
export function parseGsUri(uri: string): { bucket: string; prefix: string } {
  const m = /^gs:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new Error(`not a gs:// URI: ${uri}`);
  return { bucket: m[1]!, prefix: m[2]!.replace(/\/+$/, '') };
}

/** Download every object under `uri` whose file name matches one of `patterns` (`*` globs) into `destDir`. */
export async function fetchArtifacts(o: { uri: string; patterns: readonly string[]; destDir: string; apiEndpoint?: string; projectId?: string }): Promise<string[]> {
  const { bucket, prefix } = parseGsUri(o.uri);
  const storage = new Storage({
    ...(o.apiEndpoint ? { apiEndpoint: o.apiEndpoint } : {}),
    ...(o.projectId ? { projectId: o.projectId } : {}),
    retryOptions: { maxRetries: 2 },
  });
  const globs = o.patterns.map(globRegex);
  const base = prefix === '' ? '' : `${prefix}/`;
  let files;
  try {
    [files] = await storage.bucket(bucket).getFiles({ prefix: base });
  } catch (e) {
    throw new ResourceError(`cannot list ${o.uri}: ${(e as Error).message.split('\n')[0]}; check rayArtifactUri and the storage credentials`);
  }
  const out: string[] = [];
  for (const f of files.sort((a, b) => byCodePoint(a.name, b.name))) {
    const name = f.name.split('/').pop() ?? '';
    if (!globs.some((g) => g.test(name))) continue;
    const rel = relative(prefix, f.name);
    if (rel.startsWith('..') || rel === '') continue;
    const dest = join(o.destDir, rel);
    mkdirSync(dirname(dest), { recursive: true });
    try {
      await f.download({ destination: dest });
    } catch (e) {
      throw new ResourceError(`cannot download gs://${bucket}/${f.name}: ${(e as Error).message.split('\n')[0]}`);
    }
    out.push(dest);
  }
  return out;
}

function globRegex(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}
