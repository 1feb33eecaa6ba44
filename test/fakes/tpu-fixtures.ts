/**
 * Shared setup for TPU tests: a temp workdir (a fresh git repository) with a throw-away ssh key, env that points the
 * real client at the emulator with fake credentials, and the resolved config for a TPU command.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config/resolve.js';
import type { Config } from '../../src/config/schema.js';
import { createLogger, type Logger } from '../../src/log.js';
import { captureStream } from '../helpers/capture-stream.js';
import type { TpuEmulator } from './tpu-emulator.js';

// Belt and braces: never let google-auth-library probe the GCE metadata server (docs/decisions.md "TPU client facts" §2.6).
process.env.METADATA_SERVER_DETECTION = 'none';

export interface TpuWorkspace {
  dir: string;
  keyFile: string;
  env: NodeJS.ProcessEnv;
  leaseDir: string;
  cleanup(): void;
}

/** Env that points gdnctl's real TPU client at the emulator with fake credentials (user "tester"). */
export function emulatorEnv(emu: Pick<TpuEmulator, 'endpoint'>, project: string, sshKeyFile: string): Record<string, string> {
  return {
    USER: 'tester',
    METADATA_SERVER_DETECTION: 'none',
    GOOGLE_CLOUD_PROJECT: project,
    GDNCTL_TPU_API_ENDPOINT: emu.endpoint,
    GDNCTL_TPU_ACCESS_TOKEN: 'fake-token',
    GDNCTL_TPU_API_RETRY_MIN_MS: '5',
    GDNCTL_SSH_KEY_FILE: sshKeyFile,
  };
}

export function tpuWorkspace(emu: TpuEmulator, extraEnv: NodeJS.ProcessEnv = {}): TpuWorkspace {
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-tpu-'));
  execFileSync('git', ['init', '-q', dir]);
  // An identity, as a user's repository has: codex-loop refuses a repository where gdnctl cannot commit.
  for (const [k, v] of [['user.name', 'tester'], ['user.email', 'tester@example.invalid']]) execFileSync('git', ['-C', dir, 'config', k!, v!]);
  const keyFile = join(dir, 'id_test');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test@gdnctl', '-f', keyFile]);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    ...emulatorEnv(emu, 'test-proj', keyFile),
    GDNCTL_TPU_POLL_INTERVAL_MS: '20',
    ...extraEnv,
  };
  return {
    dir,
    keyFile,
    env,
    leaseDir: join(dir, '.agents/logs/gdn_codex_loop/leases'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function tpuConfig(ws: TpuWorkspace, flags: Record<string, unknown>, command = 'dev-tpu-allocate'): Config {
  return resolveConfig({ command, flags: { workdir: ws.dir, ...flags }, env: ws.env, cwd: ws.dir }).values;
}

export async function captureLogger(): Promise<{ log: Logger; lines: () => Array<{ level: number; msg: string }> }> {
  const stream = captureStream();
  const log = await createLogger({ format: 'json', verbose: true, quiet: false, stream, env: {} });
  return {
    log,
    lines: () =>
      stream
        .text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { level: number; msg: string }),
  };
}
