import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sshKeysMetadata } from '../../src/adapters/tpu/tpu-hold-factory.js';
import { UsageError } from '../../src/errors.js';
import type { Config } from '../../src/config/schema.js';

const values = (sshKeyFile: string): Config => ({ sshKeyFile, sshUser: 'alice' }) as unknown as Config;

test('the public key file: a FIFO is refused before it is opened (it would block forever), a regular one is read', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-key-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(spawnSync('mkfifo', [join(dir, 'pipe.pub')]).status, 0);
  assert.throws(() => sshKeysMetadata(values(join(dir, 'pipe')), {}), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.match(e.message, /^public key file .*pipe\.pub is a named pipe \(FIFO\), not a regular file; pass --ssh-key-file/);
    return true;
  });
  writeFileSync(join(dir, 'id.pub'), 'ssh-ed25519 AAAAC3Nz alice@host\n');
  assert.match(sshKeysMetadata(values(join(dir, 'id')), {}), /^[a-z_]+:ssh-ed25519 AAAAC3Nz alice@host$/);
});
