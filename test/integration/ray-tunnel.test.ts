import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { makeRayRepo } from '../helpers/ray-repo.js';
import { startSshWorkers, type SshWorkers } from '../helpers/sshd.js';
import { RayEmulator } from '../fakes/ray-emulator.js';
import { Interrupt } from '../../src/cli/interrupt.js';

let emu: RayEmulator;
let sshd: SshWorkers;
let fixture: { repo: string; dispose(): void };
let home: string;

before(async () => {
  // The dashboard listens on the head's loopback only: reachable through the tunnel, as on a real head node.
  emu = await RayEmulator.start();
  sshd = await startSshWorkers({ count: 1 });
  fixture = makeRayRepo('gdnctl-raytunnel-');
  home = mkdtempSync(join(tmpdir(), 'gdnctl-rayhome-'));
});

after(async () => {
  await emu.stop();
  await sshd.dispose();
  fixture.dispose();
  rmSync(home, { recursive: true, force: true });
});

function env(port = sshd.port): NodeJS.ProcessEnv {
  return {
    HOME: home,
    GDNCTL_RAY_CLUSTERS: JSON.stringify({ team: { address: emu.address, sshTunnel: `${sshd.user}@${sshd.hosts[0]}` } }),
    GDNCTL_SSH_PORT: String(port),
    GDNCTL_SSH_KEY_FILE: sshd.keyFile,
    GDNCTL_KNOWN_HOSTS_FILE: join(sshd.dir, 'kh'),
    GDNCTL_SSH_CONNECT_TIMEOUT_SECONDS: '3',
  };
}

function refuses(address: string): Promise<boolean> {
  const u = new URL(address);
  return new Promise((resolve) => {
    const s = createConnection({ host: u.hostname, port: Number(u.port) });
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
}

function tunnelAddress(stderr: string): string {
  const m = /ssh tunnel to \S+: \S+ is (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
  assert.ok(m, stderr);
  return m[1]!;
}

test('--cluster with sshTunnel: the job goes through ssh -N -L, and the tunnel is closed afterwards', async () => {
  const r = await runCli(['ray-test', '--cluster', 'team', '--tests', 'kernels', '--json'], { cwd: fixture.repo, env: env() });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).status, 'SUCCEEDED');
  const local = tunnelAddress(r.stderr);
  assert.notEqual(local, emu.address);
  assert.ok(await refuses(local), 'the tunnel outlived the command');
});

test('the tunnel is closed after an interrupt too; a tunnel that cannot open is exit 4', async () => {
  const interrupt = new Interrupt();
  setTimeout(() => interrupt.fire('SIGHUP'), 1500);
  const r = await runCli(['ray-test', '--cluster', 'team', '--tests', 'kernels', '-e', 'SLEEP=30', '--ray-poll-seconds', '0.2'], { cwd: fixture.repo, env: env(), interrupt });
  assert.equal(r.code, 130, r.stderr);
  assert.ok(await refuses(tunnelAddress(r.stderr)), 'the tunnel outlived the interrupt');
  assert.ok([...emu.jobs.values()].some((j) => j.status === 'STOPPED'));

  const bad = await runCli(['ray-test', '--cluster', 'team', '--tests', 'kernels'], { cwd: fixture.repo, env: env(1) });
  assert.equal(bad.code, 4, bad.stderr);
  assert.match(bad.stderr, /^gdnctl: ssh tunnel to \S+ failed/m);
});
