import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real OpenSSH workers for tests: one `sshd -D -e` per worker, each on its own loopback address
 * (127.0.0.2, 127.0.0.3, …) at one shared test port, as TPU workers share port 22 on distinct IPs.
 * Throw-away host and user keys live in a temp dir. As root, sshd needs /run/sshd (privilege-separation
 * dir), `UsePAM no` (no PAM stack in containers) and `StrictModes no` (temp dirs are not 0700-owned paths).
 */
export interface SshWorkers {
  /** Loopback addresses, worker 0 first. */
  hosts: string[];
  port: number;
  user: string;
  /** Private key the client uses (IdentityFile). */
  keyFile: string;
  /** Scratch dir for the test (known-hosts file etc. may go here). */
  dir: string;
  /** The sshd processes, for tests that stop one worker. */
  daemons: ChildProcess[];
  /** Stop worker i (it then refuses connections). */
  stop(i: number): Promise<void>;
  dispose(): Promise<void>;
}

function keygen(file: string, comment: string): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
}

/** A free TCP port: bind port 0 on 127.0.0.1, read it, close. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host, port });
    sock.once('data', (d) => {
      sock.destroy();
      resolve(d.toString().startsWith('SSH-'));
    });
    sock.once('error', () => resolve(false));
    sock.setTimeout(1000, () => {
      sock.destroy();
      resolve(false);
    });
  });
}

async function waitAccepting(host: string, port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd on ${host}:${port} exited ${child.exitCode}: ${log()}`);
    if (await accepts(host, port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd on ${host}:${port} did not accept within 10 s: ${log()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startSshWorkers(opts: { count?: number; firstHost?: number } = {}): Promise<SshWorkers> {
  const count = opts.count ?? 2;
  const first = opts.firstHost ?? 2;
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-sshd-'));
  mkdirSync('/run/sshd', { recursive: true });
  const hostKey = join(dir, 'host_ed25519');
  const keyFile = join(dir, 'id_ed25519');
  keygen(hostKey, 'gdnctl-test-host');
  keygen(keyFile, 'gdnctl-test-user');
  const authorized = join(dir, 'authorized_keys');
  writeFileSync(authorized, readFileSync(`${keyFile}.pub`), { mode: 0o600 });
  const port = await freePort();
  const hosts = Array.from({ length: count }, (_, i) => `127.0.0.${first + i}`);
  const daemons: ChildProcess[] = [];
  try {
    for (const host of hosts) {
      const config = join(dir, `sshd_config_${host}`);
      writeFileSync(
        config,
        [
          `ListenAddress ${host}`,
          `Port ${port}`,
          `HostKey ${hostKey}`,
          `PidFile ${join(dir, `sshd_${host}.pid`)}`,
          `AuthorizedKeysFile ${authorized}`,
          'UsePAM no',
          'StrictModes no',
          'PermitRootLogin yes',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'PubkeyAuthentication yes',
          // Enough parallel sessions for ControlMaster multiplexing plus concurrent rsync.
          'MaxSessions 50',
          'MaxStartups 50',
          'LogLevel ERROR',
          'Subsystem sftp internal-sftp',
          '',
        ].join('\n'),
      );
      let log = '';
      const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr?.on('data', (d) => (log += String(d)));
      daemons.push(child);
      await waitAccepting(host, port, child, () => log);
    }
  } catch (e) {
    await Promise.all(daemons.map(stopChild));
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    hosts,
    port,
    user: 'root',
    keyFile,
    dir,
    daemons,
    stop: (i) => stopChild(daemons[i]!),
    async dispose() {
      await Promise.all(daemons.map(stopChild));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
