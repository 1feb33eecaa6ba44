import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { ResourceError } from '../../errors.js';
import { sshOptionArgs, type SshSettings } from '../remote/ssh-options.js';

/**
 * `ssh -N -L` to a Ray head node for one command: the dashboard's address as the head sees it becomes
 * http://127.0.0.1:<free port> here. ExitOnForwardFailure makes ssh exit when the forward cannot be set up,
 * so a dead tunnel is an exit we see, not a port that never answers. Closed by the command on every way out.
 */
export interface SshTunnel {
  /** The local dashboard URL. */
  address: string;
  close(): Promise<void>;
}

export async function openSshTunnel(o: { head: string; remoteUrl: string; ssh: Omit<SshSettings, 'controlDir' | 'controlPersistS' | 'retries' | 'retrySleepMs'>; readyTimeoutMs?: number }): Promise<SshTunnel> {
  const remote = new URL(o.remoteUrl);
  const remotePort = remote.port || (remote.protocol === 'https:' ? '443' : '80');
  const localPort = await freeLocalPort();
  const target = o.head.includes('@') ? o.head : `${o.ssh.user}@${o.head}`;
  const args = [
    '-N',
    '-L', `127.0.0.1:${localPort}:${remote.hostname}:${remotePort}`,
    ...sshOptionArgs({ ...o.ssh, controlDir: '', controlPersistS: 0, retries: 0, retrySleepMs: 0 }),
    '-o', 'ExitOnForwardFailure=yes',
    target,
  ];
  const child = spawn('ssh', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.once('error', (e) => (stderr += e.message));
  const deadline = Date.now() + (o.readyTimeoutMs ?? Math.max(5000, o.ssh.connectTimeoutS * 1000 + 2000));
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new ResourceError(`ssh tunnel to ${target} failed (exit ${child.exitCode ?? child.signalCode}): ${stderr.trim().split('\n').pop() ?? ''}`);
    }
    if (await accepts(localPort)) break;
    if (Date.now() > deadline) {
      await stop(child, exited);
      throw new ResourceError(`ssh tunnel to ${target} did not come up in time; check sshTunnel and the ssh settings`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = new URL(o.remoteUrl);
  url.hostname = '127.0.0.1';
  url.port = String(localPort);
  return { address: url.toString().replace(/\/$/, ''), close: () => stop(child, exited) };
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
