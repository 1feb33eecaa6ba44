import { runRayBenchContract } from '../contract/ray-bench-contract.js';
import { FakeRayBench } from '../fakes/ray-bench-fake.js';

runRayBenchContract('FakeRayBench', async () => {
  const metrics: Record<string, number | 'crash'> = { champ: 100, head: 80 };
  return {
    bench: new FakeRayBench(metrics),
    head: 'head',
    championSha: 'champ',
    crashingHead: async () => {
      metrics.crash = 'crash';
      return 'crash';
    },
    recordDir: '/nonexistent',
    sideTrees: async () => [{ dir: '/champ', head: 'champ' }, { dir: '/head', head: 'head' }],
    dispose: async () => {},
  };
});
