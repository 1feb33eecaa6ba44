/** The measurer's fakes against the port contracts their adapters also pass (test/integration/measure-ports.test.ts). */
import {
  runBaselineStoreContract,
  runBenchSiteContract,
  runBenchRunnerContract,
  runChampionStoreContract,
  runEnvSnapshotterContract,
  runRunFilesContract,
  runWorktreeProviderContract,
  type StoreHarness,
} from '../contract/measure-ports-contract.js';
import { fakeEnvSnapshot, FakeBench, FakeCheckouts, FakeTpu, MemoryBaselineStore, MemoryChampionStore, MemoryFiles } from '../fakes/measure-fakes.js';

async function named<S>(store: S): Promise<StoreHarness<S>> {
  let n = 0;
  return { store, dir: async () => `/run/d${++n}`, dispose: async () => undefined };
}

runRunFilesContract('MemoryFiles', () => named(new MemoryFiles()));
runChampionStoreContract('MemoryChampionStore', () => named(new MemoryChampionStore()));
runBaselineStoreContract('MemoryBaselineStore', () => named(new MemoryBaselineStore()));

runBenchRunnerContract('FakeBench', async () => ({
  runner: async (p) => ({ bench: new FakeBench(() => p), cwd: '/repo' }),
  dispose: async () => undefined,
}));

runWorktreeProviderContract('FakeCheckouts', async () => {
  const provider = new FakeCheckouts();
  let latest: string | undefined;
  let n = 0;
  return {
    provider,
    root: '/repo',
    commit: async () => (latest = `c${++n}`.padEnd(40, '0')),
    commitAt: async (dir) => (dir === '/repo' ? latest : provider.shaAt(dir)),
    dispose: async () => undefined,
  };
});

runWorktreeProviderContract(
  'FakeTpu champion tree',
  async () => {
    const tpu = new FakeTpu();
    let latest: string | undefined;
    let n = 0;
    return {
      provider: tpu.trees,
      root: '/repo',
      commit: async () => (latest = `t${++n}`.padEnd(40, '0')),
      commitAt: async (dir) => (dir === '/repo' ? latest : tpu.shaAt(dir)),
      syncs: () => tpu.syncs.length,
      dispose: async () => undefined,
    };
  },
  { keepsTrees: true },
);

runEnvSnapshotterContract('fakeEnvSnapshot', async () => fakeEnvSnapshot);
runEnvSnapshotterContract('FakeTpu snapshotter', async () => new FakeTpu().snapshotter, { describes: true });

runBenchSiteContract('FakeTpu site', async () => {
  const tpu = new FakeTpu();
  let n = 0;
  return {
    site: tpu.site,
    commit: async () => `s${++n}`.padEnd(40, '0'),
    commitAt: async (dir) => tpu.shaAt(dir),
    syncs: () => tpu.syncs.length,
    dispose: async () => undefined,
  };
});
