/**
 * How the scripted Responses server routes concurrent agent runs (scripts/model-server/script.ts): a new run
 * claims the session whose `match` is in its user messages, a continuation goes to the session whose calls it
 * answers, and unmatched sessions keep their one-at-a-time behaviour (a new run abandons the killed one's calls).
 * Plain HTTP, in the order a slow and a fast codex would interleave; codex-parallel.test.ts drives real codex.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startResponsesServer } from '../../scripts/model-server/responses-server.js';
import { parseModelScript } from '../../scripts/model-server/script.js';

interface Reply {
  status: number;
  callIds: string[];
  message?: string;
}

const user = (text: string): unknown => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const developer = (text: string): unknown => ({ type: 'message', role: 'developer', content: [{ type: 'input_text', text }] });
const outputs = (ids: string[]): unknown[] => ids.map((id) => ({ type: 'function_call_output', call_id: id, output: `out ${id}` }));

async function post(url: string, input: unknown[]): Promise<Reply> {
  const res = await fetch(`${url}/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', stream: true, input }) });
  const text = await res.text();
  const items = text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)) as { type: string; item?: { type: string; call_id?: string; content?: Array<{ text: string }> } })
    .filter((e) => e.type === 'response.output_item.done')
    .map((e) => e.item!);
  const message = items.find((i) => i.type === 'message')?.content?.[0]?.text;
  return { status: res.status, callIds: items.flatMap((i) => (i.call_id ? [i.call_id] : [])), ...(message !== undefined ? { message } : {}) };
}

const script = parseModelScript(`
sessions:
  - name: c1
    match: "you are candidate 1 of 2"
    turns: [{ exec: "echo c1 a" }, { exec: "echo c1 b" }, { message: "c1 done" }]
  - name: c2
    match: "you are candidate 2 of 2"
    turns: [{ exec: "echo c2 a" }, { message: "c2 done" }]
  - name: plain-1
    turns: [{ exec: "echo p1" }, { message: "p1 done" }]
  - name: plain-2
    turns: [{ message: "p2 done" }]
`);

test('interleaved runs each follow their own session; unmatched ones stay one at a time', async (t) => {
  const srv = await startResponsesServer({ script });
  t.after(() => srv.close());
  const p2 = [user('task. you are candidate 2 of 2; your direction: x')];
  const p1 = [user('task. you are candidate 1 of 2; your direction: y')];

  // c2 starts first although c1 is listed first; then c1; then a run that names no slot.
  const c2a = await post(srv.url, p2);
  const c1a = await post(srv.url, p1);
  // The slot text in a developer message is not the run's prompt: this run takes the first unmatched session.
  const plainA = await post(srv.url, [developer('you are candidate 1 of 2'), user('go')]);
  assert.deepEqual([c2a.status, c1a.status, plainA.status], [200, 200, 200]);
  assert.deepEqual(srv.requests.map((r) => r.session), [1, 0, 2]);

  // Continuations in another order again; each carries the whole history, as codex sends it.
  const c1b = await post(srv.url, [...p1, ...outputs(c1a.callIds)]);
  const c2done = await post(srv.url, [...p2, ...outputs(c2a.callIds)]);
  const c1done = await post(srv.url, [...p1, ...outputs([...c1a.callIds, ...c1b.callIds])]);
  assert.equal(c2done.message, 'c2 done');
  assert.equal(c1done.message, 'c1 done');
  assert.deepEqual(srv.requests.map((r) => [r.session, r.turn]), [[1, 0], [0, 0], [2, 0], [0, 1], [1, 1], [0, 2]]);

  // A second unmatched run: the first one (its call unanswered) counts as killed, the matched ones do not.
  const plainB = await post(srv.url, [user('go')]);
  assert.equal(plainB.message, 'p2 done');
  assert.deepEqual(srv.calls.filter((c) => c.abandoned).map((c) => c.cmd), ['echo p1']);
  assert.ok(srv.calls.filter((c) => c.session < 2).every((c) => c.output !== undefined && !c.abandoned));
  assert.deepEqual(srv.violations, []);
});

test('a matched run still mid-session is not abandoned by an unmatched one; a run no session fits is a violation', async (t) => {
  const srv = await startResponsesServer({ script });
  t.after(() => srv.close());
  const p1 = [user('you are candidate 1 of 2')];
  const c1a = await post(srv.url, p1);
  const plain = await post(srv.url, [user('go')]);
  await post(srv.url, [user('go again')]); // plain-2: plain-1's call is abandoned, c1's is not
  const c1b = await post(srv.url, [...p1, ...outputs(c1a.callIds)]);
  assert.equal(c1b.status, 200);
  assert.deepEqual(srv.calls.map((c) => [c.cmd, Boolean(c.abandoned)]), [['echo c1 a', false], ['echo p1', true], ['echo c1 b', false]]);
  assert.equal(plain.callIds.length, 1);

  // Every unmatched session is played and c2's text is not in this prompt: loud, naming what is still open.
  const none = await post(srv.url, [user('you are candidate 3 of 2')]);
  assert.equal(none.status, 409);
  assert.match(srv.violations.at(-1) ?? '', /no session left for this run \(3 of 4 played; its prompt contains none of "you are candidate 2 of 2"\)/);
  // Answering a call nobody waits for any more (plain-1 was abandoned) is a violation too.
  const stale = await post(srv.url, [user('go'), ...outputs(plain.callIds)]);
  assert.equal(stale.status, 409);
  assert.match(srv.violations.at(-1) ?? '', /but the script waits for call_/);
});
