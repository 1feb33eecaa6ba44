import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sshSetupRunner } from '../../src/adapters/remote/setup-runner.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { silentLogger } from '../../src/log.js';
import type { TpuNode } from '../../src/ports/tpu.js';
import { startSshWorkers, type SshWorkers } from '../helpers/sshd.js';

let workers: SshWorkers;
let repo: string;
const remoteDir = `/tmp/gdnctl-setup-${process.pid}`;

before(async () => {
  workers = await startSshWorkers({ count: 2 });
  repo = mkdtempSync(join(tmpdir(), 'gdnctl-setup-repo-'));
  execFileSync('git', ['init', '-q'], { cwd: repo });
  writeFileSync(join(repo, 'pyproject.toml'), '[project]\nname = "x"\n');
});
after(async () => {
  await workers.dispose();
  rmSync(repo, { recursive: true, force: true });
  rmSync(remoteDir, { recursive: true, force: true });
});

test('the TPU hold setup hook syncs the repo and runs the command in it on every worker', async () => {
  const env = { USER: 'root', HOME: process.env.HOME };
  const values = resolveConfig({
    command: 'dev-tpu-test',
    flags: {
      sshUser: 'root', sshPort: workers.port, sshKeyFile: workers.keyFile, knownHostsFile: join(workers.dir, 'kh'),
      sshRetries: 1, remoteDir,
    },
    env,
    cwd: repo,
  }).values;
  const node = { workers: workers.hosts.map((host, index) => ({ index, host })) } as unknown as TpuNode;
  const run = sshSetupRunner(values, env, repo, await silentLogger());
  const ok = await run(node, 'test -f pyproject.toml && echo "$SSH_CONNECTION" >> setup.log');
  assert.deepEqual(ok, { ok: true, detail: 'w0: exit 0, w1: exit 0' });
  assert.equal(readFileSync(join(remoteDir, 'setup.log'), 'utf8').trim().split('\n').length, 2);
  const bad = await run(node, 'exit 3');
  assert.equal(bad.ok, false);
  assert.equal(bad.detail, 'w0: exit 3, w1: exit 3');
});
