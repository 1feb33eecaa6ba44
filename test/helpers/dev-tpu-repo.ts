import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { startSshWorkers, type SshWorkers } from './sshd.js';
import { workerProfileScope } from '../../src/core/profile-plan.js';

/** Two real sshd workers and a committed temp repository for the dev-tpu-* command tests. */
export interface DevTpuRepo {
  workers: SshWorkers;
  repo: string;
  /** The ssh flags that reach both workers (worker hosts first, so `.slice(4)` drops them). */
  sshFlags(): string[];
  dispose(): Promise<void>;
}

export async function startDevTpuRepo(prefix: string, files: Record<string, string>): Promise<DevTpuRepo> {
  const workers = await startSshWorkers({ count: 2 });
  const repo = mkdtempSync(join(tmpdir(), prefix));
  const git = (...a: string[]) => execFileSync('git', a, { cwd: repo });
  git('init', '-q');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), text);
  }
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-qm', 'init');
  return {
    workers,
    repo,
    sshFlags: () => [
      '--worker-host', workers.hosts[0]!, '--worker-host', workers.hosts[1]!,
      '--ssh-user', workers.user, '--ssh-port', String(workers.port), '--ssh-key-file', workers.keyFile,
      '--known-hosts-file', join(workers.dir, 'kh'),
    ],
    async dispose() {
      await workers.dispose();
      rmSync(repo, { recursive: true, force: true });
      // The sync step copies the repository to ~/<repo folder name> on the (local) workers.
      rmSync(join(process.env.HOME ?? '/root', basename(repo)), { recursive: true, force: true });
      // dev-tpu-profile's worker folders (~/.gdnctl/profiles/<repo>-<hash>/…) on the same (local) workers.
      rmSync(join(process.env.HOME ?? '/root', dirname(workerProfileScope(repo, undefined)).slice(2)), { recursive: true, force: true });
    },
  };
}
