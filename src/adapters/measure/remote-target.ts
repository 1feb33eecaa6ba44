/**
 * The TPU a benchmark runs on, as the remote measurement adapters share it: which workers, the two trees under
 * the remote root, their sync and setup, and the environment every run gets.
 *
 *   <remote-root>/candidate/   the working tree (HEAD), synced when HEAD moved
 *   <remote-root>/champion/    the champion commit (from a local detached worktree), synced when the champion moved
 *   <tree>/.gdnctl/tree        the commit the tree holds, written after its sync and setup succeeded on that worker
 *   <tree>/.gdnctl/jax-cache/  the tree's own JAX_COMPILATION_CACHE_DIR, so compile time is not sampled
 *
 * A tree is synced the way `dev-tpu-test` syncs (the Remote port: git's view of the files, excluded paths and
 * .gdnctl/ protected from deletion); the setup command (devTpuSetup, e.g. `uv sync`) then runs once in it.
 */
import type { Remote, RemoteRunResult } from '../../ports/remote.js';
import type { SiteRecovery } from '../../ports/bench.js';
import type { TpuNodeRef, TpuWorker } from '../../ports/tpu.js';
import { shPath } from '../../core/shell-quote.js';
import { tpuShape } from '../../core/tpu-chips.js';
import { outputTail } from '../../core/metric.js';
import { repoFiles } from '../remote/local-files.js';

export type TreeName = 'champion' | 'candidate';

/** Where the TPU is now. */
export interface TpuLocation {
  workers: TpuWorker[];
  /** The node, when the TPU API names one (not for plain --worker-host machines). */
  node?: (TpuNodeRef & { acceleratorType: string }) | undefined;
  /** The runtime version gdnctl created the node with, when it did. */
  runtimeVersion?: string | undefined;
}

/** Finds the TPU to run on, and after a failed run tells whether it is still there (re-acquiring when it may). */
export interface TpuLocator {
  /** Throws a ResourceError when no TPU can be had. */
  current(signal?: AbortSignal): Promise<TpuLocation>;
  recover(signal?: AbortSignal): Promise<SiteRecovery>;
}

export interface RemoteTargetOptions {
  /** A fresh Remote per operation: idle() closes it (its ssh ControlMaster sockets). */
  makeRemote: () => Remote;
  locator: TpuLocator;
  /** `--remote-dir`, default `~/<repo folder name>` as dev-tpu-test uses. */
  remoteRoot: string;
  /** The local working tree (the candidate's source). */
  repoRoot: string;
  setupCommand?: string | undefined;
  /** syncProtect: remote paths a sync never deletes (.venv/, caches). */
  protect: string[];
  /** Forwarded variables (HF_TOKEN, …) every run gets; values travel on ssh's stdin. */
  env?: Record<string, string>;
  onLine?: (msg: string) => void;
}

const META = '.gdnctl';

/** What a setup that failed printed, so the tree's runs fail with it instead of with an import error. */
export interface SetupFailure {
  reason: string;
  tail: string;
}

export class RemoteBenchTarget {
  /** Tree syncs made (one = what one dev-tpu-test run does: mkdir, prune and send to every worker). */
  syncs = 0;
  private remote: Remote | undefined;
  private located: TpuLocation | undefined;
  /**
   * The commit each tree holds ('' = none), read from the workers' markers once per operation: between two
   * operations the TPU may have been replaced (the loop re-acquires), so they are read again.
   */
  private readonly held = new Map<TreeName, string>();
  private readonly failedSetup = new Map<string, SetupFailure>();

  constructor(readonly o: RemoteTargetOptions) {}

  treeDir(name: TreeName): string {
    const root = this.o.remoteRoot.replace(/\/+$/, '');
    return `${root}/${name}`;
  }

  /** The Remote of the current operation (created on first use after idle()). */
  conn(): Remote {
    return (this.remote ??= this.o.makeRemote());
  }

  async location(signal?: AbortSignal): Promise<TpuLocation> {
    this.located ??= await this.o.locator.current(signal);
    return this.located;
  }

  async recover(signal?: AbortSignal): Promise<SiteRecovery> {
    const r = await this.o.locator.recover(signal);
    if (r.kind === 'replaced') {
      this.located = undefined;
      this.held.clear();
    }
    return r;
  }

  /** Close shared connections; the next operation opens new ones and locates the TPU again. */
  async idle(): Promise<void> {
    const r = this.remote;
    this.remote = undefined;
    this.located = undefined;
    this.held.clear();
    await r?.close();
  }

  /** What every benchmark run gets: the held TPU's variables, its type and chip count, the forwarded ones. */
  runEnv(loc: TpuLocation): Record<string, string> {
    const env: Record<string, string> = { ...(this.o.env ?? {}), GDNCTL_BENCH_ON: 'tpu', GDNCTL_TPU_HOSTS: String(loc.workers.length) };
    const n = loc.node;
    if (n) {
      Object.assign(env, { GDNCTL_TPU_PROJECT: n.project, GDNCTL_TPU_ZONE: n.zone, GDNCTL_TPU_CLUSTER: n.cluster, GDNCTL_TPU_NAME: n.name, TPU_NAME: n.name });
      if (n.acceleratorType) env.GDNCTL_TPU_TYPE = n.acceleratorType;
      const shape = tpuShape(n.acceleratorType);
      if (shape) env.GDNCTL_TPU_CHIPS = String(shape.chips);
    }
    return env;
  }

  /** `cd <tree>` with the tree's own JAX cache, then the command, on every worker at once. */
  async runIn(dir: string, command: string, opts: { signal?: AbortSignal; onLine?: (worker: number, line: string) => void } = {}): Promise<RemoteRunResult[]> {
    const loc = await this.location(opts.signal);
    const script = [
      `cd ${shPath(dir)} || exit 97`,
      `export JAX_COMPILATION_CACHE_DIR="$PWD/${META}/jax-cache" JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0`,
      'mkdir -p "$JAX_COMPILATION_CACHE_DIR"',
      `{\n${command}\n}`,
    ].join('\n');
    return this.conn().runAll(loc.workers, script, { env: this.runEnv(loc), ...opts });
  }

  setupFailure(dir: string): SetupFailure | undefined {
    return this.failedSetup.get(dir);
  }

  /**
   * Make tree `name` hold `sha`, syncing from `source()` (a local folder) only when it does not already, as the
   * marker on every worker says (so a resumed run, or the next decision, on the same TPU syncs nothing).
   */
  async ensureTree(name: TreeName, sha: string, source: <T>(fn: (localDir: string) => Promise<T>) => Promise<T>, signal?: AbortSignal): Promise<string> {
    const dir = this.treeDir(name);
    const loc = await this.location(signal);
    if (!this.held.has(name)) await this.readMarkers(loc);
    if (this.held.get(name) === sha) return dir;
    this.held.set(name, '');
    await source(async (local) => {
      this.o.onLine?.(`sync: ${name} tree (${sha.slice(0, 12)}) to ${dir} on ${loc.workers.length} worker(s)`);
      await this.conn().sync(loc.workers, local, dir, await repoFiles(local), [...this.o.protect, `/${META}/`]);
      this.syncs++;
    });
    const setup = await this.setupAndMark(loc, dir, sha, signal);
    if (setup) this.failedSetup.set(dir, setup);
    else {
      this.failedSetup.delete(dir);
      this.held.set(name, sha);
    }
    return dir;
  }

  /** Both trees' markers in one round trip; a tree holds a commit only when every worker's marker names it. */
  private async readMarkers(loc: TpuLocation): Promise<void> {
    const names: TreeName[] = ['candidate', 'champion'];
    const script = names.map((n) => `printf '%s %s\\n' ${n} "$(cat ${shPath(this.treeDir(n))}/${META}/tree 2>/dev/null || echo -)"`).join('\n');
    const results = await this.conn().runAll(loc.workers, script, {});
    for (const n of names) {
      const seen = results.map((r) => (r.exitCode === 0 ? new RegExp(`^${n} (\\S+)$`, 'm').exec(r.output)?.[1] : undefined));
      const first = seen[0];
      this.held.set(n, first !== undefined && first !== '-' && seen.every((x) => x === first) ? first : '');
    }
  }

  /** The setup command in the tree, then the marker; a failing setup leaves no marker, so the next use tries again. */
  private async setupAndMark(loc: TpuLocation, dir: string, sha: string, signal?: AbortSignal): Promise<SetupFailure | undefined> {
    const setup = this.o.setupCommand ? `{\n${this.o.setupCommand}\n} || exit $?\n` : '';
    const script = `cd ${shPath(dir)} || exit 97\n${setup}mkdir -p ${META} && printf '%s\\n' ${sha} > ${META}/tree`;
    const results = await this.conn().runAll(loc.workers, script, { env: this.runEnv(loc), ...(signal ? { signal } : {}) });
    const bad = results.find((r) => r.unreachable || r.exitCode !== 0);
    if (!bad) return undefined;
    const what = bad.unreachable ? 'unreachable' : `exit ${bad.exitCode}`;
    return { reason: `setup of ${dir} failed on worker ${bad.worker} (${what}): ${this.o.setupCommand ?? 'mkdir'}`, tail: outputTail(bad.output) };
  }
}
