/**
 * The model script both scripted servers play (Responses API for Codex, Messages API for Claude), and the
 * cursor that walks it.
 *
 *   sessions:                 # one session per agent run (one `codex exec` / `claude -p`)
 *     - name: improve
 *       turns:                # one turn per model response
 *         - exec: "sed -i … && node --test"      # one shell tool call (exec_command / Bash)
 *         - exec: ["cmd a", "cmd b"]              # several calls in one response
 *         - message: "Done."                      # final assistant message: ends the agent's turn
 *     - name: broken
 *       turns: [{ error: { status: 400, message: "bad request" } }]   # optional type, code (error body fields)
 *     - name: cut
 *       turns: [{ disconnect: true }]             # start the stream, then drop the connection
 *     - name: overloaded
 *       turns: [{ failed: { code: server_is_overloaded, message: "…" } }]   # fail the stream in-band
 *     - name: hang
 *       turns: [{ stall: true }]                  # start the stream, then never finish it
 *
 * The cursor advances to the next turn only when a request carries a tool result for every call of the turn
 * before. A request without any tool result is a new agent run and starts the next session; calls a killed run
 * left unanswered are recorded as abandoned. Anything else is a script violation, answered with HTTP 409 so the
 * mismatch is loud instead of silently replaying the wrong turn.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const usageSchema = z.strictObject({
  input: z.number().int().nonnegative().optional(),
  cached: z.number().int().nonnegative().optional(),
  output: z.number().int().nonnegative().optional(),
  /** Of output, the reasoning tokens (Responses output_tokens_details.reasoning_tokens). */
  reasoning: z.number().int().nonnegative().optional(),
});

const execSchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const turnSchema = z.union([
  z.strictObject({ exec: execSchema, yieldTimeMs: z.number().int().positive().optional(), usage: usageSchema.optional() }),
  z.strictObject({ message: z.string(), usage: usageSchema.optional() }),
  z.strictObject({
    // type/code: the API's machine-readable error fields (e.g. 429 with code insufficient_quota).
    error: z.strictObject({
      status: z.number().int().min(400).max(599),
      message: z.string().min(1),
      type: z.string().min(1).optional(),
      code: z.string().min(1).optional(),
      /** A usage limit's reset, as the API's error body carries it (epoch seconds, or seconds from now). */
      resetsAt: z.number().int().positive().optional(),
      resetsInSeconds: z.number().int().nonnegative().optional(),
      /** The HTTP Retry-After header, in seconds. */
      retryAfterSeconds: z.number().int().nonnegative().optional(),
    }),
  }),
  z.strictObject({ stall: z.literal(true) }),
  // Start the stream, then drop the connection: a network failure mid-response.
  z.strictObject({ disconnect: z.literal(true) }),
  // Start the stream, then fail it in-band (Responses `response.failed`, Messages `error` event).
  z.strictObject({ failed: z.strictObject({ code: z.string().min(1), message: z.string().min(1) }) }),
]);

const sessionSchema = z.strictObject({
  name: z.string().min(1).optional(),
  turns: z.array(turnSchema).min(1),
});

export const modelScriptSchema = z.strictObject({
  /** Model name reported back in responses; codex sends whatever --model says. */
  model: z.string().min(1).optional(),
  sessions: z.array(sessionSchema).min(1),
});

export type ModelScript = z.infer<typeof modelScriptSchema>;
export type ScriptTurn = z.infer<typeof turnSchema>;
export type ScriptSession = z.infer<typeof sessionSchema>;
export type TurnUsage = z.infer<typeof usageSchema>;

export function parseModelScript(text: string, source = 'script'): ModelScript {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new Error(`${source}: not valid YAML: ${(err as Error).message}`);
  }
  const res = modelScriptSchema.safeParse(raw);
  if (!res.success) {
    const first = res.error.issues[0];
    const where = first ? first.path.join('.') || '(top level)' : '(top level)';
    throw new Error(`${source}: ${where}: ${first?.message ?? 'invalid'}; see scripts/model-server/script.ts for the format`);
  }
  return res.data;
}

export function loadModelScript(file: string): ModelScript {
  return parseModelScript(readFileSync(file, 'utf8'), file);
}

/** What the cursor decided for one request. */
export type CursorStep =
  | { kind: 'turn'; session: number; turn: number; play: ScriptTurn; abandoned: string[] }
  | { kind: 'violation'; reason: string };

export class ScriptCursor {
  private session = -1;
  private turn = -1;
  private pending: string[] = [];

  private readonly sessions: ScriptSession[];

  constructor(script: ModelScript) {
    this.sessions = [...script.sessions];
  }

  /** Queue one more session (a test scripting the next agent run just before starting it). */
  append(session: ScriptSession): void {
    this.sessions.push(sessionSchema.parse(session));
  }

  /** Decide the turn for a request that carried tool results for `resultIds`; then call `expect()`. */
  next(resultIds: ReadonlySet<string>): CursorStep {
    let abandoned: string[] = [];
    if (resultIds.size === 0) {
      abandoned = this.pending;
      this.session += 1;
      this.turn = 0;
    } else if (this.pending.length > 0 && this.pending.every((id) => resultIds.has(id))) {
      this.turn += 1;
    } else {
      const waiting = this.pending.length > 0 ? this.pending.join(', ') : 'nothing (the last turn was final)';
      return {
        kind: 'violation',
        reason: `request carried tool results for [${[...resultIds].join(', ')}] but the script waits for ${waiting}`,
      };
    }
    this.pending = [];
    const session = this.sessions[this.session];
    if (!session) {
      return { kind: 'violation', reason: `script exhausted: all ${this.sessions.length} sessions were played` };
    }
    const play = session.turns[this.turn];
    if (!play) {
      return {
        kind: 'violation',
        reason: `session ${this.session + 1}${session.name ? ` (${session.name})` : ''} has no turn ${this.turn + 1}; end it with a message turn`,
      };
    }
    return { kind: 'turn', session: this.session, turn: this.turn, play, abandoned };
  }

  /** The call ids the turn just sent; the next continuation must answer all of them. */
  expect(callIds: string[]): void {
    this.pending = [...callIds];
  }
}

export function execCommands(turn: ScriptTurn): string[] | undefined {
  if (!('exec' in turn)) return undefined;
  return typeof turn.exec === 'string' ? [turn.exec] : turn.exec;
}
