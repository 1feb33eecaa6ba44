/**
 * Reads the charting library's browser bundles (d3, then Observable Plot, which expects the `d3` global) from
 * node_modules once per process: report.html is rewritten after every iteration and inlines ~490 KB of them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ChartLibrary } from '../../ports/report-assets.js';

/** Load order: Plot's UMD bundle takes `d3` from the global object. */
const PACKAGES = ['d3', '@observablehq/plot'] as const;

/**
 * A package's folder, found the way Node's resolver walks node_modules. Not require.resolve: both packages'
 * `exports` hide package.json and map the browser bundle to an `umd` condition that require never uses.
 */
function packageDir(name: string): string | undefined {
  const paths = createRequire(import.meta.url).resolve.paths(name) ?? [];
  return paths.map((p) => join(p, name)).find((d) => existsSync(join(d, 'package.json')));
}

function readBundle(name: string): { version: string; code: string } | undefined {
  const dir = packageDir(name);
  if (!dir) return undefined;
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string; exports?: { umd?: string } };
    if (!pkg.exports?.umd) return undefined;
    return { version: pkg.version ?? '?', code: readFileSync(join(dir, pkg.exports.umd), 'utf8') };
  } catch {
    return undefined;
  }
}

let cached: ChartLibrary | null | undefined;

/** The bundles as one script, or undefined when a package is missing (the report then has tables only). */
export function chartLibrary(): ChartLibrary | undefined {
  if (cached === undefined) {
    const parts = PACKAGES.map((name) => ({ name, bundle: readBundle(name) }));
    cached = parts.every((p) => p.bundle)
      ? { label: parts.map((p) => `${p.name} ${p.bundle!.version}`).join(' + '), code: parts.map((p) => p.bundle!.code).join('\n;\n') }
      : null;
  }
  return cached ?? undefined;
}
