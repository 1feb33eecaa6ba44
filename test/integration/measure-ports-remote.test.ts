/**
 * The measurer's remote adapters (src/adapters/measure/remote-*.ts) against the same port contracts as the local
 * adapters and the fakes, over real ssh and rsync to two loopback sshd workers (test/helpers/sshd.ts). The
 * workers share this machine's filesystem, so the test reads the trees they hold under $HOME directly.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshWorkers, type SshWorkers } from '../helpers/sshd.js';
import { runBenchRunnerContract, runBenchSiteContract, runEnvSnapshotterContract, runWorktreeProviderContract } from '../contract/measure-ports-contract.js';
import { SshRemote } from '../../src/adapters/remote/ssh-remote.js';
import { RemoteBenchTarget, type TpuLocation } from '../../src/adapters/measure/remote-target.js';
import { mfuMetricSpec } from '../../src/cli/measure/mfu-context.js';
import { remoteBenchRunner } from '../../src/adapters/measure/remote-bench-runner.js';
import { remoteBenchSite, remoteChampionTrees } from '../../src/adapters/measure/remote-worktrees.js';
import { remoteEnvSnapshotter } from '../../src/adapters/measure/remote-env-snapshot.js';

let workers: SshWorkers;
before(async () => {
  workers = await startSshWorkers({ count: 2 });
});
after(() => workers.dispose());

/** A target on both workers; the node is made up (the workers are plain ssh machines). */
function target(repoRoot: string, remoteRoot: string, o: { setup?: string; node?: TpuLocation['node'] } = {}): RemoteBenchTarget {
  const loc: TpuLocation = { workers: workers.hosts.map((host, index) => ({ index, host })), node: o.node, runtimeVersion: o.node ? 'v2-alpha-tpuv5' : undefined };
  return new RemoteBenchTarget({
    makeRemote: () =>
      new SshRemote({
        user: workers.user, port: workers.port, keyFile: workers.keyFile, knownHostsFile: join(workers.dir, 'kh'),
        connectTimeoutS: 3, retries: 0, retrySleepMs: 0, serverAliveIntervalS: 15, controlPersistS: 30,
      }),
    locator: { current: async () => loc, recover: async () => ({ kind: 'alive' }) },
    remoteRoot, repoRoot, protect: ['.venv/'], ...(o.setup ? { setupCommand: o.setup } : {}),
  });
}

/** `~/<name>` as the workers see it, and the same folder on this machine. */
function remoteRootPair(prefix: string): { remote: string; local: string } {
  const name = `${prefix}${Math.random().toString(36).slice(2, 8)}`;
  return { remote: `~/${name}`, local: join(homedir(), name) };
}

function gitRepo(): { root: string; commit(n: number): string; dispose(): void } {
  const root = mkdtempSync(join(tmpdir(), 'gdnctl-remote-port-'));
  const git = (...a: string[]): string => execFileSync('git', ['-c', 'user.email=t@e', '-c', 'user.name=t', ...a], { cwd: root, encoding: 'utf8' }).trim();
  git('init', '-q');
  return {
    root,
    commit(n) {
      writeFileSync(join(root, 'n.txt'), `${n}\n`);
      git('add', '-A');
      git('commit', '-qm', `commit ${n}`);
      return git('rev-parse', 'HEAD');
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

runBenchRunnerContract('remoteBenchRunner (2 ssh workers)', async () => {
  const repo = gitRepo();
  repo.commit(0);
  const root = remoteRootPair('gdnctl-bench-port-');
  const t = target(repo.root, root.remote);
  return {
    async runner(p) {
      // The program is the candidate tree's own files, synced the way a decision syncs them.
      writeFileSync(join(repo.root, 'out.txt'), p.output + '\n');
      writeFileSync(join(repo.root, 'bench.sh'), `cat out.txt\nexit ${p.exitCode ?? 0}\n`);
      const cwd = await remoteBenchSite(t, repo.root).candidateTree(`any-${Math.random()}`);
      return { bench: remoteBenchRunner({ target: t, command: 'bash bench.sh', metric: () => ({}), timeoutMs: 30000 }), cwd };
    },
    async dispose() {
      await t.idle();
      repo.dispose();
      rmSync(root.local, { recursive: true, force: true });
    },
  };
});

runWorktreeProviderContract(
  'remoteChampionTrees (2 ssh workers)',
  async () => {
    const repo = gitRepo();
    const root = remoteRootPair('gdnctl-trees-port-');
    const t = target(repo.root, root.remote);
    let n = 0;
    const toLocal = (dir: string): string => dir.replace(/^~\//, `${homedir()}/`);
    return {
      provider: remoteChampionTrees(t, repo.root),
      root: repo.root,
      commit: async () => repo.commit(++n),
      async commitAt(dir) {
        if (dir === repo.root) return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
        const marker = join(toLocal(dir), '.gdnctl', 'tree');
        return existsSync(marker) ? readFileSync(marker, 'utf8').trim() : undefined;
      },
      syncs: () => t.syncs,
      async dispose() {
        await t.idle();
        repo.dispose();
        rmSync(root.local, { recursive: true, force: true });
      },
    };
  },
  { keepsTrees: true },
);

runBenchSiteContract('remoteBenchSite (2 ssh workers)', async () => {
  const repo = gitRepo();
  const root = remoteRootPair('gdnctl-site-port-');
  const t = target(repo.root, root.remote);
  let n = 0;
  return {
    site: remoteBenchSite(t, repo.root),
    commit: async () => repo.commit(++n),
    async commitAt(dir) {
      const marker = join(dir.replace(/^~\//, `${homedir()}/`), '.gdnctl', 'tree');
      const sha = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : undefined;
      // The marker names the commit; the files must be that commit's too.
      const n1 = readFileSync(join(dir.replace(/^~\//, `${homedir()}/`), 'n.txt'), 'utf8').trim();
      return n1 === String(n) ? sha : `stale files (n.txt ${n1})`;
    },
    syncs: () => t.syncs,
    async dispose() {
      await t.idle();
      repo.dispose();
      rmSync(root.local, { recursive: true, force: true });
    },
  };
});

runEnvSnapshotterContract('remoteEnvSnapshotter (worker 0)', async () => {
  const root = remoteRootPair('gdnctl-snap-port-');
  const t = target(tmpdir(), root.remote, { node: { project: 'p', zone: 'us-east5-a', cluster: 'us-east5-a', name: 'snap-tpu', acceleratorType: 'v5p-16' } });
  return remoteEnvSnapshotter({ target: t, host: async (head) => `# Environment snapshot\nGit SHA: ${head}\nOS: here\n` });
}, { describes: true });

test('the TPU snapshot: taken on worker 0, chips from the table, python versions without failing when jax is missing', async () => {
  const root = remoteRootPair('gdnctl-snap-');
  const node = { project: 'p', zone: 'us-east5-a', cluster: 'us-east5-a', name: 'snap-tpu', acceleratorType: 'v5p-16' };
  const t = target(tmpdir(), root.remote, { node });
  try {
    const s = await remoteEnvSnapshotter({ target: t, host: async () => '# Environment snapshot\nOS: the gdnctl host\n' }).describe!('a'.repeat(40));
    assert.match(s.text, /^Accelerator: TPU v5p-16 snap-tpu in us-east5-a \(project p\)$/m);
    assert.match(s.text, /^Chips: v5p-16: 8 chips of TPU v5p on 2 hosts$/m);
    assert.match(s.text, /^TPU runtime: v2-alpha-tpuv5$/m);
    assert.match(s.text, /^Python: \d+\.\d+\.\d+$/m);
    assert.match(s.text, /^jax: (not installed|\d\S*)$/m);
    assert.match(s.text, /^LIBTPU_INIT_ARGS: \(unset\)$/m);
    assert.match(s.text, /^# The gdnctl host \(the benchmark did not run here\)\nOS: the gdnctl host$/m);
    assert.equal(s.label, 'v5p-16 (8 chips, 2 hosts), runtime v2-alpha-tpuv5');
    const other = target(tmpdir(), root.remote, { node: { ...node, acceleratorType: 'v4-16' } });
    const s2 = await remoteEnvSnapshotter({ target: other, host: async () => '' }).describe!('a'.repeat(40));
    assert.notEqual(s2.fingerprint, s.fingerprint, 'another type is another machine');
    await other.idle();
  } finally {
    await t.idle();
    rmSync(root.local, { recursive: true, force: true });
  }
});

test('a run: every worker starts it in the tree with its own JAX cache; worker 0\'s metric, the others kept; a failing setup fails the runs', async () => {
  const repo = gitRepo();
  mkdirSync(join(repo.root, 'lib'));
  writeFileSync(
    join(repo.root, 'bench.sh'),
    'me=${SSH_CONNECTION% *}; me=${me##* }\necho "on $me in $PWD cache=$JAX_COMPILATION_CACHE_DIR min=$JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS type=$GDNCTL_TPU_TYPE chips=$GDNCTL_TPU_CHIPS name=$TPU_NAME"\n' +
      'if [ "$me" = 127.0.0.2 ]; then echo \'GDNCTL_METRIC {"step_ms": 10, "flops": 1.836e13}\'; else echo \'GDNCTL_METRIC {"step_ms": 11}\'; fi\n',
  );
  const head = repo.commit(1);
  const root = remoteRootPair('gdnctl-run-');
  const node = { project: 'p', zone: 'us-east5-a', cluster: 'us-east5-a', name: 'run-tpu', acceleratorType: 'v5p-16' };
  const t = target(repo.root, root.remote, { node, setup: 'echo setup-ran > setup.txt' });
  try {
    const dir = await remoteBenchSite(t, repo.root).candidateTree(head);
    assert.equal(dir, `${root.remote}/candidate`);
    assert.equal(readFileSync(join(root.local, 'candidate', 'setup.txt'), 'utf8'), 'setup-ran\n', 'the setup ran in the tree');
    const r = await remoteBenchRunner({ target: t, command: 'bash bench.sh', metric: () => ({ metric: 'step_ms' }), timeoutMs: 30000 }).run(dir);
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.value, 10, 'worker 0\'s number, although worker 1 printed another');
    assert.deepEqual(r.workers?.map((w) => [w.worker, w.host, w.value]), [[0, '127.0.0.2', 10], [1, '127.0.0.3', 11]]);
    const cand = join(root.local, 'candidate');
    assert.match(r.workers![0]!.tail, new RegExp(`on 127\\.0\\.0\\.2 in ${cand} cache=${cand}/\\.gdnctl/jax-cache min=0 type=v5p-16 chips=8 name=run-tpu`));
    assert.match(r.workers![1]!.tail, /on 127\.0\.0\.3 in /);
    // MFU counts the chips of the node the bench ran on: v5p-16 = 8 chips × 459 TFLOP/s.
    const mfu = await remoteBenchRunner({ target: t, command: 'bash bench.sh', metric: (type) => ({ metric: 'mfu', ...mfuMetricSpec({ stepTimeMetric: 'step_ms', devTpuType: type }) }), timeoutMs: 30000 }).run(dir);
    assert.ok(mfu.ok, JSON.stringify(mfu));
    assert.ok(Math.abs(mfu.value - 0.5) < 1e-9, `mfu ${mfu.value}`);

    // The setup fails for the next commit: the runs say so, and the marker still names the old commit.
    const bad = target(repo.root, root.remote, { node, setup: 'echo "uv sync: no solution" >&2; exit 3' });
    const next = repo.commit(2);
    const d2 = await remoteBenchSite(bad, repo.root).candidateTree(next);
    const failed = await remoteBenchRunner({ target: bad, command: 'bash bench.sh', metric: () => ({}), timeoutMs: 30000 }).run(d2);
    assert.ok(!failed.ok);
    assert.match(failed.reason, /^setup of ~\/gdnctl-run-\w+\/candidate failed on worker 0 \(exit 3\)/);
    assert.match(failed.tail, /uv sync: no solution/);
    assert.equal(readFileSync(join(cand, '.gdnctl', 'tree'), 'utf8').trim(), head);
    await bad.idle();
  } finally {
    await t.idle();
    repo.dispose();
    rmSync(root.local, { recursive: true, force: true });
  }
});

test('tpu-busy and a failing worker: classified from what the workers printed', async () => {
  const repo = gitRepo();
  writeFileSync(
    join(repo.root, 'bench.sh'),
    'me=${SSH_CONNECTION% *}; me=${me##* }\nif [ "$MODE" = busy ] && [ "$me" = 127.0.0.3 ]; then echo "RuntimeError: Unable to initialize backend \'tpu\': ABORTED: The TPU is already in use by process with pid 4242. Not attempting to load libtpu.so in this process."; exit 1; fi\n' +
      'if [ "$MODE" = crash ] && [ "$me" = 127.0.0.3 ]; then echo "worker 1 crashed"; exit 5; fi\necho \'GDNCTL_METRIC {"step_ms": 10}\'\n',
  );
  const head = repo.commit(1);
  const root = remoteRootPair('gdnctl-busy-');
  const t = target(repo.root, root.remote);
  try {
    const dir = await remoteBenchSite(t, repo.root).candidateTree(head);
    const busy = await remoteBenchRunner({ target: t, command: 'MODE=busy bash bench.sh', metric: () => ({}), timeoutMs: 30000 }).run(dir);
    assert.ok(!busy.ok);
    assert.equal(busy.kind, 'tpu-busy');
    assert.match(busy.reason, /^tpu-busy: another process owns the chips of worker 1 \(.*The TPU is already in use by process with pid 4242/);
    const crash = await remoteBenchRunner({ target: t, command: 'MODE=crash bash bench.sh', metric: () => ({}), timeoutMs: 30000 }).run(dir);
    assert.ok(!crash.ok);
    assert.equal(crash.kind, undefined);
    assert.equal(crash.reason, 'benchmark exited with 5 on worker 1');
    assert.match(crash.tail, /worker 1 crashed/);
    const slow = await remoteBenchRunner({ target: t, command: 'sleep 5', metric: () => ({}), timeoutMs: 300 }).run(dir);
    assert.ok(!slow.ok);
    assert.equal(slow.reason, 'benchmark timed out after 0 s');
  } finally {
    await t.idle();
    repo.dispose();
    rmSync(root.local, { recursive: true, force: true });
  }
});


