/** The measurer's adapters against the port contracts their fakes also pass (test/unit/measure-fakes.test.ts). */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  runBaselineStoreContract,
  runBenchRunnerContract,
  runChampionStoreContract,
  runEnvSnapshotterContract,
  runRunFilesContract,
  runWorktreeProviderContract,
  type StoreHarness,
} from '../contract/measure-ports-contract.js';
import { fileBaselineStore } from '../../src/adapters/measure/baseline-store.js';
import { createBenchRunner } from '../../src/adapters/measure/bench-runner.js';
import { fileChampionStore } from '../../src/adapters/measure/champion-store.js';
import { envSnapshotter } from '../../src/adapters/measure/env-snapshot.js';
import { gitWorktreeProvider } from '../../src/adapters/measure/worktree.js';
import { privateRunFiles } from '../../src/adapters/ledger/run-files.js';

async function tempDirs<S>(store: S): Promise<StoreHarness<S>> {
  const root = await mkdtemp(join(tmpdir(), 'gdnctl-ports-'));
  let n = 0;
  return { store, dir: async () => join(root, `d${++n}`), dispose: () => rm(root, { recursive: true, force: true }) };
}

runRunFilesContract('privateRunFiles', () => tempDirs(privateRunFiles));
runChampionStoreContract('fileChampionStore', () => tempDirs(fileChampionStore));
runBaselineStoreContract('fileBaselineStore', () => tempDirs(fileBaselineStore));

runBenchRunnerContract('createBenchRunner (bash -lc)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'gdnctl-bench-port-'));
  return {
    async runner(p) {
      await writeFile(join(root, 'out.txt'), p.output + '\n');
      await writeFile(join(root, 'bench.sh'), `cat out.txt\nexit ${p.exitCode ?? 0}\n`);
      return { bench: createBenchRunner({ command: 'bash bench.sh', metric: {}, timeoutMs: 30000 }), cwd: root };
    },
    dispose: () => rm(root, { recursive: true, force: true }),
  };
});

runWorktreeProviderContract('gitWorktreeProvider', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'gdnctl-wt-port-'));
  const root = join(tmp, 'repo');
  const git = (cwd: string, ...a: string[]): string => execFileSync('git', ['-c', 'user.email=t@e', '-c', 'user.name=t', ...a], { cwd, encoding: 'utf8' }).trim();
  execFileSync('git', ['init', '-q', root]);
  let n = 0;
  return {
    provider: gitWorktreeProvider(root),
    root,
    async commit() {
      await writeFile(join(root, 'n.txt'), `${++n}\n`);
      git(root, 'add', '-A');
      git(root, 'commit', '-qm', `commit ${n}`);
      return git(root, 'rev-parse', 'HEAD');
    },
    commitAt: async (dir) => (existsSync(dir) ? git(dir, 'rev-parse', 'HEAD') : undefined),
    dispose: () => rm(tmp, { recursive: true, force: true }),
  };
});

runEnvSnapshotterContract('envSnapshotter', async () => envSnapshotter({ cwd: tmpdir(), env: {} }));
