/**
 * In-process fakes of the measurer's and the memory's ports (src/ports/bench.ts): an in-memory run directory
 * the stores write into (so a baseline's result.txt is a file the memory can copy, as on disk), a benchmark
 * that "runs" a scripted program's output, and checkouts that only remember which commit they hold. Each
 * passes the same contract suite (test/contract/measure-ports-contract.ts) as its adapter.
 */
import { join } from 'node:path';
import type { BaselineRecord, BaselineStore, BenchRunner, BenchSample, BenchSite, Champion, ChampionStore, EnvSnapshot, EnvSnapshotter, RunFiles, SiteRecovery, WorktreeProvider } from '../../src/ports/bench.js';
import { outputTail, readMetric, type MetricSpec } from '../../src/core/metric.js';
import type { MeasurePolicy } from '../../src/core/measure/measurer.js';

const enoent = (path: string): Error => Object.assign(new Error(`ENOENT: no such file, ${path}`), { code: 'ENOENT' });

export class MemoryFiles implements RunFiles {
  readonly texts = new Map<string, string>();
  /** Paths written, in order (atomic writes included), for tests that check what was written when. */
  readonly writes: string[] = [];

  async read(path: string): Promise<string | undefined> {
    return this.texts.get(path);
  }
  async exists(path: string): Promise<boolean> {
    return this.texts.has(path) || [...this.texts.keys()].some((p) => p.startsWith(`${path}/`));
  }
  async write(path: string, text: string): Promise<void> {
    this.texts.set(path, text);
    this.writes.push(path);
  }
  async writeAtomic(path: string, text: string): Promise<void> {
    await this.write(path, text);
  }
  async copy(from: string, to: string): Promise<void> {
    const text = this.texts.get(from);
    if (text === undefined) throw enoent(from);
    await this.write(to, text);
  }
  async list(dir: string): Promise<string[]> {
    const names = new Set<string>();
    for (const p of this.texts.keys()) if (p.startsWith(`${dir}/`)) names.add(p.slice(dir.length + 1).split('/')[0]!);
    return [...names].sort();
  }
}

export class MemoryChampionStore implements ChampionStore {
  constructor(readonly files: MemoryFiles = new MemoryFiles()) {}
  async read(runDir: string): Promise<Champion | undefined> {
    const text = await this.files.read(join(runDir, 'champion.json'));
    return text === undefined ? undefined : (JSON.parse(text) as Champion);
  }
  async write(runDir: string, champion: Champion): Promise<void> {
    await this.files.writeAtomic(join(runDir, 'champion.json'), JSON.stringify(champion));
  }
}

const BASELINE_FILES = ['result.txt', 'env-snapshot.txt', 'baseline.json'];

export class MemoryBaselineStore implements BaselineStore {
  constructor(readonly files: MemoryFiles = new MemoryFiles()) {}
  async read(dir: string): Promise<BaselineRecord | undefined> {
    const text = await this.files.read(join(dir, 'baseline.json'));
    return text === undefined ? undefined : (JSON.parse(text) as BaselineRecord);
  }
  async write(dir: string, f: { record: BaselineRecord; resultTxt: string; envSnapshot: string }): Promise<void> {
    await this.files.write(join(dir, 'result.txt'), f.resultTxt);
    await this.files.write(join(dir, 'env-snapshot.txt'), f.envSnapshot);
    await this.files.writeAtomic(join(dir, 'baseline.json'), JSON.stringify(f.record));
  }
  async copy(fromDir: string, toDir: string): Promise<void> {
    for (const f of BASELINE_FILES) await this.files.copy(join(fromDir, f), join(toDir, f));
  }
}

/** What a benchmark "prints" in a folder, and how it exits. */
export interface BenchProgram {
  output: string;
  exitCode?: number;
  durationMs?: number;
  /** Another process owned the chips: a tpu-busy failure, as the remote runner reports it. */
  busy?: boolean;
}

/** Maps a program's output to a sample the way the bench runner adapter does (readMetric, exit code). */
export class FakeBench implements BenchRunner {
  readonly cwds: string[] = [];
  constructor(
    private readonly program: (cwd: string) => BenchProgram,
    private readonly metric: MetricSpec = {},
  ) {}
  async run(cwd: string, signal?: AbortSignal): Promise<BenchSample> {
    this.cwds.push(cwd);
    const p = this.program(cwd);
    const reading = readMetric(p.output, this.metric);
    if (signal?.aborted) return { ok: false, reason: 'benchmark interrupted', tail: reading.ok ? '' : reading.tail };
    if (p.busy) return { ok: false, reason: 'tpu-busy: The TPU is already in use by process with pid 4242', tail: outputTail(p.output), kind: 'tpu-busy' };
    if ((p.exitCode ?? 0) !== 0) return { ok: false, reason: `benchmark exited with ${p.exitCode}`, tail: outputTail(p.output) };
    return reading.ok ? { ok: true, value: reading.value, durationMs: p.durationMs ?? 1 } : { ok: false, reason: reading.reason, tail: reading.tail };
  }
}

/** Checkouts as folder names that remember their commit; `live` holds the ones not yet removed. */
export class FakeCheckouts implements WorktreeProvider {
  readonly live = new Map<string, string>();
  readonly taken: string[] = [];
  private n = 0;
  constructor(private readonly parent = '/fake-checkouts') {}
  async withCheckout<T>(sha: string, fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = join(this.parent, `wt-${++this.n}`);
    this.live.set(dir, sha);
    this.taken.push(sha);
    try {
      return await fn(dir);
    } finally {
      this.live.delete(dir);
    }
  }
  /** The commit checked out at dir, while it exists. */
  shaAt(dir: string): string | undefined {
    return this.live.get(dir);
  }
}

export const fakeEnvSnapshot: EnvSnapshotter = {
  snapshot: async (head) => `# Environment snapshot\nGit SHA: ${head}\n`,
};

/**
 * The TPU side of the measurer in memory: two persistent trees (`/tpu/candidate`, `/tpu/champion`) that remember
 * the commit they hold and count their syncs, a site whose recoveries a test scripts (default: the TPU is
 * alive), and a snapshotter whose fingerprint a test changes to play a re-acquire onto another type.
 */
export class FakeTpu {
  static readonly CANDIDATE = '/tpu/candidate';
  static readonly CHAMPION = '/tpu/champion';
  readonly held = new Map<string, string>();
  /** "candidate@<sha>" / "champion@<sha>" per sync, in order. */
  readonly syncs: string[] = [];
  readonly recoveries: SiteRecovery[] = [];
  recoverCalls = 0;
  idles = 0;
  env = { fingerprint: 'fp-v5p-16', label: 'v5p-16 (8 chips, 2 hosts), runtime v2-alpha-tpuv5' };

  private sync(dir: string, sha: string): void {
    if (this.held.get(dir) === sha) return;
    this.held.set(dir, sha);
    this.syncs.push(`${dir === FakeTpu.CANDIDATE ? 'candidate' : 'champion'}@${sha}`);
  }

  shaAt(dir: string): string | undefined {
    return this.held.get(dir);
  }

  readonly site: BenchSite = {
    where: 'tpu',
    candidateTree: async (head) => {
      this.sync(FakeTpu.CANDIDATE, head);
      return FakeTpu.CANDIDATE;
    },
    recover: async () => {
      this.recoverCalls++;
      const r = this.recoveries.shift() ?? { kind: 'alive' };
      // A new TPU starts with no trees.
      if (r.kind === 'replaced') this.held.clear();
      return r;
    },
    label: () => 'TPU v5p-16 fake-tpu in us-east5-a, 2 workers',
    idle: async () => {
      this.idles++;
    },
  };

  readonly trees: WorktreeProvider = {
    keepsTrees: true,
    withCheckout: async (sha, fn) => {
      this.sync(FakeTpu.CHAMPION, sha);
      return fn(FakeTpu.CHAMPION);
    },
  };

  readonly snapshotter: EnvSnapshotter = {
    snapshot: async (head) => `# Environment snapshot\nGit SHA: ${head}\nAccelerator: ${this.env.label}\n`,
    describe: async (head): Promise<EnvSnapshot> => ({ text: await this.snapshotter.snapshot(head), ...this.env }),
  };
}

/** A benchmark program per commit, or one that depends on how often that commit has run (1-based). */
export type ProgramOf = BenchProgram | ((nth: number) => BenchProgram);

/** What the fake benchmark prints for a commit: its program at its nth run, counting runs per commit. */
export function programPlayer(programs: ReadonlyMap<string, ProgramOf>): (sha: string) => BenchProgram {
  const runsOf = new Map<string, number>();
  return (sha) => {
    const nth = (runsOf.get(sha) ?? 0) + 1;
    runsOf.set(sha, nth);
    const p = programs.get(sha);
    if (!p) throw new Error(`no program for ${sha}`);
    return typeof p === 'function' ? p(nth) : p;
  };
}

/** The measurer tests' policy: 3 baseline runs, up to 5 per side, α 5 %, interleaved; `o` overrides. */
export function testPolicy(o: Partial<MeasurePolicy> = {}): MeasurePolicy {
  return {
    bench: 'bash bench.sh',
    metric: 'step_ms',
    direction: 'lower',
    baselineRuns: 3,
    cvThresholdPct: 5,
    acceptNoise: false,
    maxBenchRuns: 5,
    alpha: 0.05,
    minImprovementPct: 0,
    maxRegressionPct: 2,
    inconclusivePolicy: 'revert',
    interleave: 'on',
    logDir: '/logs',
    ...o,
  };
}
