import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root.js';
import { newestMtimeMs } from '../../scripts/tree-mtime.js';

// The installed CLI is the esbuild bundle behind bin/gdnctl. `npm test` builds it first; run alone against a
// stale or missing bundle, the tests using it skip with the reason instead of testing old code.
export const root = packageRoot();
export const bin = join(root, 'bin', 'gdnctl');
export const bundle = join(root, 'dist', 'bundle', 'main.js');

/** Why the bundle cannot be tested now, or false. */
export const staleBundle: string | false = !existsSync(bundle)
  ? 'dist/bundle is missing; run npm run build'
  : statSync(bundle).mtimeMs < newestMtimeMs(join(root, 'src'))
    ? 'dist/bundle is older than src/; run npm run build'
    : false;
