/**
 * A scripted Anthropic Messages-API server for driving the real Claude Code CLI (`claude -p`) offline,
 * reached through ANTHROPIC_BASE_URL=http://127.0.0.1:PORT (+ ANTHROPIC_API_KEY=dummy). It plays the same
 * YAML script as responses-server.ts: an `exec` turn becomes `Bash` tool_use blocks.
 *
 * What Claude Code 2.1.197 does against it (seen from its real requests):
 *  - `HEAD /` connectivity probes before the first request;
 *  - side requests without the Bash tool (e.g. "generate a session title"), which must not consume script turns:
 *    they get a one-line text answer;
 *  - the agent loop: POST /v1/messages?beta=true, stream: true, SSE events message_start → content_block_start /
 *    content_block_delta (input_json_delta | text_delta) / content_block_stop → message_delta {stop_reason, usage}
 *    → message_stop; tool results come back as `tool_result` blocks with the `tool_use_id`.
 *
 *   node --import tsx scripts/model-server/messages-server.ts --script FILE [--port N]
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { execCommands, type ScriptTurn } from './script.js';
import { listenLoopback, sendJson, type RecordedRequest, type ScriptedServer, type ToolResult } from './scripted-http.js';
import { responseUsage, runServerCliIfMain, ScriptState, type ScriptedServerOptions } from './scripted-server.js';

export type MessagesServerOptions = ScriptedServerOptions;

interface Block {
  type?: string;
  tool_use_id?: string;
  content?: unknown;
  text?: string;
}

interface MessagesBody {
  model?: string;
  tools?: Array<{ name?: string }>;
  messages?: Array<{ role?: string; content?: unknown }>;
}

function blockText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return (content as Block[]).map((b) => (typeof b.text === 'string' ? b.text : '')).join('');
  return '';
}

/** Tool results anywhere in the last user message (Claude Code sends the whole history each time). */
function toolResults(body: unknown): ToolResult[] {
  const last = (body as MessagesBody | undefined)?.messages?.at(-1);
  if (!last || last.role !== 'user' || !Array.isArray(last.content)) return [];
  return (last.content as Block[])
    .filter((b) => b.type === 'tool_result' && typeof b.tool_use_id === 'string')
    .map((b) => ({ callId: b.tool_use_id as string, output: blockText(b.content) }));
}

function sse(res: ServerResponse, type: string, data: Record<string, unknown>): void {
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}

export async function startMessagesServer(opts: MessagesServerOptions): Promise<ScriptedServer> {
  const state = new ScriptState(opts.script);

  function handle(req: IncomingMessage, rawBody: string, res: ServerResponse): void {
    const rec = state.record(req, rawBody, toolResults);
    const body = rec.body as MessagesBody | undefined;
    const path = rec.path;
    if (req.method === 'HEAD' || (req.method === 'GET' && path === '/')) {
      rec.reply = { kind: 'probe' };
      res.writeHead(200).end();
      return;
    }
    if (req.method !== 'POST' || !path.endsWith('/messages')) {
      sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: `scripted server: no route for ${req.method} ${path}` } });
      return;
    }
    const model = body?.model ?? opts.script.model ?? 'scripted';
    if (!(body?.tools ?? []).some((t) => t.name === 'Bash')) {
      // A side request (session title, summaries): answer it without touching the script.
      rec.reply = { kind: 'side' };
      stream(res, rec, model, [{ type: 'text', text: 'Scripted session' }], 'end_turn', rawBody, undefined);
      opts.onRequest?.(rec);
      return;
    }
    const step = state.advance(rec);
    if ('violation' in step) {
      sendJson(res, 409, { type: 'error', error: { type: 'invalid_request_error', message: `scripted model server: ${step.violation}` } });
    } else {
      play(step.play, step.turn, rec, model, rawBody, res);
    }
    if (rec.reply.kind !== 'stall') opts.onRequest?.(rec);
  }

  function play(turn: ScriptTurn, turnIdx: number, rec: RecordedRequest, model: string, rawBody: string, res: ServerResponse): void {
    if ('error' in turn) {
      rec.reply = { kind: 'error', detail: `${turn.error.status} ${turn.error.message}` };
      const retryAfter = turn.error.retryAfterSeconds;
      sendJson(res, turn.error.status, { type: 'error', error: { type: turn.error.type ?? 'invalid_request_error', message: turn.error.message } }, retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {});
      return;
    }
    if ('disconnect' in turn || 'failed' in turn) {
      rec.reply = { kind: 'error', detail: 'disconnect' in turn ? 'disconnect' : `failed ${turn.failed.code}` };
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      sse(res, 'message_start', { message: messageShell(rec, model, 0) });
      if ('disconnect' in turn) res.socket?.destroy();
      else {
        // The Messages API fails a started stream with an `error` event (e.g. overloaded_error).
        sse(res, 'error', { error: { type: turn.failed.code, message: turn.failed.message } });
        res.end();
      }
      return;
    }
    if ('stall' in turn) {
      rec.reply = { kind: 'stall' };
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      sse(res, 'message_start', { message: messageShell(rec, model, 0) });
      opts.onRequest?.(rec);
      return;
    }
    const cmds = execCommands(turn);
    const usage = 'usage' in turn ? turn.usage : undefined;
    if (cmds) {
      const ids = state.sendCalls(rec, cmds, (i) => `toolu_${rec.seq}_${i + 1}`);
      const timeout = 'yieldTimeMs' in turn ? turn.yieldTimeMs : undefined;
      const blocks = cmds.map((cmd, i) => ({
        type: 'tool_use',
        id: ids[i],
        name: 'Bash',
        input: { command: cmd, description: `scripted step ${turnIdx + 1}`, ...(timeout ? { timeout } : {}) },
      }));
      stream(res, rec, model, blocks, 'tool_use', rawBody, usage);
    } else if ('message' in turn) {
      rec.reply = { kind: 'message' };
      stream(res, rec, model, [{ type: 'text', text: turn.message }], 'end_turn', rawBody, usage);
    }
  }

  function messageShell(rec: RecordedRequest, model: string, inputTokens: number, cached = 0): Record<string, unknown> {
    return {
      id: `msg_${rec.seq}`,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: cached },
    };
  }

  function stream(
    res: ServerResponse,
    rec: RecordedRequest,
    model: string,
    blocks: Array<Record<string, unknown>>,
    stopReason: 'tool_use' | 'end_turn',
    rawBody: string,
    usage: { input?: number; cached?: number; output?: number } | undefined,
  ): void {
    const { input, cached, output } = responseUsage(usage, rawBody, blocks);
    if (rec.reply.kind !== 'side') rec.usage = { input, cached, output };
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    sse(res, 'message_start', { message: messageShell(rec, model, input, cached) });
    blocks.forEach((block, index) => {
      if (block.type === 'tool_use') {
        sse(res, 'content_block_start', { index, content_block: { ...block, input: {} } });
        sse(res, 'content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
      } else {
        sse(res, 'content_block_start', { index, content_block: { type: 'text', text: '' } });
        sse(res, 'content_block_delta', { index, delta: { type: 'text_delta', text: String(block.text) } });
      }
      sse(res, 'content_block_stop', { index });
    });
    sse(res, 'message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: output } });
    sse(res, 'message_stop', {});
    res.end();
  }

  const listener = await listenLoopback(handle, { port: opts.port, host: opts.host });
  // Claude Code appends /v1/messages itself, so its base URL has no /v1.
  return state.server(`http://${listener.host}:${listener.port}`, listener);
}

runServerCliIfMain(import.meta.url, {
  name: 'messages-server',
  start: startMessagesServer,
  banner: (url, scriptFile) => `scripted Messages API server (the model is a script: ${scriptFile}); ANTHROPIC_BASE_URL=${url}`,
});
