import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { byCodePoint } from '../../core/text/plain-format.js';

/** Every regular file under dir (recursive), as absolute paths in a stable order. */
export function listFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => byCodePoint(a.name, b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * The files a sync sends: tracked plus untracked-but-not-ignored, exactly git's view (`-z` so names with
 * newlines or quotes survive). `--cached` still lists files deleted from the work tree; rsync's
 * --ignore-missing-args skips those and the prune pass removes them remotely.
 */
export async function repoFiles(root: string): Promise<string[]> {
  const r = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, stripFinalNewline: false });
  return [...new Set(r.stdout.split('\0').filter((f) => f !== ''))];
}
