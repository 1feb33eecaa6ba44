/**
 * A second process for run-lock tests: `node --import tsx hold-run-lock.ts <file> [command]`.
 * Prints one JSON line ({acquired, warning} or {refused, message}), then holds the lock until stdin closes
 * (then releases and exits 0) or until it is killed (the lock stays behind, as after a crash).
 */
import { acquireRunLock } from '../../src/adapters/run-lock.js';

const [file, command = 'gdnctl codex-loop (test holder)'] = process.argv.slice(2);
if (!file) throw new Error('usage: hold-run-lock.ts <file> [command]');
try {
  const lock = await acquireRunLock({ file, command });
  process.stdout.write(`${JSON.stringify({ acquired: true, warning: lock.warning ?? null })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    lock.releaseSync();
    process.exit(0);
  });
} catch (e) {
  process.stdout.write(`${JSON.stringify({ refused: true, message: (e as Error).message })}\n`);
  process.exit(3);
}
