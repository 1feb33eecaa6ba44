// Child for the runner's exit-hook test: start a group through ExecaCommandRunner, print the grandchild's pid,
// then leave with process.exit while the run is still going (as an uncaught error or a hasty handler would).
import { ExecaCommandRunner } from '../../src/adapters/process/execa-command-runner.js';

const runner = new ExecaCommandRunner({ killGraceMs: 200 });
void runner.run({
  argv: ['bash', '-c', 'sleep 30 & echo $!; wait'],
  cwd: process.cwd(),
  onLine: (line) => {
    process.stdout.write(`${line}\n`, () => process.exit(3));
  },
});
