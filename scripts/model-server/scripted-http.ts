/**
 * The HTTP half shared by the scripted model servers: listen on loopback, read JSON bodies, record every
 * request and every tool call for assertions, and hold "stalled" streams open until close().
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ScriptSession } from './script.js';

export interface ToolResult {
  callId: string;
  output: string;
}

/** `side`: a request outside the script (e.g. Claude Code's session-title request); `probe`: HEAD /. */
export type ReplyKind = 'calls' | 'message' | 'side' | 'error' | 'stall' | 'violation' | 'not-found' | 'models' | 'probe';

export interface RecordedRequest {
  seq: number;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (undefined for GET or a body that is not JSON). */
  body: unknown;
  receivedAt: string;
  toolResults: ToolResult[];
  /** 0-based session and turn of the script this request was answered with. */
  session?: number;
  turn?: number;
  /** Which session being played (one per agent run) the request was routed to. */
  lane?: number;
  /** The client's own id for its session, when it sends one (codex 0.171: the `session-id` header). */
  clientSession?: string;
  reply: { kind: ReplyKind; callIds?: string[]; detail?: string };
  /** The JSON Schema the client asked the final message to follow (codex --output-schema → text.format). */
  outputSchema?: unknown;
  /** Token usage this response reported (the agent adds these up per turn). */
  usage?: { input: number; cached: number; output: number };
}

/** One shell command the server asked the agent to run, and what came back. */
export interface ScriptedCall {
  callId: string;
  cmd: string;
  session: number;
  turn: number;
  sentAt: string;
  /** The tool result text, once a later request carried it. */
  output?: string;
  answeredAt?: string;
  /** The agent run was killed before answering (the next session started instead). */
  abandoned?: boolean;
}

export interface ScriptedServer {
  /** Base URL including the API prefix, e.g. http://127.0.0.1:PORT/v1. */
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  readonly calls: ScriptedCall[];
  /** Script mismatches (answered with 409); a test should assert this is empty. */
  readonly violations: string[];
  /** Queue a session after the scripted ones (validated like the YAML). */
  appendSession(session: ScriptSession): void;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

export async function listenLoopback(
  handler: Handler,
  opts: { port?: number; host?: string },
): Promise<{ port: number; host: string; close: () => Promise<void> }> {
  const host = opts.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        handler(req, Buffer.concat(chunks).toString('utf8'), res);
      } catch (err) {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `scripted server bug: ${(err as Error).message}` } }));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        // A stalled stream never ends by itself; without this, server.close() would wait for it forever.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function parseJson(body: string): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

/** Deterministic stand-in for token counts: about four bytes per token, as tokenizers average on code. */
export function approxTokens(text: string): number {
  return Math.max(1, Math.ceil(Buffer.byteLength(text, 'utf8') / 4));
}

/** Pair each newly arrived tool result with the call it answers. */
export function answerCalls(calls: ScriptedCall[], results: ToolResult[], at: string): void {
  for (const r of results) {
    const call = calls.find((c) => c.callId === r.callId && c.output === undefined);
    if (call) {
      call.output = r.output;
      call.answeredAt = at;
    }
  }
}

export function markAbandoned(calls: ScriptedCall[], ids: string[]): void {
  for (const c of calls) if (ids.includes(c.callId)) c.abandoned = true;
}
