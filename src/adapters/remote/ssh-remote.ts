import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ResourceError } from '../../errors.js';
import type { Remote, RemoteRunResult } from '../../ports/remote.js';
import type { TpuWorker } from '../../ports/tpu.js';
import type { Redactor } from '../../redact.js';
import { exportLines, rsyncShellArg, shPath } from '../../core/shell-quote.js';
import { sshOptionArgs, type SshSettings } from './ssh-options.js';
import { listFilesUnder } from './local-files.js';
import { sleepMs } from '../process/long-timer.js';
import { trackedWhile } from '../process/process-group.js';

/**
 * The first line the remote script prints. ssh exits 255 both when it cannot connect and when the remote
 * command exits 255; seeing this line tells them apart, and a command that started is never re-run.
 */
export const STARTED_MARKER = '__gdnctl_remote_started__';
const TAIL_BYTES = 64 * 1024;

/**
 * The benchmark's champion and candidate trees live under the remote root (docs/measurement.md "Benchmarks on
 * the TPU"); a sync of the root itself (dev-tpu-test, dev-tpu-profile, the TPU setup) must not delete them.
 */
export const BENCH_TREES_PROTECT = ['/champion/', '/candidate/'];

/**
 * ssh and rsync run in their own process groups, recorded with the run's other children (process-group.ts), so
 * a resume can end what a killed gdnctl left (a sync half-way, a session still open). A terminal's Ctrl-C then
 * reaches them only through gdnctl's abort (cancelSignal), which keeps the order of the signal path.
 */
const TRACKED = { detached: true } as const;

export interface SshRemoteDeps {
  /** Applied to every output line before it reaches onLine or a result. */
  redact?: Redactor;
  /** Debug log of the argv that ran (never carries env values: those go on stdin). */
  debug?: (msg: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface BuiltRun {
  argv: string[];
  stdin: string;
}

/** ssh and rsync to TPU workers, with the system OpenSSH client (keys, agents and proxies users already have). */
export class SshRemote implements Remote {
  readonly settings: SshSettings;
  private readonly ownsControlDir: boolean;
  private readonly usedHosts = new Set<string>();

  constructor(
    settings: Omit<SshSettings, 'controlDir'> & { controlDir?: string },
    private readonly deps: SshRemoteDeps = {},
  ) {
    this.ownsControlDir = settings.controlDir === undefined;
    // mkdtemp under /tmp keeps "<dir>/%C" (40 hex chars) well under the 108-byte socket path limit.
    const controlDir = settings.controlDir ?? mkdtempSync(join(tmpdir(), 'gdnctl-ssh-'));
    this.settings = { ...settings, controlDir };
  }

  private target(worker: TpuWorker): string {
    return `${this.settings.user}@${worker.host}`;
  }

  /**
   * Pure: the argv and stdin of one remote command. Values of `env` appear only in stdin (argv is visible to
   * every local user through /proc and to the remote's process list). The script is one `{ … }` block, so
   * bash has parsed all of it before the command runs and a command that reads stdin cannot eat the script.
   *
   * Without a tty, sshd does not signal the remote command when the client goes away, so a Ctrl-C here would
   * leave pytest holding the TPU. We therefore keep ssh's stdin open for the whole run (fd 3 remotely): the
   * command runs as its own process group (`set -m`), and a watcher kills that group once fd 3 reaches EOF,
   * which happens when the local ssh exits, is killed, or gdnctl itself dies. Once it has seen EOF the watcher
   * ignores the TERM that ends it after a normal exit: a leader that died of the TERM while a member ignores
   * it must not cancel the KILL five seconds later. (A pty through `-tt` would make sshd HUP the command, but
   * it merges stderr into stdout, rewrites newlines and lets a trapped HUP survive.)
   */
  buildRun(worker: TpuWorker, command: string, env: Record<string, string> = {}): BuiltRun {
    const argv = ['ssh', '-T', ...sshOptionArgs(this.settings), this.target(worker), 'bash -l -s'];
    const stdin = [
      '{',
      'exec 3<&0 0</dev/null',
      `echo ${STARTED_MARKER}`,
      '[ -f "$HOME/.local/bin/env" ] && . "$HOME/.local/bin/env"',
      ...exportLines(env),
      'set -m',
      `(
${command}
) &`,
      '__gdnctl_pid=$!',
      '( read -r _ <&3; trap "" TERM; kill -TERM -- -$__gdnctl_pid 2>/dev/null; sleep 5; kill -KILL -- -$__gdnctl_pid 2>/dev/null ) >/dev/null 2>&1 &',
      '__gdnctl_watch=$!',
      'wait $__gdnctl_pid; __gdnctl_rc=$?',
      'kill $__gdnctl_watch 2>/dev/null',
      'exit $__gdnctl_rc',
      '}',
      '',
    ].join('\n');
    return { argv, stdin };
  }

  /** The wait between connection attempts (any length: long-timer.ts); false when the signal cut it short. */
  private async sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (ms <= 0) return true;
    if (this.deps.sleep) {
      await this.deps.sleep(ms);
      return true;
    }
    return sleepMs(ms, signal).then(
      () => true,
      () => false,
    );
  }

  /** Run one command on one worker; retries only while the connection itself fails. */
  async runOne(
    worker: TpuWorker,
    command: string,
    opts: { env?: Record<string, string>; onLine?: (line: string) => void; signal?: AbortSignal } = {},
  ): Promise<RemoteRunResult> {
    const { argv, stdin } = this.buildRun(worker, command, opts.env);
    const redact = this.deps.redact ?? ((t: string) => t);
    this.usedHosts.add(worker.host);
    let tail = '';
    const maxAttempts = this.settings.retries + 1;
    for (let attempt = 1; ; attempt++) {
      this.deps.debug?.(`ssh attempt ${attempt}/${maxAttempts}: ${argv.join(' ')}`);
      let started = false;
      let connectNoise = '';
      const child = execa(argv[0]!, argv.slice(1), {
        stdin: 'pipe',
        all: true,
        buffer: false,
        reject: false,
        stripFinalNewline: false,
        ...(opts.signal ? { cancelSignal: opts.signal } : {}),
        ...TRACKED,
      });
      // Written but never ended: the open pipe is the remote watcher's lifeline (see buildRun).
      child.stdin?.on('error', () => {});
      child.stdin?.write(stdin);
      const res = await trackedWhile(child.pid, (async () => {
        for await (const raw of child.iterable({ from: 'all' })) {
          const line = redact(String(raw));
          if (!started) {
            if (line === STARTED_MARKER) started = true;
            else connectNoise += line + '\n';
            continue;
          }
          tail = (tail + line + '\n').slice(-TAIL_BYTES);
          opts.onLine?.(line);
        }
        return child;
      })());
      if (res.isCanceled) {
        return { worker: worker.index, host: worker.host, exitCode: null, unreachable: false, output: tail, attempts: attempt };
      }
      if (started || res.exitCode !== 255) {
        // Output before the marker from a started session is the login shell's; keep it for diagnosis.
        if (!started) tail = connectNoise.slice(-TAIL_BYTES);
        return { worker: worker.index, host: worker.host, exitCode: res.exitCode ?? null, unreachable: false, output: tail, attempts: attempt };
      }
      this.deps.debug?.(`worker ${worker.index} (${worker.host}) connection failed: ${connectNoise.trim()}`);
      if (attempt >= maxAttempts) {
        return {
          worker: worker.index,
          host: worker.host,
          exitCode: 255,
          unreachable: true,
          output: connectNoise.slice(-TAIL_BYTES),
          attempts: attempt,
        };
      }
      if (!(await this.sleep(this.settings.retrySleepMs, opts.signal))) {
        return { worker: worker.index, host: worker.host, exitCode: null, unreachable: false, output: connectNoise.slice(-TAIL_BYTES), attempts: attempt };
      }
    }
  }

  async runAll(
    workers: TpuWorker[],
    command: string,
    opts: { env?: Record<string, string>; onLine?: (worker: number, line: string) => void; signal?: AbortSignal },
  ): Promise<RemoteRunResult[]> {
    return Promise.all(
      workers.map((w) =>
        this.runOne(w, command, {
          ...(opts.env ? { env: opts.env } : {}),
          ...(opts.signal ? { signal: opts.signal } : {}),
          onLine: (line) => opts.onLine?.(w.index, line),
        }),
      ),
    );
  }

  /** The `-e` value rsync uses: the same options (and ControlMaster socket) as our own ssh calls. */
  rsyncShell(): string {
    return ['ssh', '-T', ...sshOptionArgs(this.settings)].map(rsyncShellArg).join(' ');
  }

  /** rsync wants a home-relative path without the tilde; the remote shell would not expand a quoted one. */
  private rsyncDir(remoteDir: string): string {
    const rel = remoteDir === '~' ? '.' : remoteDir.startsWith('~/') ? remoteDir.slice(2) : remoteDir;
    return rel.endsWith('/') ? rel : rel + '/';
  }

  /**
   * Pure: the two rsync argvs of a sync. The first sends exactly the given files (git's view of the tree);
   * the second transfers nothing (`--existing --ignore-existing`) and only deletes remote files the local
   * tree no longer has. Excluded paths are protected from --delete, so everything .gitignore (read per
   * directory on both sides) or syncProtect names survives: the worker's .venv, caches, .git.
   */
  buildSync(worker: TpuWorker, localRoot: string, remoteDir: string, protect: string[]): { send: string[]; prune: string[] } {
    const dest = `${this.target(worker)}:${this.rsyncDir(remoteDir)}`;
    const shell = this.rsyncShell();
    const send = ['rsync', '-az', '--from0', '--files-from=-', '--ignore-missing-args', '-e', shell, './', dest];
    const prune = [
      'rsync', '-r', '--delete', '--existing', '--ignore-existing',
      '--filter=- /.git/',
      ...[...BENCH_TREES_PROTECT, ...protect].map((p) => `--filter=P ${p}`),
      '--filter=:- .gitignore',
      ...(existsSync(join(localRoot, '.git', 'info', 'exclude')) ? ['--filter=merge,- .git/info/exclude'] : []),
      '-e', shell, './', dest,
    ];
    return { send, prune };
  }

  async sync(workers: TpuWorker[], localRoot: string, remoteDir: string, files: string[], protect: string[] = []): Promise<void> {
    const problems = await Promise.all(
      workers.map(async (w): Promise<string | undefined> => {
        // The first connection runs through runOne so it gets the connection retries and opens the
        // ControlMaster that both rsync passes then reuse.
        const mk = await this.runOne(w, `mkdir -p ${shPath(remoteDir)}`);
        if (mk.unreachable) return `unreachable:worker ${w.index} (${w.host}) unreachable after ${mk.attempts} attempts`;
        if (mk.exitCode !== 0) return `failed:worker ${w.index}: mkdir -p ${remoteDir} failed: ${mk.output.trim()}`;
        const { send, prune } = this.buildSync(w, localRoot, remoteDir, protect);
        for (const argv of [prune, send]) {
          this.deps.debug?.(argv.join(' '));
          const child = execa(argv[0]!, argv.slice(1), {
            cwd: localRoot,
            input: argv === send ? files.join('\0') : '',
            reject: false,
            all: true,
            ...TRACKED,
          });
          const r = await trackedWhile(child.pid, child);
          if (r.exitCode !== 0) return `failed:worker ${w.index}: rsync exited ${r.exitCode}: ${String(r.all ?? '').trim().slice(-2000)}`;
        }
        return undefined;
      }),
    );
    const bad = problems.filter((p): p is string => p !== undefined);
    if (bad.length === 0) return;
    const text = bad.map((p) => p.replace(/^\w+:/, '')).join('; ');
    if (bad.some((p) => p.startsWith('unreachable:'))) throw new ResourceError(`sync: ${text}`);
    throw new Error(`sync: ${text}`);
  }

  async fetch(worker: TpuWorker, remoteDir: string, localDir: string, patterns: string[]): Promise<string[]> {
    mkdirSync(localDir, { recursive: true });
    const src = `${this.target(worker)}:${this.rsyncDir(remoteDir)}`;
    const argv = [
      'rsync', '-az', '--prune-empty-dirs', '--include=*/',
      ...patterns.map((p) => `--include=${p}`), '--exclude=*',
      '-e', this.rsyncShell(), src, localDir.endsWith('/') ? localDir : localDir + '/',
    ];
    this.usedHosts.add(worker.host);
    this.deps.debug?.(argv.join(' '));
    const child = execa(argv[0]!, argv.slice(1), { reject: false, all: true, ...TRACKED });
    const r = await trackedWhile(child.pid, child);
    if (r.exitCode === 255) throw new ResourceError(`fetch from worker ${worker.index} (${worker.host}): connection failed`);
    if (r.exitCode !== 0) throw new Error(`fetch from worker ${worker.index}: rsync exited ${r.exitCode}: ${String(r.all ?? '').trim()}`);
    return listFilesUnder(localDir);
  }

  /** `ssh -O exit` per host: ControlPersist masters are detached daemons and would otherwise linger. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.usedHosts].map((host) =>
        execa('ssh', [...sshOptionArgs(this.settings), '-O', 'exit', `${this.settings.user}@${host}`], { reject: false }),
      ),
    );
    this.usedHosts.clear();
    if (this.ownsControlDir) rmSync(this.settings.controlDir, { recursive: true, force: true });
  }
}
