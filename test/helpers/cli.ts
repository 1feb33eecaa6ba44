import { Writable } from 'node:stream';
import { makeProgram } from '../../src/cli/program.js';
import { Interrupt } from '../../src/cli/interrupt.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function sink(): Writable & { text: () => string } {
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

/** Run the real CLI program in-process with captured output and a clean environment. */
export async function runCli(argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const stdout = sink();
  const stderr = sink();
  const code = await makeProgram({ stdout, stderr, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, cwd, interrupt: new Interrupt() }).run(argv);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
