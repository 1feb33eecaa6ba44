import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted Anthropic Messages API server on 127.0.0.1 for Claude Code tests (reached via ANTHROPIC_BASE_URL).
 * Each main request (one that offers tools) plays the next turn: a Bash tool call, a final text, or an HTTP
 * error. Side requests Claude Code makes without tools (titles, checks) get a short text and do not advance.
 */
export type MessagesTurn = { bash: string } | { text: string } | { status: number; error: string };

export interface RecordedRequest {
  url: string;
  body: Record<string, unknown>;
}

export interface MessagesApiServer {
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => resolve(body));
  });
}

export async function startMessagesApiServer(script: MessagesTurn[]): Promise<MessagesApiServer> {
  const requests: RecordedRequest[] = [];
  let turn = 0;
  const server: Server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      if (!req.url?.startsWith('/v1/messages') || req.url.includes('count_tokens')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ input_tokens: 10 }));
        return;
      }
      const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
      requests.push({ url: req.url, body });
      const main = Array.isArray(body.tools) && body.tools.length > 0;
      const step: MessagesTurn = main ? (script[Math.min(turn++, script.length - 1)] ?? { text: 'done' }) : { text: 'ok' };
      if ('status' in step) {
        res.writeHead(step.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: step.error } }));
        return;
      }
      const usage = { input_tokens: 100, cache_read_input_tokens: 20, cache_creation_input_tokens: 5, output_tokens: 1 };
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        const text = 'text' in step ? step.text : 'ok';
        res.end(JSON.stringify({ id: 'msg_x', type: 'message', role: 'assistant', model: body.model, content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null, usage }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const sse = (type: string, data: Record<string, unknown>): void => {
        res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
      };
      sse('message_start', { message: { id: `msg_${turn}`, type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, stop_sequence: null, usage } });
      if ('bash' in step) {
        sse('content_block_start', { index: 0, content_block: { type: 'tool_use', id: `toolu_${turn}`, name: 'Bash', input: {} } });
        sse('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify({ command: step.bash, description: 'scripted step' }) } });
      } else {
        sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
        sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: step.text } });
      }
      sse('content_block_stop', { index: 0 });
      sse('message_delta', { delta: { stop_reason: 'bash' in step ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 20 } });
      sse('message_stop', {});
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
