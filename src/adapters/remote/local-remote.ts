import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { execa } from 'execa';
import type { Remote, RemoteRunResult } from '../../ports/remote.js';
import type { TpuWorker } from '../../ports/tpu.js';
import type { Redactor } from '../../redact.js';
import { listFilesUnder } from './local-files.js';
import { trackGroup, untrackGroup } from '../process/process-group.js';

/** Shell-glob subset used for trace names: `*` and `?` within one file name. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/**
 * `--accelerator local`: the same commands on this machine, without ssh. There is one worker (0), the
 * working copy is the "remote dir", and sync is a no-op. Env values go through the child's environment,
 * which is private to this user, so the stdin rule for ssh does not apply.
 */
export class LocalRemote implements Remote {
  constructor(private readonly deps: { redact?: Redactor; baseEnv?: NodeJS.ProcessEnv } = {}) {}

  async sync(): Promise<void> {}

  async runAll(
    workers: TpuWorker[],
    command: string,
    opts: { env?: Record<string, string>; onLine?: (worker: number, line: string) => void; signal?: AbortSignal },
  ): Promise<RemoteRunResult[]> {
    const redact = this.deps.redact ?? ((t: string) => t);
    return Promise.all(
      workers.map(async (w) => {
        let tail = '';
        const child = execa('bash', ['-c', command], {
          env: { ...(this.deps.baseEnv ?? process.env), ...(opts.env ?? {}) },
          extendEnv: false,
          stdin: 'ignore',
          all: true,
          buffer: false,
          reject: false,
          // Own process group, so an abort ends pytest and whatever it forked, not only bash (execa 9
          // signals the direct child only).
          detached: true,
        });
        // Recorded with the run's other children, so a resume ends what a killed gdnctl left (process-group.ts).
        const pgid = child.pid;
        if (pgid !== undefined) trackGroup(pgid);
        const killGroup = (): void => {
          try {
            if (child.pid) process.kill(-child.pid, 'SIGTERM');
          } catch {
            // already gone
          }
        };
        opts.signal?.addEventListener('abort', killGroup, { once: true });
        for await (const raw of child.iterable({ from: 'all' })) {
          const line = redact(String(raw));
          tail = (tail + line + '\n').slice(-64 * 1024);
          opts.onLine?.(w.index, line);
        }
        const res = await child.finally(() => pgid !== undefined && untrackGroup(pgid));
        opts.signal?.removeEventListener('abort', killGroup);
        const aborted = opts.signal?.aborted === true;
        return { worker: w.index, host: w.host, exitCode: aborted ? null : (res.exitCode ?? null), unreachable: false, output: tail, attempts: 1 };
      }),
    );
  }

  async fetch(_worker: TpuWorker, remoteDir: string, localDir: string, patterns: string[]): Promise<string[]> {
    const res = patterns.map(globToRegExp);
    const out: string[] = [];
    for (const file of listFilesUnder(remoteDir)) {
      if (!res.some((re) => re.test(basename(file)))) continue;
      const dest = join(localDir, relative(remoteDir, file));
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(file, dest);
      out.push(dest);
    }
    return out;
  }

  async close(): Promise<void> {}
}
