// Child for the runner's exit-hook test: start a group through ChildProcessRunner, print the grandchild's pid,
// then leave with process.exit while the run is still going (as an uncaught error or a hasty handler would).
import { ChildProcessRunner } from '../../src/adapters/process/child-process-runner.js';

const runner = new ChildProcessRunner({ killGraceMs: 200 });
void runner.run({
  argv: ['bash', '-c', 'sleep 30 & echo $!; wait'],
  cwd: process.cwd(),
  onLine: (line) => {
    process.stdout.write(`${line}\n`, () => process.exit(3));
  },
});
