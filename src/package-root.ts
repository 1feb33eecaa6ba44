import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The installed gdnctl package folder (holding prompts/, directives/, bin/). Found by walking up from this
 * module, so it works from src/ under tsx, from dist/, and from a bundle alike.
 */
export function packageRoot(): string {
  if (root) return root;
  let d = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(d, 'package.json');
    if (existsSync(pj) && /"name":\s*"gdnctl"/.test(readFileSync(pj, 'utf8'))) return (root = d);
    const up = dirname(d);
    if (up === d) throw new Error('gdnctl package.json not found above ' + fileURLToPath(import.meta.url));
    d = up;
  }
}

/** Folder with an executable `gdnctl`, prepended to PATH for post-checks (docs/architecture.md "What post-checks see"). */
export function gdnctlBinDir(): string {
  return join(packageRoot(), 'bin');
}
