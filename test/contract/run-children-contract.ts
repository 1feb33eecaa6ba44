/**
 * The RunChildren contract, run against FakeRunChildren (test/unit) and ProcRunChildren with real processes
 * (test/integration/run-children.test.ts), so the session's unit tests rely on what the adapter does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunChildren } from '../../src/ports/children.js';

export interface ChildrenHarness {
  children: RunChildren;
  /** Start a process in its own group; tracked: started by this process's runners (else: left by another). */
  start(opts: { marker?: string; tracked?: boolean }): Promise<number>;
  isAlive(pid: number): Promise<boolean>;
  dispose(): Promise<void>;
}

export function runChildrenContract(name: string, make: () => Promise<ChildrenHarness>): void {
  test(`${name}: a tracked start is announced and listed with its start time`, async () => {
    const h = await make();
    try {
      let announced = 0;
      const stop = h.children.onStart(() => announced++);
      const pid = await h.start({ tracked: true });
      stop();
      assert.ok(announced >= 1);
      const g = h.children.running().find((x) => x.pgid === pid);
      assert.ok(g && typeof g.startTime === 'string', JSON.stringify(h.children.running()));
      await h.children.endGroups([g]);
      assert.equal(await h.isAlive(pid), false, 'endGroups ended it');
    } finally {
      await h.dispose();
    }
  });

  test(`${name}: endGroups skips a group whose leader's start time differs`, async () => {
    const h = await make();
    try {
      const pid = await h.start({ tracked: false });
      await h.children.endGroups([{ pgid: pid, startTime: '1' }]);
      assert.equal(await h.isAlive(pid), true);
    } finally {
      await h.dispose();
    }
  });

  test(`${name}: sweep ends exactly the processes started with the marker, own by default`, async () => {
    const h = await make();
    try {
      const own = await h.start({ marker: h.children.marker, tracked: false });
      const old = await h.start({ marker: 'an-older-process-marker', tracked: false });
      const none = await h.start({ tracked: false });
      assert.deepEqual(await h.children.sweep(), [own]);
      assert.equal(await h.isAlive(own), false);
      assert.equal(await h.isAlive(old), true);
      assert.deepEqual(await h.children.sweep('an-older-process-marker'), [old]);
      assert.equal(await h.isAlive(none), true, 'an unmarked process is never swept');
      assert.deepEqual(await h.children.sweep(), []);
    } finally {
      await h.dispose();
    }
  });
}
