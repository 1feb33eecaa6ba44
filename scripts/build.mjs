#!/usr/bin/env node
// Build: tsc type-checks and emits dist/ (source maps, per-file modules), then esbuild bundles the CLI into
// dist/bundle/ for start-up speed (bin/gdnctl runs dist/bundle/main.js). Code splitting keeps every
// dynamically imported command implementation in its own chunk, so `gdnctl --help` parses only the CLI shell.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const outdir = join(root, 'dist', 'bundle');

const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], {
  stdio: 'inherit',
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

// zod's classic API re-exports ~40 locales (a third of its size) that a CLI with English messages never uses;
// each non-English locale becomes a re-export of the English one.
const englishOnlyZod = {
  name: 'english-only-zod-locales',
  setup(b) {
    b.onLoad({ filter: /zod[\\/]v4[\\/]locales[\\/][^\\/]+\.js$/ }, (args) =>
      /[\\/](en|index)\.js$/.test(args.path)
        ? undefined
        : { contents: "export { default } from './en.js';", loader: 'js', resolveDir: dirname(args.path) },
    );
  },
};

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Minified for parse time; stack traces map back with NODE_OPTIONS=--enable-source-maps.
  minify: true,
  sourcemap: 'linked',
  plugins: [englishOnlyZod],
  chunkNames: 'chunks/[name]-[hash]',
  // The TPU client stack is large and loads protobuf descriptors at import; it stays a runtime dependency that
  // only the TPU commands import. pino/pino-pretty are required lazily through createRequire (src/log.ts).
  external: ['@google-cloud/tpu', 'google-gax', 'google-auth-library', 'pino', 'pino-pretty'],
  // Bundled CommonJS dependencies call require(); ESM output has none, so provide one per chunk.
  banner: {
    js: "import { createRequire as __gdnctlCreateRequire } from 'node:module'; const require = __gdnctlCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  metafile: true,
});
if (result.errors.length > 0) process.exit(1);
// bench/startup.mjs reads this to tell which chunk holds which package.
writeFileSync(join(outdir, 'metafile.json'), JSON.stringify(result.metafile));
const outputs = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.js'));
const main = outputs.find(([f]) => f.endsWith('/main.js'));
console.log(`bundle: ${outputs.length} files in dist/bundle, main.js ${Math.round((main?.[1].bytes ?? 0) / 1024)} KiB`);
