#!/usr/bin/env node
import { ExitCode } from './exit-codes.js';
import { ResourceError } from '../errors.js';
import { Interrupt } from './interrupt.js';
import { makeProgram } from './program.js';

/**
 * The process edge: argv in, exit code out. Only this file calls process.exit and installs signal handlers.
 * A command that owns cleanup (handlesSignals) is left to finish it; any other command exits 130 at once.
 */
async function main(): Promise<void> {
  // `gdnctl lint-log | head` closes our stdout early. The EPIPE must not crash the process (a loop must still
  // run its cleanup); output to a closed pipe is simply dropped.
  for (const s of [process.stdout, process.stderr]) {
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
    });
  }
  const interrupt = new Interrupt();
  let cwd: string;
  try {
    cwd = process.cwd();
  } catch {
    // Help needs no directory; everything else reads the repository it runs in.
    const args = process.argv.slice(2);
    if (args.length === 0 || args.some((a) => a === '--help' || a === '-h' || a === 'help' || a === '--version' || a === '-V')) cwd = '/';
    else {
      process.stderr.write('gdnctl: the current directory no longer exists (it was deleted or moved); cd into your project and run the command again\n');
      process.exit(ExitCode.usage);
    }
  }
  const cli = makeProgram({
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd,
    interrupt,
  });
  const onSignal = (name: NodeJS.Signals): void => {
    interrupt.fire(name);
    const spec = cli.active();
    if (!spec?.handlesSignals || interrupt.count >= 3) process.exit(ExitCode.interrupted);
  };
  // bin/gdnctl's stand-in (exit 130 while the bundle loads) gives way to the real handler. Add before removing:
  // a signal caught while the bundle was loading is still queued in libuv, and dropping a signal's last
  // listener closes its watcher and loses that queued signal.
  const early = (globalThis as Record<symbol, unknown>)[Symbol.for('gdnctl.earlySignalHandler')] as ((...a: unknown[]) => void) | undefined;
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(s, onSignal);
    if (early) process.off(s, early);
  }

  let code: number;
  try {
    code = await cli.run(process.argv.slice(2));
  } catch (e) {
    if (e instanceof ResourceError) {
      process.stderr.write(`gdnctl: ${e.message}\n`);
      code = ExitCode.resourceUnavailable;
    } else {
      process.stderr.write(
        `gdnctl: internal error: ${(e as Error)?.stack ?? String(e)}\n(a stack in dist/bundle maps to source lines with NODE_OPTIONS=--enable-source-maps)\n`,
      );
      code = ExitCode.failed;
    }
  }
  if (interrupt.count > 0) code = ExitCode.interrupted;
  process.exitCode = code;
  exitOnceDrained(code);
}

/**
 * Leave as soon as stdout and stderr hold nothing unwritten (pipes, files and terminals are written
 * synchronously on Linux, so that is at once), and at the latest after 200 ms, even if a stray handle (an ssh
 * ControlMaster, a timer) lingers. process.exit skips the teardown of the heap that a natural exit performs:
 * 10-15 ms of every command's wall time (docs/decisions.md "Issue 14 — leaving"). Every write the commands make
 * (ledger, state, logs) is synchronous or awaited before run() returns.
 */
function exitOnceDrained(code: number): void {
  const pending = [process.stdout, process.stderr].filter((s) => s.writableLength > 0);
  if (pending.length === 0) process.exit(code);
  let left = pending.length;
  for (const s of pending) s.once('drain', () => --left === 0 && process.exit(code));
  setTimeout(() => process.exit(code), 200).unref();
}

void main();
