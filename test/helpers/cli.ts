import { makeProgram } from '../../src/cli/program.js';
import { Interrupt } from '../../src/cli/interrupt.js';
import { captureStream } from './capture-stream.js';

export { captureStream, type CapturedStream } from './capture-stream.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in-process with captured streams and exactly `env` (no defaults added, nothing from process.env). */
export async function runProgram(
  argv: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; interrupt?: Interrupt },
): Promise<CliRun> {
  const stdout = captureStream();
  const stderr = captureStream();
  const program = makeProgram({ stdout, stderr, env: opts.env, cwd: opts.cwd, interrupt: opts.interrupt ?? new Interrupt() });
  const code = await program.run(argv);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/**
 * Run the CLI in-process with captured streams and a given environment (nothing leaks from process.env
 * beyond PATH and HOME). Accepts `(argv, cwd, env)` or `(argv, { cwd, env, interrupt })`.
 */
export async function runCli(
  argv: string[],
  where: string | { cwd: string; env?: NodeJS.ProcessEnv; interrupt?: Interrupt },
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  const opts = typeof where === 'string' ? { cwd: where, env: extraEnv } : where;
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, USER: 'root', NO_COLOR: '1', ...(opts.env ?? {}) };
  return runProgram(argv, { cwd: opts.cwd, env, interrupt: opts.interrupt });
}
