import { execFile } from 'node:child_process';

export interface Captured {
  /** null when the command could not start (not found) or was killed by the timeout. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A short command's whole output (a version probe, one git query): node's execFile, never a shell, never a
 * rejection. For the loop's long-running children (agents, checks, benches) see ChildProcessRunner.
 */
export function capture(file: string, args: readonly string[], opts: { cwd: string; timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<Captured> {
  return new Promise((resolve) => {
    // execFile throws at once for arguments node refuses (a NUL byte): an answer like any other failure.
    try {
      run(resolve);
    } catch (e) {
      resolve({ exitCode: null, stdout: '', stderr: (e as Error).message });
    }
  });
  function run(resolve: (c: Captured) => void): void {
    execFile(
      file,
      args,
      { cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 0, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = (err as { code?: unknown } | null)?.code;
        resolve({ exitCode: err ? (typeof code === 'number' && !(err as { killed?: boolean }).killed ? code : null) : 0, stdout, stderr });
      },
    );
  }
}
