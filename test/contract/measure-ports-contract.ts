/**
 * Behavioural contracts of the measurer's and the memory's ports (src/ports/bench.ts). Each `run…Contract`
 * registers the same node:test cases against any implementation: the adapters of src/adapters/measure/ and
 * src/adapters/ledger/run-files.ts on temp folders and a real repository (test/integration/measure-ports.test.ts),
 * and the fakes of test/fakes/measure-fakes.ts (test/unit/measure-fakes.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import type { BaselineRecord, BaselineStore, BenchRunner, BenchSite, Champion, ChampionStore, EnvSnapshotter, RunFiles, WorktreeProvider } from '../../src/ports/bench.js';

/** A fresh folder path per call (the real harness makes temp folders; the fake only names them). */
export interface StoreHarness<S> {
  store: S;
  dir(): Promise<string>;
  dispose(): Promise<void>;
}

async function withHarness<S>(make: () => Promise<StoreHarness<S>>, fn: (h: StoreHarness<S>) => Promise<void>): Promise<void> {
  const h = await make();
  try {
    await fn(h);
  } finally {
    await h.dispose();
  }
}

export function runRunFilesContract(name: string, make: () => Promise<StoreHarness<RunFiles>>): void {
  test(`${name}: a missing file reads as undefined, exists is false, and a missing folder lists as []`, () =>
    withHarness(make, async ({ store, dir }) => {
      const d = await dir();
      assert.equal(await store.read(join(d, 'nope.md')), undefined);
      assert.equal(await store.exists(join(d, 'nope.md')), false);
      assert.deepEqual(await store.list(join(d, 'no-such-folder')), []);
    }));

  test(`${name}: write creates missing folders; writeAtomic replaces; list names a folder's entries`, () =>
    withHarness(make, async ({ store, dir }) => {
      const d = await dir();
      await store.write(join(d, 'iter-001', 'summary.md'), 'one\n');
      await store.writeAtomic(join(d, 'ledger.json'), '{"rows":[]}\n');
      await store.writeAtomic(join(d, 'ledger.json'), '{"rows":[1]}\n');
      assert.equal(await store.read(join(d, 'iter-001', 'summary.md')), 'one\n');
      assert.equal(await store.read(join(d, 'ledger.json')), '{"rows":[1]}\n');
      assert.equal(await store.exists(join(d, 'iter-001')), true);
      assert.deepEqual((await store.list(d)).sort(), ['iter-001', 'ledger.json']);
    }));

  test(`${name}: copy duplicates a file into a new folder and rejects a missing source`, () =>
    withHarness(make, async ({ store, dir }) => {
      const d = await dir();
      await store.write(join(d, 'a.txt'), 'raw\n');
      await store.copy(join(d, 'a.txt'), join(d, 'mirror', 'b.txt'));
      assert.equal(await store.read(join(d, 'mirror', 'b.txt')), 'raw\n');
      await assert.rejects(store.copy(join(d, 'missing.txt'), join(d, 'c.txt')));
      assert.equal(await store.exists(join(d, 'c.txt')), false);
    }));
}

export function runChampionStoreContract(name: string, make: () => Promise<StoreHarness<ChampionStore>>): void {
  test(`${name}: no champion until one is written; the last write wins; runs are independent`, () =>
    withHarness(make, async ({ store, dir }) => {
      const a = await dir();
      const b = await dir();
      assert.equal(await store.read(a), undefined);
      const base: Champion = { sha: 'a'.repeat(40), values: [100, 101], median: 100.5, iteration: 0, source: 'baseline' };
      const promoted: Champion = { sha: 'b'.repeat(40), values: [90], median: 90, iteration: 3, source: 'promoted' };
      await store.write(a, base);
      assert.deepEqual(await store.read(a), base);
      await store.write(a, promoted);
      assert.deepEqual(await store.read(a), promoted);
      assert.equal(await store.read(b), undefined);
    }));
}

const record = (head: string): BaselineRecord => ({
  schemaVersion: 1,
  fingerprint: 'f'.repeat(16),
  head,
  bench: 'bash bench.sh',
  metric: 'step_ms',
  direction: 'lower',
  values: [100, 100, 101],
  durationsMs: [5, 6, 5],
  median: 100,
  cvPct: 0.57,
  robustCvPct: 0,
  cvThresholdPct: 5,
  acceptedNoise: false,
  createdAt: '2024-01-01T00:00:00.000Z',
});

export function runBaselineStoreContract(name: string, make: () => Promise<StoreHarness<BaselineStore>>): void {
  test(`${name}: a written baseline reads back whole; an empty folder has none`, () =>
    withHarness(make, async ({ store, dir }) => {
      const d = await dir();
      assert.equal(await store.read(d), undefined);
      const rec = record('c'.repeat(40));
      await store.write(d, { record: rec, resultTxt: '# Raw: 100 100 101\n100\n', envSnapshot: 'Git SHA: c\n' });
      assert.deepEqual(await store.read(d), rec);
    }));

  test(`${name}: copy makes the same baseline readable elsewhere; copying a missing baseline rejects`, () =>
    withHarness(make, async ({ store, dir }) => {
      const from = await dir();
      const to = await dir();
      const rec = record('d'.repeat(40));
      await store.write(from, { record: rec, resultTxt: '100\n', envSnapshot: '' });
      await store.copy(from, to);
      assert.deepEqual(await store.read(to), rec);
      await assert.rejects(store.copy(await dir(), await dir()));
    }));
}

/** A bench runner whose benchmark, in a folder, prints `output` and exits with `exitCode`. */
export interface BenchHarness {
  runner(program: { output: string; exitCode?: number }): Promise<{ bench: BenchRunner; cwd: string }>;
  dispose(): Promise<void>;
}

export function runBenchRunnerContract(name: string, make: () => Promise<BenchHarness>): void {
  const withBench = async (fn: (h: BenchHarness) => Promise<void>): Promise<void> => {
    const h = await make();
    try {
      await fn(h);
    } finally {
      await h.dispose();
    }
  };

  test(`${name}: the last GDNCTL_METRIC line is the sample, with its duration`, () =>
    withBench(async (h) => {
      const { bench, cwd } = await h.runner({ output: 'warm-up\nGDNCTL_METRIC {"step_ms": 12}\nGDNCTL_METRIC {"step_ms": 11.5}' });
      const s = await bench.run(cwd);
      assert.ok(s.ok, JSON.stringify(s));
      assert.equal(s.value, 11.5);
      assert.ok(s.durationMs >= 0);
    }));

  test(`${name}: no metric line is a failure with the output's tail, never a zero`, () =>
    withBench(async (h) => {
      const { bench, cwd } = await h.runner({ output: 'Traceback: kernel failed to compile' });
      const s = await bench.run(cwd);
      assert.ok(!s.ok);
      assert.match(s.reason, /no GDNCTL_METRIC line/);
      assert.match(s.tail, /kernel failed to compile/);
    }));

  test(`${name}: a non-zero exit is a failure even after a metric line`, () =>
    withBench(async (h) => {
      const { bench, cwd } = await h.runner({ output: 'GDNCTL_METRIC {"step_ms": 1}\nSegmentation fault', exitCode: 3 });
      const s = await bench.run(cwd);
      assert.ok(!s.ok);
      assert.match(s.reason, /exited with 3/);
      assert.match(s.tail, /Segmentation fault/);
    }));

  test(`${name}: an aborted run is "benchmark interrupted"`, () =>
    withBench(async (h) => {
      const { bench, cwd } = await h.runner({ output: 'GDNCTL_METRIC {"step_ms": 1}' });
      const ac = new AbortController();
      ac.abort();
      const s = await bench.run(cwd, ac.signal);
      assert.ok(!s.ok);
      assert.equal(s.reason, 'benchmark interrupted');
    }));
}

/** Checkouts of a repository; the harness can commit and tell which commit a folder holds. */
export interface CheckoutHarness {
  provider: WorktreeProvider;
  /** A new commit (its SHA); the repository's root stays on the latest one. */
  commit(): Promise<string>;
  /** The commit checked out at dir, or undefined when dir is no checkout (any more). */
  commitAt(dir: string): Promise<string | undefined>;
  root: string;
  /** For a provider that keeps its trees: how many times it has synced one so far. */
  syncs?(): number;
  dispose(): Promise<void>;
}

/**
 * A local provider's checkout is gone once fn settles; one that keeps its trees (`keepsTrees`: the champion tree
 * on the TPU workers) keeps it holding the commit, and syncs it again only when asked for another commit.
 */
export function runWorktreeProviderContract(name: string, make: () => Promise<CheckoutHarness>, opts: { keepsTrees?: boolean } = {}): void {
  const keeps = opts.keepsTrees === true;
  const withRepo = async (fn: (h: CheckoutHarness) => Promise<void>): Promise<void> => {
    const h = await make();
    try {
      await fn(h);
    } finally {
      await h.dispose();
    }
  };

  test(`${name}: fn runs in a separate checkout of the commit, which is ${keeps ? 'kept for the next use' : 'gone afterwards'}`, () =>
    withRepo(async (h) => {
      const old = await h.commit();
      const latest = await h.commit();
      let seen: string | undefined;
      const out = await h.provider.withCheckout(old, async (dir) => {
        assert.notEqual(dir, h.root);
        seen = dir;
        assert.equal(await h.commitAt(dir), old);
        assert.equal(await h.commitAt(h.root), latest, 'the working tree is untouched');
        return 42;
      });
      assert.equal(out, 42);
      assert.equal(await h.commitAt(seen!), keeps ? old : undefined);
    }));

  test(`${name}: a failing fn rejects with its error and ${keeps ? 'leaves the tree as it was' : 'still removes the checkout'}`, () =>
    withRepo(async (h) => {
      const sha = await h.commit();
      let seen: string | undefined;
      await assert.rejects(
        h.provider.withCheckout(sha, async (dir) => {
          seen = dir;
          throw new Error('champion run crashed');
        }),
        /champion run crashed/,
      );
      assert.equal(await h.commitAt(seen!), keeps ? sha : undefined);
    }));

  if (keeps) {
    test(`${name}: the kept tree is synced again only for another commit`, () =>
      withRepo(async (h) => {
        const a = await h.commit();
        const b = await h.commit();
        await h.provider.withCheckout(a, async () => undefined);
        const after = h.syncs!();
        await h.provider.withCheckout(a, async (dir) => assert.equal(await h.commitAt(dir), a));
        assert.equal(h.syncs!(), after, 'same commit: no sync');
        await h.provider.withCheckout(b, async (dir) => assert.equal(await h.commitAt(dir), b));
        assert.equal(h.syncs!(), after + 1, 'the champion moved: one sync');
      }));
  }
}

/** `describes`: the snapshotter also gives a fingerprint (the TPU's); a local snapshot keys nothing. */
export function runEnvSnapshotterContract(name: string, make: () => Promise<EnvSnapshotter>, opts: { describes?: boolean } = {}): void {
  test(`${name}: the snapshot names the commit it describes`, async () => {
    const s = await (await make()).snapshot('e'.repeat(40));
    assert.match(s, new RegExp(`Git SHA: ${'e'.repeat(40)}`));
  });

  if (!opts.describes) return;
  test(`${name}: describe gives the same fingerprint for two commits, and a label`, async () => {
    const snap = await make();
    assert.ok(snap.describe, 'a snapshotter with a fingerprint has describe');
    const a = await snap.describe('f'.repeat(40));
    const b = await snap.describe('0'.repeat(40));
    assert.match(a.text, new RegExp(`Git SHA: ${'f'.repeat(40)}`));
    assert.equal(a.fingerprint, b.fingerprint, 'the commit is not part of the machine');
    assert.ok(a.fingerprint.length >= 8 && a.label.length > 0);
  });
}

/** A bench site whose candidate tree the harness can inspect; `syncs` counts what it copied. */
export interface SiteHarness {
  site: BenchSite;
  /** A new commit of the working tree (its SHA). */
  commit(): Promise<string>;
  /** The commit the candidate folder holds. */
  commitAt(dir: string): Promise<string | undefined>;
  syncs(): number;
  dispose(): Promise<void>;
}

export function runBenchSiteContract(name: string, make: () => Promise<SiteHarness>): void {
  const withSite = async (fn: (h: SiteHarness) => Promise<void>): Promise<void> => {
    const h = await make();
    try {
      await fn(h);
    } finally {
      await h.dispose();
    }
  };

  test(`${name}: the candidate tree holds HEAD, is synced once per HEAD, and is the same folder each time`, () =>
    withSite(async (h) => {
      const a = await h.commit();
      const dir = await h.site.candidateTree(a);
      assert.equal(await h.commitAt(dir), a);
      const after = h.syncs();
      assert.equal(await h.site.candidateTree(a), dir);
      assert.equal(h.syncs(), after, 'same HEAD: nothing copied');
      const b = await h.commit();
      assert.equal(await h.site.candidateTree(b), dir);
      assert.equal(await h.commitAt(dir), b);
      assert.equal(h.syncs(), after + 1);
    }));

  test(`${name}: a live site recovers as alive, labels itself, and goes idle (and back) without losing its trees`, () =>
    withSite(async (h) => {
      const a = await h.commit();
      const dir = await h.site.candidateTree(a);
      assert.deepEqual(await h.site.recover(), { kind: 'alive' });
      assert.ok(h.site.label().length > 0);
      await h.site.idle();
      const after = h.syncs();
      assert.equal(await h.site.candidateTree(a), dir);
      assert.equal(h.syncs(), after, 'the tree outlives an idle: its marker says what it holds');
    }));
}
