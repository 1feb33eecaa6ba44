import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMessagesServer } from '../../scripts/model-server/messages-server.js';
import { parseModelScript } from '../../scripts/model-server/script.js';

const script = parseModelScript(`
sessions:
  - turns:
      - exec: "git commit -qm x && git rev-parse HEAD"
      - message: "done"
`);

async function post(base: string, body: unknown): Promise<{ status: number; events: Array<Record<string, unknown>> }> {
  const res = await fetch(`${base}/v1/messages?beta=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  const events = text
    .split('\n\n')
    .filter((b) => b.startsWith('event: '))
    .map((b) => JSON.parse(/^data: (.*)$/m.exec(b)?.[1] ?? '{}') as Record<string, unknown>);
  return { status: res.status, events };
}

const bash = [{ name: 'Bash' }, { name: 'Read' }];
const user = { role: 'user', content: [{ type: 'text', text: 'go' }] };

test('Bash tool_use streamed as content blocks; side requests do not consume the script; HEAD probes answered', async (t) => {
  const srv = await startMessagesServer({ script });
  t.after(() => srv.close());
  assert.equal((await fetch(`${srv.url}/`, { method: 'HEAD' })).status, 200);

  const title = await post(srv.url, { model: 'm', tools: [], messages: [user], stream: true });
  assert.equal(title.status, 200);
  assert.equal(srv.requests.at(-1)?.reply.kind, 'side');

  const r1 = await post(srv.url, { model: 'm', tools: bash, messages: [user], stream: true });
  assert.deepEqual(r1.events.map((e) => e.type), [
    'message_start',
    'content_block_start',
    'content_block_delta',
    'content_block_stop',
    'message_delta',
    'message_stop',
  ]);
  const start = r1.events[1]?.content_block as { type: string; id: string; name: string };
  assert.deepEqual([start.type, start.name], ['tool_use', 'Bash']);
  const delta = r1.events[2]?.delta as { type: string; partial_json: string };
  assert.equal(delta.type, 'input_json_delta');
  assert.equal((JSON.parse(delta.partial_json) as { command: string }).command, 'git commit -qm x && git rev-parse HEAD');
  assert.deepEqual((r1.events[4]?.delta as { stop_reason: string }).stop_reason, 'tool_use');

  const r2 = await post(srv.url, {
    model: 'm',
    tools: bash,
    stream: true,
    messages: [
      user,
      { role: 'assistant', content: [{ type: 'tool_use', id: start.id, name: 'Bash', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: start.id, content: 'abc123', is_error: false }] },
    ],
  });
  assert.equal((r2.events[2]?.delta as { text: string }).text, 'done');
  assert.equal((r2.events[4]?.delta as { stop_reason: string }).stop_reason, 'end_turn');
  assert.deepEqual(srv.calls.map((c) => c.output), ['abc123']);
  assert.deepEqual(srv.violations, []);
  assert.deepEqual(srv.requests.map((r) => r.reply.kind), ['probe', 'side', 'calls', 'message']);
});
