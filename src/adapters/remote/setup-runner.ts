import { basename } from 'node:path';
import type { Config } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import type { TpuNode } from '../../ports/tpu.js';
import { createRedactor, type Redactor } from '../../redact.js';
import { repoFiles } from './local-files.js';
import { shPath } from '../../core/shell-quote.js';
import { SshRemote } from './ssh-remote.js';
import { workersExitCode } from '../../core/worker-outcome.js';

/** SshRemote settings from the shared ssh keys (sshRetries counts attempts, as gcloud's 10 x 5 s). */
export function sshRemoteFor(values: Config, env: NodeJS.ProcessEnv, log?: Logger, redact: Redactor = createRedactor(env)): SshRemote {
  return new SshRemote(
    {
      user: values.sshUser ?? env.USER ?? env.LOGNAME ?? 'root',
      port: values.sshPort,
      keyFile: values.sshKeyFile,
      knownHostsFile: values.knownHostsFile,
      connectTimeoutS: values.sshConnectTimeoutSeconds,
      retries: Math.max(0, values.sshRetries - 1),
      retrySleepMs: values.sshRetrySleepSeconds * 1000,
      serverAliveIntervalS: 15,
      controlPersistS: 60,
    },
    { redact, ...(log ? { debug: (m: string) => log.debug(m) } : {}) },
  );
}

/**
 * The TPU hold's `runSetup` hook (createTpuHold deps): sync the repository to every worker, then run the setup
 * command (e.g. install uv, `uv sync --extra=tpu`) in the synced folder on all workers in parallel.
 */
export function sshSetupRunner(values: Config, env: NodeJS.ProcessEnv, repoRoot: string, log: Logger) {
  return async (node: TpuNode, command: string, signal?: AbortSignal): Promise<{ ok: boolean; detail: string }> => {
    const remote = sshRemoteFor(values, env, log);
    const remoteDir = values.remoteDir ?? `~/${basename(repoRoot)}`;
    try {
      await remote.sync(node.workers, repoRoot, remoteDir, await repoFiles(repoRoot), values.syncProtect);
      const results = await remote.runAll(node.workers, `cd ${shPath(remoteDir)} && {\n${command}\n}`, {
        onLine: (w, line) => log.info(`[w${w}] ${line}`),
        ...(signal ? { signal } : {}),
      });
      const code = workersExitCode(results);
      const detail = results.map((r) => `w${r.worker}: ${r.unreachable ? 'unreachable' : `exit ${r.exitCode}`}`).join(', ');
      return { ok: code === 0, detail };
    } catch (e) {
      return { ok: false, detail: (e as Error).message };
    } finally {
      await remote.close();
    }
  };
}
