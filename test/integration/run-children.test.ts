import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { ProcRunChildren } from '../../src/adapters/process/run-children.js';
import { firstPidToScan, markedPids, MARKER_VAR } from '../../src/adapters/process/marked-processes.js';
import { processStartTime } from '../../src/adapters/process/liveness.js';
import { isPidDead } from '../helpers/proc.js';
import { trackGroup, untrackGroup } from '../../src/adapters/process/process-group.js';
import { runChildrenContract } from '../contract/run-children-contract.js';

// Hostile suite, issue 13: what a killed run left is ended by pid, group or marker, and nothing else is.

function startGroup(env: NodeJS.ProcessEnv = process.env): number {
  const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore', env });
  child.unref();
  return child.pid!;
}

async function gone(pid: number, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !isPidDead(pid)) await new Promise((r) => setTimeout(r, 25));
  return isPidDead(pid);
}

test('endGroups ends a recorded group, and leaves alone a pid whose start time says it is a stranger now', async (t) => {
  const children = new ProcRunChildren(200);
  const ours = startGroup();
  const stranger = startGroup();
  t.after(() => {
    for (const p of [ours, stranger]) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
  const started = processStartTime(ours);
  assert.ok(started, 'Linux start time');
  // The stranger's pid as a killed run would have recorded it for an earlier process with that pid.
  await children.endGroups([{ pgid: ours, startTime: started! }, { pgid: stranger, startTime: String(Number(processStartTime(stranger)) - 1) }]);
  assert.ok(await gone(ours), 'the recorded group was ended');
  assert.ok(!isPidDead(stranger), 'a reused pid was not touched');
});

test('the marker scan finds exactly the processes started with this marker, and sweep ends them', async (t) => {
  const children = new ProcRunChildren(200);
  const other = new ProcRunChildren(200);
  const marked = startGroup({ ...process.env, ...children.env });
  const prefixed = startGroup({ ...process.env, [MARKER_VAR]: `${children.marker}-not-quite` });
  const foreign = startGroup({ ...process.env, ...other.env });
  t.after(() => {
    for (const p of [marked, prefixed, foreign]) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
  assert.deepEqual(markedPids(children.marker).map((p) => p.pid), [marked]);
  assert.deepEqual(await children.sweep(), [marked]);
  assert.ok(await gone(marked));
  assert.ok(!isPidDead(prefixed) && !isPidDead(foreign), 'only the exact marker is ended');
  assert.deepEqual(await children.sweep(), [], 'nothing left: a second sweep finds nothing');
});

test('after a first scan, the next ones read only newer pids and what they found, and still find every marked process', async (t) => {
  const marker = `gdnctl-test-ranged-${process.pid}-${Date.now()}`;
  const env = { ...process.env, [MARKER_VAR]: marker };
  const started: number[] = [];
  t.after(() => {
    for (const p of started) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
  const early = startGroup(env);
  started.push(early);
  assert.deepEqual(markedPids(marker).map((p) => p.pid), [early], 'the first scan reads every process');
  // Not ended: a process found once is read again whatever its pid, so one that outlives its SIGKILL is not lost.
  assert.deepEqual(markedPids(marker).map((p) => p.pid), [early], 'found again by the next, ranged scan');
  const late = startGroup(env);
  started.push(late);
  const unmarked = startGroup();
  started.push(unmarked);
  assert.deepEqual(markedPids(marker).map((p) => p.pid).sort((a, b) => a - b), [early, late].sort((a, b) => a - b), 'a process started after a scan is in the next one');
  process.kill(early, 'SIGKILL');
  assert.ok(await gone(early));
  assert.deepEqual(markedPids(marker).map((p) => p.pid), [late]);
});

test('firstPidToScan: newer pids only when the cursor proves the pid allocator has not wrapped since', () => {
  const pidMax = 4194304;
  assert.equal(firstPidToScan(undefined, { lastPid: 900, forks: 10 }, pidMax), 0, 'no previous scan: all');
  assert.equal(firstPidToScan({ lastPid: 900, forks: 10 }, undefined, pidMax), 0, 'no cursor now: all');
  assert.equal(firstPidToScan({ lastPid: 900, forks: 10 }, { lastPid: 950, forks: 80 }, undefined), 0, 'no pid_max: all');
  assert.equal(firstPidToScan({ lastPid: 900, forks: 10 }, { lastPid: 950, forks: 80 }, pidMax), 901);
  assert.equal(firstPidToScan({ lastPid: 900, forks: 10 }, { lastPid: 900, forks: 10 }, pidMax), 901, 'nothing started since');
  assert.equal(firstPidToScan({ lastPid: 900, forks: 10 }, { lastPid: 400, forks: 20 }, 32768), 0, 'last pid went down: wrapped');
  // 32768 pids, the previous scan at 30000: 2767 new pids could wrap around to above 30000 again.
  assert.equal(firstPidToScan({ lastPid: 30000, forks: 0 }, { lastPid: 30500, forks: 2766 }, 32768), 0, 'enough forks to have wrapped');
  assert.equal(firstPidToScan({ lastPid: 30000, forks: 0 }, { lastPid: 30500, forks: 2700 }, 32768), 30001);
});

runChildrenContract('ProcRunChildren', async () => {
  const children = new ProcRunChildren(200);
  const started: number[] = [];
  return {
    children,
    start: async (o) => {
      const pid = startGroup({ ...process.env, ...(o.marker ? { [MARKER_VAR]: o.marker } : {}) });
      started.push(pid);
      if (o.tracked) trackGroup(pid);
      return pid;
    },
    isAlive: async (pid) => !(await gone(pid, 300)),
    dispose: async () => {
      for (const p of started) {
        untrackGroup(p);
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // gone
        }
      }
    },
  };
});

test('a sweep after an empty one with no group started since is skipped; a group start makes the next one scan', async (t) => {
  const children = new ProcRunChildren(200);
  assert.deepEqual(await children.sweep(), [], 'the first sweep scans and finds nothing');
  // Started outside the group registry (no trackGroup): the skipped sweep cannot see it, a scan would.
  const untracked = startGroup({ ...process.env, ...children.env });
  t.after(() => {
    try {
      process.kill(untracked, 'SIGKILL');
    } catch {
      // gone
    }
  });
  assert.deepEqual(await children.sweep(), [], 'skipped: nothing started through a group since the last sweep');
  assert.ok(!isPidDead(untracked));
  trackGroup(untracked);
  untrackGroup(untracked);
  assert.deepEqual(await children.sweep(), [untracked], 'a group started since: the sweep scans /proc again');
  assert.ok(await gone(untracked));
  assert.deepEqual(await children.sweep(), [], 'it found one, so the next sweep scans too');
});
