#!/usr/bin/env node
// Build: tsc type-checks and emits dist/ (source maps, per-file modules), then esbuild bundles the CLI into
// dist/bundle/ for start-up speed (bin/gdnctl runs dist/bundle/main.js). Code splitting keeps every
// dynamically imported command implementation in its own chunk, so `gdnctl --help` parses only the CLI shell.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
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

// Data derived from zod schemas, computed now from what tsc just emitted and bundled as JSON in place of the
// module that computes it, so start-up costs no zod: the config keys (src/config/field-table.ts; a command loads
// zod only when a given value needs it) and the agent report's JSON Schema (written before the first agent).
const dropUndefined = (v) =>
  Array.isArray(v) ? v.map(dropUndefined)
  : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, dropUndefined(x)]))
  : v;
const PREBUILT = [
  { source: 'src/config/field-table.ts', name: 'fieldTable', filter: /[\\/]src[\\/]config[\\/]field-table\.ts$/ },
  { source: 'src/adapters/agents/agent-report-json.ts', name: 'reportJsonSchema', filter: /[\\/]src[\\/]adapters[\\/]agents[\\/]agent-report-json\.ts$/ },
];
for (const p of PREBUILT) {
  const mod = await import(pathToFileURL(join(root, 'dist', p.source.replace(/^src\//, '').replace(/\.ts$/, '.js'))).href);
  p.json = JSON.stringify(mod[p.name]);
  if (p.json === undefined || !isDeepStrictEqual(JSON.parse(p.json), dropUndefined(mod[p.name]))) {
    console.error(`build: ${p.source}'s ${p.name} does not survive JSON (a value that is not plain data?)`);
    process.exit(1);
  }
}
const prebuiltData = {
  name: 'prebuilt-data',
  setup(b) {
    for (const p of PREBUILT) {
      b.onLoad({ filter: p.filter }, () => ({ contents: `export const ${p.name} = JSON.parse(${JSON.stringify(p.json)});`, loader: 'js' }));
    }
  },
};

// Only the packages on the start-up path are bundled. Every other dependency (execa, simple-git, p-retry, the
// TPU client stack, pino) stays external and loads from node_modules with Node's own semantics: a bundled
// CommonJS package that is *dynamically* imported comes out of a split chunk with `default` as its only export,
// which would silently break `const { x } = await import('cjs-package')` in command code.
function bundleOnly(names) {
  return {
    name: 'bundle-only',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const pkg = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
        return names.includes(pkg) ? undefined : { path: args.path, external: true };
      });
    },
  };
}

const START_UP_PACKAGES = ['commander', '@commander-js/extra-typings', 'zod', 'yaml'];
// execa and its dependency tree: the loop spawns its first agent (and every post-check) through it, and loading
// its ~150 files from node_modules was most of the loop's start-up. All are imported statically by execa (ESM
// or CommonJS through a static import), so the dynamic-import caveat above does not apply.
const AGENT_SPAWN_PACKAGES = [
  'execa', 'cross-spawn', 'get-stream', 'human-signals', '@sec-ant/readable-stream', 'isexe', 'npm-run-path', 'signal-exit',
  'unicorn-magic', 'yoctocolors', 'path-key', 'shebang-command', 'shebang-regex', 'which', '@sindresorhus/merge-streams', 'figures',
  'is-plain-obj', 'is-stream', 'is-unicode-supported', 'parse-ms', 'pretty-ms', 'strip-final-newline', 'p-retry', 'is-network-error',
];

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
  // Minified for parse time; stack traces map back with NODE_OPTIONS=--enable-source-maps. The TPU client
  // stack (@google-cloud/tpu, google-gax, google-auth-library) is external like every non-start-up package.
  // GDNCTL_BUILD_UNMINIFIED=1 keeps names readable for a CPU profile (node --cpu-prof) of start-up.
  minify: process.env.GDNCTL_BUILD_UNMINIFIED !== '1',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [prebuiltData, englishOnlyZod, bundleOnly([...START_UP_PACKAGES, ...AGENT_SPAWN_PACKAGES])],
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
