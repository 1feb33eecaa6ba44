import { homedir } from 'node:os';

/** Everything SshRemote needs to reach a worker; built from the shared ssh config keys. */
export interface SshSettings {
  user: string;
  port: number;
  keyFile: string;
  knownHostsFile: string;
  connectTimeoutS: number;
  /** Attempts after the first when the connection itself fails (ssh exit 255 before the command started). */
  retries: number;
  retrySleepMs: number;
  serverAliveIntervalS: number;
  /** Folder for ControlMaster sockets; must be short (unix socket paths are limited to 108 bytes). */
  controlDir: string;
  /** 0 turns connection sharing off (each command opens its own connection). */
  controlPersistS: number;
}

export function expandHome(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') ? homedir() + p.slice(1) : p;
}

/**
 * The ssh options every connection uses. `-p` is always the configured ssh port: a TPU node's
 * networkEndpoints[].port is its runtime's port (8470), never sshd's.
 */
export function sshOptionArgs(s: SshSettings): string[] {
  return [
    '-p', String(s.port),
    '-i', expandHome(s.keyFile),
    '-o', 'IdentitiesOnly=yes',
    '-o', 'BatchMode=yes',
    '-o', `ConnectTimeout=${Math.max(1, Math.round(s.connectTimeoutS))}`,
    '-o', `ServerAliveInterval=${s.serverAliveIntervalS}`,
    '-o', 'ServerAliveCountMax=4',
    // Trust on first use into our own file: a recreated TPU gets new host keys at the same IP, and a
    // user's ~/.ssh/known_hosts must not fill with (or be blocked by) throw-away workers.
    '-o', 'StrictHostKeyChecking=accept-new',
    '-o', `UserKnownHostsFile=${expandHome(s.knownHostsFile)}`,
    '-o', 'CheckHostIP=no',
    // Readable entries (as gcloud writes): the file is ours, and users inspect it when a key changes.
    '-o', 'HashKnownHosts=no',
    ...(s.controlPersistS > 0
      ? ['-o', 'ControlMaster=auto', '-o', `ControlPath=${s.controlDir}/%C`, '-o', `ControlPersist=${s.controlPersistS}`]
      : ['-o', 'ControlMaster=no', '-o', 'ControlPath=none']),
    '-o', 'LogLevel=ERROR',
  ];
}
