import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startResponsesServer } from '../../scripts/model-server/responses-server.js';
import { parseModelScript } from '../../scripts/model-server/script.js';

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

async function post(url: string, body: unknown): Promise<{ status: number; events: SseEvent[]; json?: unknown }> {
  const res = await fetch(`${url}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    return { status: res.status, events: [], json: JSON.parse(text) as unknown };
  }
  const events = text
    .split('\n\n')
    .filter((b) => b.trim().length > 0)
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? '';
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? '{}') as Record<string, unknown>;
      return { event, data };
    });
  return { status: res.status, events };
}

const fresh = { model: 'm', stream: true, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'go' }] }] };
const answer = (...ids: string[]): unknown => ({
  model: 'm',
  stream: true,
  input: [...fresh.input, ...ids.map((id) => ({ type: 'function_call_output', call_id: id, output: `out of ${id}` }))],
});

const script = parseModelScript(`
model: scripted-test
sessions:
  - name: one
    turns:
      - exec: ["echo a", "echo b"]
        usage: { input: 100, cached: 40, output: 7 }
      - message: "done one"
  - name: two
    turns:
      - error: { status: 400, message: "nope" }
`);

test('plays tool calls, waits for every call id, then the final message; records all of it', async (t) => {
  const srv = await startResponsesServer({ script });
  t.after(() => srv.close());

  const r1 = await post(srv.url, fresh);
  assert.equal(r1.status, 200);
  assert.deepEqual(
    r1.events.map((e) => e.event),
    ['response.created', 'response.output_item.done', 'response.output_item.done', 'response.completed'],
  );
  for (const e of r1.events) assert.equal(e.data.type, e.event, 'data.type repeats the event name');
  const items = r1.events.filter((e) => e.event === 'response.output_item.done').map((e) => e.data.item as Record<string, string>);
  assert.deepEqual(items.map((i) => [i.type, i.name, JSON.parse(i.arguments ?? '{}').cmd]), [
    ['function_call', 'exec_command', 'echo a'],
    ['function_call', 'exec_command', 'echo b'],
  ]);
  const completed = r1.events.at(-1)?.data.response as { usage: Record<string, unknown> };
  assert.deepEqual(completed.usage, {
    input_tokens: 100,
    input_tokens_details: { cached_tokens: 40 },
    output_tokens: 7,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 107,
  });

  const [a, b] = items.map((i) => i.call_id as string);
  // Only one of the two results: the script must not advance.
  const partial = await post(srv.url, answer(a!));
  assert.equal(partial.status, 409);
  assert.match(String((partial.json as { error: { message: string } }).error.message), /waits for/);
  assert.equal(srv.violations.length, 1);

  const r2 = await post(srv.url, answer(a!, b!));
  const msg = r2.events.find((e) => e.event === 'response.output_item.done')?.data.item as Record<string, unknown>;
  assert.equal(msg.type, 'message');
  assert.deepEqual(msg.content, [{ type: 'output_text', text: 'done one', annotations: [] }]);
  const usage = (r2.events.at(-1)?.data.response as { usage: { input_tokens: number } }).usage;
  assert.ok(usage.input_tokens > 0, 'default usage is derived from the request size');

  assert.deepEqual(
    srv.calls.map((c) => [c.cmd, c.output, c.session, c.turn]),
    [
      ['echo a', `out of ${a}`, 0, 0],
      ['echo b', `out of ${b}`, 0, 0],
    ],
  );
  assert.deepEqual(srv.requests.map((r) => r.reply.kind), ['calls', 'violation', 'message']);
  assert.deepEqual(srv.requests[2]?.toolResults.map((r) => r.callId), [a, b]);
});

test('a fresh request starts the next session; error turns answer with their status; exhaustion is a violation', async (t) => {
  const srv = await startResponsesServer({ script });
  t.after(() => srv.close());
  await post(srv.url, fresh); // session one, calls left unanswered (a killed agent run)
  const err = await post(srv.url, fresh);
  assert.equal(err.status, 400);
  assert.deepEqual(err.json, { error: { message: 'nope', type: 'invalid_request_error' } });
  assert.ok(srv.calls.every((c) => c.abandoned === true), 'calls of the killed run are marked abandoned');
  const over = await post(srv.url, fresh);
  assert.equal(over.status, 409);
  assert.match(srv.violations.at(-1) ?? '', /script exhausted: all 2 sessions/);
});

test('GET /v1/models lists the scripted model; unknown routes are 404 and recorded', async (t) => {
  const srv = await startResponsesServer({ script });
  t.after(() => srv.close());
  const models = (await (await fetch(`${srv.url}/models`)).json()) as { data: Array<{ id: string }> };
  assert.deepEqual(models.data.map((m) => m.id), ['scripted-test']);
  assert.equal((await fetch(`${srv.url}/chat/completions`, { method: 'POST', body: '{}' })).status, 404);
  assert.deepEqual(srv.requests.map((r) => [r.method, r.path, r.reply.kind]), [
    ['GET', '/v1/models', 'models'],
    ['POST', '/v1/chat/completions', 'not-found'],
  ]);
});

test('a stall turn holds the stream open after response.created, and close() still returns', async () => {
  const srv = await startResponsesServer({ script: parseModelScript('sessions: [{ turns: [{ stall: true }] }]') });
  const res = await fetch(`${srv.url}/responses`, { method: 'POST', body: JSON.stringify(fresh) });
  const reader = res.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  assert.match(first, /^event: response\.created/);
  const more = Promise.race([reader.read().then(() => 'data'), new Promise((r) => setTimeout(() => r('silent'), 200))]);
  assert.equal(await more, 'silent');
  await srv.close();
  assert.equal(srv.requests[0]?.reply.kind, 'stall');
});

test('yieldTimeMs becomes exec_command yield_time_ms (long commands finish inside one call)', async (t) => {
  const srv = await startResponsesServer({ script: parseModelScript('sessions: [{ turns: [{ exec: "sleep 20", yieldTimeMs: 60000 }] }]') });
  t.after(() => srv.close());
  const r = await post(srv.url, fresh);
  const item = r.events.find((e) => e.event === 'response.output_item.done')?.data.item as { arguments: string };
  assert.deepEqual(JSON.parse(item.arguments), { cmd: 'sleep 20', yield_time_ms: 60000 });
});

test('script errors name the place and the fix', () => {
  assert.throws(() => parseModelScript('sessions: []', 's.yaml'), /s\.yaml: sessions: .*script\.ts/);
  assert.throws(() => parseModelScript('sessions: [{ turns: [{ exec: "x", mesage: "y" }] }]', 's.yaml'), /s\.yaml: sessions\.0\.turns\.0/);
  assert.throws(() => parseModelScript('sessions: [', 's.yaml'), /not valid YAML/);
});

test('runnable: --script FILE --port 0 prints its URL, serves, and exits 0 on SIGTERM; a bad script exits 2', async (t) => {
  const serverTs = fileURLToPath(new URL('../../scripts/model-server/responses-server.ts', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'gdnctl-ms-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const good = join(dir, 'good.yaml');
  writeFileSync(good, 'model: cli-model\nsessions: [{ turns: [{ message: "hi" }] }]\n');
  const child = spawn(process.execPath, ['--import', 'tsx', serverTs, '--script', good, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  const models = (await (await fetch(`${url}/models`)).json()) as { data: Array<{ id: string }> };
  assert.equal(models.data[0]?.id, 'cli-model');
  child.kill('SIGTERM');
  assert.equal(await new Promise((r) => child.on('exit', r)), 0);

  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'sessions: [{ turns: [{ exec: 1 }] }]\n');
  const r = spawnSync(process.execPath, ['--import', 'tsx', serverTs, '--script', bad], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr.trim(), /^responses-server: .*bad\.yaml: sessions\.0\.turns\.0/);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
});
