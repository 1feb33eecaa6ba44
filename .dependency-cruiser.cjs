/**
 * The layer rules of docs/architecture.md ("Layers"), checked by `npm run lint` (part of `npm test`).
 * A rule the code breaks fails with the offending import named. Known, scheduled violations live in
 * .dependency-cruiser-known-violations.json and are removed as the code is fixed; new ones fail.
 */
module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'src/core decides and holds no I/O: it sees adapters only through src/ports, never adapters, cli or config.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(adapters|cli|config)/' },
    },
    {
      name: 'core-does-no-io',
      comment: 'src/core holds no I/O: files, processes, sockets and the host go through src/ports (an adapter reads, the core computes).',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^(node:)?(fs|fs/promises|child_process|net|http|https|http2|dgram|os|worker_threads|cluster)$' },
    },
    {
      name: 'adapters-below-core-loop',
      comment:
        'Adapters do I/O for the core; they never import the CLI or the loop/run/measure machinery. Pure helpers they share go to a leaf (src/core/text/, src/shared/).',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: '^src/(cli/|core/(loop|run|measure)/)' },
    },
    {
      name: 'config-below-cli',
      comment: 'Config parses and validates; the CLI uses it, never the other way round.',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'errors-is-a-leaf',
      comment: 'src/errors.ts is imported by every layer, so it imports nothing of ours.',
      severity: 'error',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^src/' },
    },
    {
      name: 'ports-are-interfaces',
      comment: 'Ports name roles; they import no adapter, cli or config module.',
      severity: 'error',
      from: { path: '^src/ports' },
      to: { path: '^src/(adapters|cli|config)/' },
    },
    {
      name: 'no-cycles',
      comment: 'An import cycle makes the layers meaningless and the load order fragile.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
