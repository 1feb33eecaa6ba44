import { Writable } from 'node:stream';
import { makeProgram } from '../../src/cli/program.js';
import { Interrupt } from '../../src/cli/interrupt.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function capture(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(c, _e, cb) {
      chunks.push(String(c));
      cb();
    },
  }) as Writable & { text: () => string };
  w.text = () => chunks.join('');
  return w;
}

/**
 * Run the CLI in-process with captured streams and a given environment (nothing leaks from process.env).
 * Accepts `(argv, cwd, env)` or `(argv, { cwd, env, interrupt })`.
 */
export async function runCli(
  argv: string[],
  where: string | { cwd: string; env?: NodeJS.ProcessEnv; interrupt?: Interrupt },
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  const opts = typeof where === 'string' ? { cwd: where, env: extraEnv } : where;
  const stdout = capture();
  const stderr = capture();
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, USER: 'root', NO_COLOR: '1', ...(opts.env ?? {}) };
  const program = makeProgram({ stdout, stderr, env, cwd: opts.cwd, interrupt: opts.interrupt ?? new Interrupt() });
  const code = await program.run(argv);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
