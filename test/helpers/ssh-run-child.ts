/**
 * A stand-in for gdnctl running one remote command through SshRemote, for tests that SIGKILL it:
 * argv[2] is the JSON of { settings, host, command }. Prints "remote started" once the command's first line
 * arrives, then waits for the command to end.
 */
import { SshRemote } from '../../src/adapters/remote/ssh-remote.js';

const { settings, host, command } = JSON.parse(process.argv[2]!) as {
  settings: ConstructorParameters<typeof SshRemote>[0];
  host: string;
  command: string;
};
const remote = new SshRemote(settings);
await remote.runOne({ index: 0, host }, command, { onLine: (l) => l === 'started' && process.stdout.write('remote started\n') });
await remote.close();
