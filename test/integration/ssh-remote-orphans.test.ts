import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { SshRemote } from '../../src/adapters/remote/ssh-remote.js';
import { trackedGroups } from '../../src/adapters/process/process-group.js';
import { ROOT } from '../helpers/loop-harness.js';
import { startSshWorkers, type SshWorkers } from '../helpers/sshd.js';

// Crash suite, issue 13: a remote command must end when its ssh dies, however it dies (SIGKILL of the local
// ssh, of gdnctl itself), with or without a shared ControlMaster, even when the command shrugs off SIGTERM.

let workers: SshWorkers;
const cleanups: Array<() => Promise<void> | void> = [];
before(async () => {
  workers = await startSshWorkers({ count: 1 });
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await workers.dispose();
});

function settings(controlPersistS: number): ConstructorParameters<typeof SshRemote>[0] {
  return {
    user: workers.user, port: workers.port, keyFile: workers.keyFile, knownHostsFile: join(workers.dir, 'known_hosts'),
    connectTimeoutS: 3, retries: 0, retrySleepMs: 0, serverAliveIntervalS: 5, controlPersistS,
  };
}

function alive(tag: string): boolean {
  try {
    execFileSync('pgrep', ['-f', tag]);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(pred: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return pred();
}

const uniqueTag = (what: string): string => `gdnctl-orphan-${what}-${process.pid}-${Date.now()}`;

describe('remote commands end when their ssh dies', () => {
  for (const controlPersistS of [0, 60]) {
    test(`SIGKILL of the local ssh (ControlMaster ${controlPersistS ? 'on' : 'off'}): the remote command is gone within 5 s`, async () => {
      const r = new SshRemote(settings(controlPersistS));
      cleanups.push(() => r.close());
      const tag = uniqueTag(`ssh-${controlPersistS}`);
      const running = r.runOne({ index: 0, host: workers.hosts[0]! }, `echo started; exec -a ${tag} sleep 60`);
      assert.ok(await waitFor(() => alive(tag), 10_000), 'remote command never started');
      // The ssh runs in its own process group, recorded with the run's children.
      const groups = trackedGroups();
      assert.equal(groups.length, 1, JSON.stringify(groups));
      process.kill(groups[0]!.pgid, 'SIGKILL');
      await running;
      assert.ok(await waitFor(() => !alive(tag), 5000), 'remote command survived its ssh');
    });
  }

  test('a member that ignores SIGTERM is SIGKILLed even when its leader died of the TERM', async () => {
    const r = new SshRemote(settings(0));
    cleanups.push(() => r.close());
    const tag = uniqueTag('stubborn');
    // The leader (the command's subshell) dies of the TERM; its child ignores it.
    const cmd = `echo started; (trap "" TERM; exec -a ${tag} sleep 60) & wait`;
    const running = r.runOne({ index: 0, host: workers.hosts[0]! }, cmd);
    assert.ok(await waitFor(() => alive(tag), 10_000), 'remote command never started');
    process.kill(trackedGroups()[0]!.pgid, 'SIGKILL');
    await running;
    assert.ok(await waitFor(() => !alive(tag), 9000), 'the TERM-proof member survived');
  });

  for (const controlPersistS of [0, 60]) {
    test(`SIGKILL of gdnctl itself (ControlMaster ${controlPersistS ? 'on' : 'off'}): the remote command is gone within 5 s`, async () => {
      const tag = uniqueTag(`gdnctl-${controlPersistS}`);
      const arg = JSON.stringify({ settings: settings(controlPersistS), host: workers.hosts[0], command: `echo started; exec -a ${tag} sleep 60` });
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'helpers', 'ssh-run-child.ts'), arg], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      cleanups.push(() => void child.kill('SIGKILL'));
      let out = '';
      child.stdout.on('data', (d) => (out += String(d)));
      assert.ok(await waitFor(() => out.includes('remote started'), 15_000), 'remote command never started');
      assert.ok(alive(tag));
      child.kill('SIGKILL');
      assert.ok(await waitFor(() => !alive(tag), 5000), 'remote command survived a SIGKILLed gdnctl');
    });
  }
});
