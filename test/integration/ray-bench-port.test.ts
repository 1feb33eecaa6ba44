/** createRayBench (src/cli/ray/ray-bench.ts) over the Ray Jobs emulator passes the RayBench contract. */
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRayBenchContract } from '../contract/ray-bench-contract.js';
import { RayEmulator } from '../fakes/ray-emulator.js';
import { TempRepo } from '../helpers/temp-repo.js';
import { createRayBench } from '../../src/cli/ray/ray-bench.js';
import { configSchema } from '../../src/config/schema.js';
import { lazyLogger } from '../../src/log.js';
import { PassThrough } from 'node:stream';

const BENCH = 'v=$(cat speed.txt)\nif [ "$v" = crash ]; then echo Traceback; exit 3; fi\necho "GDNCTL_METRIC {\\"step_ms\\": $v}"\n';
let emu: RayEmulator;
before(async () => {
  emu = await RayEmulator.start();
});
after(async () => {
  await emu.stop();
});

runRayBenchContract('createRayBench over the emulator', async () => {
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n', 'bench.sh': BENCH } });
  const championSha = repo.head();
  const head = repo.commit('faster', { 'speed.txt': '80\n' });
  const recordDir = mkdtempSync(join(tmpdir(), 'gdnctl-raybench-rec-'));
  // The champion's tree for a job of named sides: a second checkout with the champion's metric.
  const other = await TempRepo.create({ files: { 'speed.txt': '100\n', 'bench.sh': BENCH } });
  const values = configSchema.parse({ rayAddress: emu.address, rayPollSeconds: 0.1 });
  const log = lazyLogger({ format: 'pretty', verbose: false, quiet: true, stream: new PassThrough(), env: {} });
  const bench = createRayBench({
    ctx: { config: { values, repoRoot: repo.dir }, env: {}, log },
    command: 'bash bench.sh', metric: { metric: 'step_ms' }, timeoutMs: 60_000, env: {}, redact: (t) => t,
  });
  return {
    bench, head, championSha, recordDir,
    crashingHead: async () => repo.commit('crash', { 'speed.txt': 'crash\n' }),
    sideTrees: async () => [{ dir: other.dir, head: other.head() }, { dir: repo.dir, head }],
    dispose: async () => {
      await repo.dispose();
      await other.dispose();
      rmSync(recordDir, { recursive: true, force: true });
    },
  };
});
