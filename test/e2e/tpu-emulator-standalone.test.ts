import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { GcpTpuProvider } from '../../src/adapters/tpu/gcp-tpu-provider.js';
import '../fakes/tpu-fixtures.js';

const root = new URL('../..', import.meta.url).pathname;

test('the emulator runs as its own process (for crash tests): the real client creates, /_emulator shows and faults', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/fakes/tpu-emulator.ts'), '--port', '0', '--ready-delay-ms', '20'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [first] = (await once(child.stdout!, 'data')) as [Buffer];
    const { endpoint } = JSON.parse(String(first).split('\n')[0]!) as { endpoint: string };
    const p = await GcpTpuProvider.create({ apiEndpoint: endpoint, accessToken: 't', pollIntervalMs: 20, retries: 0, retryMinMs: 1, internalIp: false });
    const ref = { project: 'p', zone: 'us-east5-a', cluster: 'us-east5-a', name: 'solo' };
    await fetch(`${endpoint}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ capacityZone: 'us-east5-a', count: 1 }) });
    const spec = { ...ref, acceleratorType: 'v5p-8', runtimeVersion: 'v2-alpha-tpuv5', labels: { a: 'b' }, metadata: {} };
    assert.equal((await p.createNode(spec, { readyTimeoutMs: 3000 })).kind, 'capacity');
    assert.equal((await p.createNode(spec, { readyTimeoutMs: 3000 })).kind, 'ready');
    const nodes = (await (await fetch(`${endpoint}/_emulator/nodes`)).json()) as { nodes: Array<{ name: string; state: string; labels: unknown }> };
    assert.deepEqual(nodes.nodes, [{ name: 'projects/p/locations/us-east5-a/nodes/solo', state: 'READY', labels: { a: 'b' }, metadata: {} }]);
    await fetch(`${endpoint}/_emulator/preempt`, { method: 'POST', body: JSON.stringify({ node: 'solo' }) });
    assert.equal((await p.getNode(ref))?.state, 'PREEMPTED');
    await p.close();
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});
