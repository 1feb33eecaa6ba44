/**
 * A scripted OpenAI Responses-API server for driving the real Codex CLI offline.
 *
 * Codex 0.169 (wire_api = "responses") POSTs /v1/responses with `stream: true` and reads SSE. The shapes below
 * were taken from what that binary actually sends and accepts (docs/demo.md, "What was checked against the real
 * binaries"):
 *   response.created → response.output_item.done (function_call | message) … → response.completed {usage}
 * A function_call named `exec_command` with arguments `{"cmd": "…"}` makes codex run `/bin/bash -lc cmd`
 * in the repo; its output comes back in the next request as a `function_call_output` item with the same
 * call_id. codex's turn.completed usage is the sum of the usage of every response in the turn.
 * Several codex processes may share one server at once (codex-loop --parallel K): see `match` in script.ts.
 *
 * Import `startResponsesServer` in tests, or run:
 *   node --import tsx scripts/model-server/responses-server.ts --script FILE [--port N] [--log FILE]
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { execCommands, type ScriptTurn } from './script.js';
import { listenLoopback, sendJson, type RecordedRequest, type ScriptedServer, type ToolResult } from './scripted-http.js';
import { responseUsage, runServerCliIfMain, ScriptState, type ScriptedServerOptions } from './scripted-server.js';

export type ResponsesServerOptions = ScriptedServerOptions;

interface InputItem {
  type?: string;
  call_id?: string;
  output?: unknown;
}

/** `output` is a string, or (newer clients) a list of content parts. */
function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) {
    return output.map((p) => (typeof p === 'object' && p !== null && 'text' in p ? String(p.text) : '')).join('');
  }
  return JSON.stringify(output ?? '');
}

function toolResults(body: unknown): ToolResult[] {
  const input = (body as { input?: unknown } | undefined)?.input;
  if (!Array.isArray(input)) return [];
  return (input as InputItem[])
    .filter((i) => i.type === 'function_call_output' && typeof i.call_id === 'string')
    .map((i) => ({ callId: i.call_id as string, output: outputText(i.output) }));
}

function sse(res: ServerResponse, event: Record<string, unknown> & { type: string }): void {
  res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
}

export async function startResponsesServer(opts: ResponsesServerOptions): Promise<ScriptedServer> {
  const state = new ScriptState(opts.script);
  const model = opts.script.model ?? 'scripted';

  function handle(req: IncomingMessage, rawBody: string, res: ServerResponse): void {
    const rec = state.record(req, rawBody, toolResults);
    const path = rec.path;
    const format = (rec.body as { text?: { format?: { type?: string; schema?: unknown } } } | undefined)?.text?.format;
    if (format?.type === 'json_schema') rec.outputSchema = format.schema;
    try {
      if (req.method === 'GET' && path.endsWith('/models')) {
        rec.reply = { kind: 'models' };
        sendJson(res, 200, { object: 'list', data: [{ id: model, object: 'model', owned_by: 'gdnctl-scripted' }] });
        return;
      }
      if (req.method !== 'POST' || !path.endsWith('/responses')) {
        sendJson(res, 404, { error: { message: `scripted server: no route for ${req.method} ${path}` } });
        return;
      }
      const step = state.advance(rec);
      if ('violation' in step) {
        sendJson(res, 409, { error: { message: `scripted model server: ${step.violation}`, type: 'invalid_request_error' } });
        return;
      }
      play(step.play, rec, rawBody, res);
    } finally {
      if (rec.reply.kind !== 'stall') opts.onRequest?.(rec);
    }
  }

  function play(turn: ScriptTurn, rec: RecordedRequest, rawBody: string, res: ServerResponse): void {
    const responseId = `resp_${rec.seq}`;
    if ('error' in turn) {
      rec.reply = { kind: 'error', detail: `${turn.error.status} ${turn.error.message}` };
      const { message, type, code, resetsAt, resetsInSeconds, retryAfterSeconds } = turn.error;
      const resets = { ...(resetsAt !== undefined ? { resets_at: resetsAt } : {}), ...(resetsInSeconds !== undefined ? { resets_in_seconds: resetsInSeconds } : {}) };
      const headers: Record<string, string> = retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {};
      sendJson(res, turn.error.status, { error: { message, type: type ?? 'invalid_request_error', ...(code ? { code } : {}), ...resets } }, headers);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    sse(res, { type: 'response.created', response: { id: responseId, object: 'response', status: 'in_progress', model } });
    if ('disconnect' in turn) {
      rec.reply = { kind: 'error', detail: 'disconnect' };
      res.socket?.destroy();
      return;
    }
    if ('failed' in turn) {
      rec.reply = { kind: 'error', detail: `failed ${turn.failed.code}` };
      sse(res, { type: 'response.failed', response: { id: responseId, object: 'response', status: 'failed', model, error: turn.failed } });
      res.end();
      return;
    }
    if ('stall' in turn) {
      // Leave the stream open with no further events: codex waits (until its own stream idle timeout), which
      // is how a hung model looks to the agent runner's idle/wall timeouts.
      rec.reply = { kind: 'stall' };
      opts.onRequest?.(rec);
      return;
    }
    const items: Record<string, unknown>[] = [];
    const cmds = execCommands(turn);
    if (cmds) {
      const ids = state.sendCalls(rec, cmds, (i) => `call_${rec.seq}_${i + 1}`);
      cmds.forEach((cmd, i) => {
        const args: Record<string, unknown> = { cmd };
        if ('yieldTimeMs' in turn && turn.yieldTimeMs !== undefined) args.yield_time_ms = turn.yieldTimeMs;
        items.push({ type: 'function_call', id: `fc_${rec.seq}_${i + 1}`, status: 'completed', call_id: ids[i], name: 'exec_command', arguments: JSON.stringify(args) });
      });
    } else if ('message' in turn) {
      items.push({
        type: 'message',
        id: `msg_${rec.seq}`,
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: turn.message, annotations: [] }],
      });
      rec.reply = { kind: 'message' };
    }
    items.forEach((item, i) => sse(res, { type: 'response.output_item.done', output_index: i, item }));
    const usage = 'usage' in turn ? turn.usage : undefined;
    rec.usage = responseUsage(usage, rawBody, items);
    const { input: inputTokens, cached: cachedTokens, output: outputTokens } = rec.usage;
    sse(res, {
      type: 'response.completed',
      response: {
        id: responseId,
        object: 'response',
        status: 'completed',
        model,
        usage: {
          input_tokens: inputTokens,
          input_tokens_details: { cached_tokens: cachedTokens },
          output_tokens: outputTokens,
          output_tokens_details: { reasoning_tokens: usage?.reasoning ?? 0 },
          total_tokens: inputTokens + outputTokens,
        },
      },
    });
    res.end();
  }

  const listener = await listenLoopback(handle, { port: opts.port, host: opts.host });
  return state.server(`http://${listener.host}:${listener.port}/v1`, listener);
}

runServerCliIfMain(import.meta.url, {
  name: 'responses-server',
  logOption: true,
  start: startResponsesServer,
  banner: (url, scriptFile) => `scripted Responses API server (the model is a script: ${scriptFile}) on ${url}`,
});
