/**
 * The script bookkeeping both scripted servers share (Responses API for Codex, Messages API for Claude): record
 * each request, walk the script cursor, remember the shell calls sent and answered, count tokens, and the
 * command-line entry point. Each server keeps only its wire format.
 */
import { appendFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { pathToFileURL } from 'node:url';
import { loadModelScript, ScriptCursor, type ModelScript, type ScriptTurn, type TurnUsage } from './script.js';
import {
  answerCalls,
  approxTokens,
  markAbandoned,
  parseJson,
  type RecordedRequest,
  type ScriptedCall,
  type ScriptedServer,
  type ToolResult,
} from './scripted-http.js';

export interface ScriptedServerOptions {
  script: ModelScript;
  port?: number;
  host?: string;
  /** Called with each recorded request once it has been answered (the CLI logs it). */
  onRequest?: (req: RecordedRequest) => void;
}

export class ScriptState {
  readonly requests: RecordedRequest[] = [];
  readonly calls: ScriptedCall[] = [];
  /** Script mismatches, one line each. */
  readonly violations: string[] = [];
  private readonly cursor: ScriptCursor;

  constructor(script: ModelScript) {
    this.cursor = new ScriptCursor(script);
  }

  /** Record a request (reply `not-found` until the server decides otherwise). */
  record(req: IncomingMessage, rawBody: string, toolResults: (body: unknown) => ToolResult[]): RecordedRequest {
    const body = parseJson(rawBody);
    const rec: RecordedRequest = {
      seq: this.requests.length + 1,
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0] ?? '/',
      headers: req.headers,
      body,
      receivedAt: new Date().toISOString(),
      ...(typeof req.headers['session-id'] === 'string' ? { clientSession: req.headers['session-id'] } : {}),
      toolResults: toolResults(body),
      reply: { kind: 'not-found' },
    };
    this.requests.push(rec);
    return rec;
  }

  /**
   * Advance the script for an agent-loop request: pair its tool results with their calls and pick the turn.
   * A mismatch is recorded as a violation (the caller answers it with 409) and returned as `{ violation }`.
   */
  advance(rec: RecordedRequest): { play: ScriptTurn; session: number; turn: number } | { violation: string } {
    answerCalls(this.calls, rec.toolResults, rec.receivedAt);
    const step = this.cursor.next(new Set(rec.toolResults.map((r) => r.callId)), userText(rec.body));
    if (step.kind === 'violation') {
      this.violations.push(`request ${rec.seq}: ${step.reason}`);
      rec.reply = { kind: 'violation', detail: step.reason };
      return { violation: step.reason };
    }
    markAbandoned(this.calls, step.abandoned);
    rec.session = step.session;
    rec.turn = step.turn;
    rec.lane = step.lane;
    return step;
  }

  /** Record the shell calls a turn sends (ids from `idFor`); the next request must answer all of them. */
  sendCalls(rec: RecordedRequest, cmds: string[], idFor: (index: number) => string): string[] {
    const ids = cmds.map((_, i) => idFor(i));
    cmds.forEach((cmd, i) => this.calls.push({ callId: ids[i]!, cmd, session: rec.session ?? 0, turn: rec.turn ?? 0, sentAt: rec.receivedAt }));
    this.cursor.expect(rec.lane ?? -1, ids);
    rec.reply = { kind: 'calls', callIds: ids };
    return ids;
  }

  server(url: string, listener: { port: number; close: () => Promise<void> }): ScriptedServer {
    return {
      url,
      port: listener.port,
      requests: this.requests,
      calls: this.calls,
      violations: this.violations,
      appendSession: (session) => this.cursor.append(session),
      close: listener.close,
    };
  }
}

/**
 * The text of a request's user messages (Responses `input`, Messages `messages`): the agent's prompt and, for
 * codex, its environment context (working directory). A session's `match` is looked for here.
 */
export function userText(body: unknown): string {
  const b = body as { input?: unknown; messages?: unknown } | undefined;
  const items = Array.isArray(b?.input) ? b.input : Array.isArray(b?.messages) ? b.messages : [];
  const parts: string[] = [];
  for (const item of items as Array<{ role?: unknown; content?: unknown }>) {
    if (item?.role !== 'user') continue;
    if (typeof item.content === 'string') parts.push(item.content);
    else if (Array.isArray(item.content)) {
      for (const c of item.content as Array<{ text?: unknown }>) if (typeof c?.text === 'string') parts.push(c.text);
    }
  }
  return parts.join('\n');
}

/** The usage a response reports: the turn's scripted numbers, else estimates from what went each way. */
export function responseUsage(usage: TurnUsage | undefined, rawBody: string, sent: unknown): { input: number; cached: number; output: number } {
  const input = usage?.input ?? approxTokens(rawBody);
  const cached = Math.min(usage?.cached ?? 0, input);
  const output = usage?.output ?? approxTokens(JSON.stringify(sent));
  return { input, cached, output };
}

export interface ServerCli {
  /** e.g. `responses-server`; prefixes the usage and fatal-error lines. */
  name: string;
  /** Accept `--log FILE.jsonl` (one JSON line per answered request). */
  logOption?: boolean;
  start(opts: ScriptedServerOptions): Promise<ScriptedServer>;
  banner(url: string, scriptFile: string): string;
}

/** `node --import tsx scripts/model-server/<name>.ts --script FILE [--port N] [--host H]`, when run directly. */
export function runServerCliIfMain(moduleUrl: string, cli: ServerCli): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  serve(process.argv.slice(2), cli).catch((err: Error) => {
    process.stderr.write(`${cli.name}: ${err.message}\n`);
    process.exit(2);
  });
}

async function serve(argv: string[], cli: ServerCli): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const scriptFile = arg('--script');
  if (!scriptFile) {
    process.stderr.write(`usage: ${cli.name}.ts --script FILE [--port N] [--host H]${cli.logOption ? ' [--log FILE.jsonl]' : ''}\n`);
    process.exit(2);
  }
  const log = cli.logOption ? arg('--log') : undefined;
  const server = await cli.start({
    script: loadModelScript(scriptFile),
    port: Number(arg('--port') ?? 0),
    host: arg('--host'),
    onRequest: (r) => {
      process.stderr.write(`[model-server] #${r.seq} ${r.method} ${r.path} → ${r.reply.kind}${r.reply.detail ? `: ${r.reply.detail}` : ''}\n`);
      if (log) appendFileSync(log, `${JSON.stringify(r)}\n`);
    },
  });
  process.stdout.write(`${cli.banner(server.url, scriptFile)}\n`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
