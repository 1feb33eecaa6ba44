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
 *
 * Concurrent agent runs (gdnctl codex-loop --parallel K): a session with `match` is played by the new run whose
 * prompt (the text of the request's user messages) contains that text, e.g. `match: "you are candidate 2 of 3"`;
 * the other sessions go, in order, to new runs no unclaimed `match` fits. Each session played keeps its own
 * position (a lane); a continuation goes to the lane whose calls it answers (call ids are unique per server), so
 * several runs can be mid-session at once. A matched session runs alongside the others: starting another run
 * abandons only the calls of unmatched sessions, which are played one at a time as before.
 *
 *     sessions:
 *       - { name: c1, match: "you are candidate 1 of 2", turns: [...] }
 *       - { name: c2, match: "you are candidate 2 of 2", turns: [...] }
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
  /** Played by the new agent run whose prompt contains this text (see the header). */
  match: z.string().min(1).optional(),
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

/** What the cursor decided for one request; `lane` names the session being played (pass it to `expect()`). */
export type CursorStep =
  | { kind: 'turn'; lane: number; session: number; turn: number; play: ScriptTurn; abandoned: string[] }
  | { kind: 'violation'; reason: string };

/** One session being played: its place in the script and the calls its last turn sent. */
interface Lane {
  session: number;
  turn: number;
  pending: string[];
  matched: boolean;
}

export class ScriptCursor {
  private readonly lanes = new Map<number, Lane>();
  private nextLane = 0;
  /** Sessions a run has started (each is played once). */
  private readonly claimed = new Set<number>();

  private readonly sessions: ScriptSession[];

  constructor(script: ModelScript) {
    this.sessions = [...script.sessions];
  }

  /** Queue one more session (a test scripting the next agent run just before starting it). */
  append(session: ScriptSession): void {
    this.sessions.push(sessionSchema.parse(session));
  }

  /**
   * Decide the turn for a request that carried tool results for `resultIds`; then call `expect()`.
   * `prompt` is the text of the request's user messages, which a session's `match` is looked for in.
   */
  next(resultIds: ReadonlySet<string>, prompt = ''): CursorStep {
    if (resultIds.size === 0) return this.start(prompt);
    for (const [id, lane] of this.lanes) {
      if (lane.pending.length > 0 && lane.pending.every((c) => resultIds.has(c))) {
        lane.turn += 1;
        lane.pending = [];
        return this.play(id, lane, []);
      }
    }
    const waiting = [...this.lanes.values()].flatMap((l) => l.pending);
    return {
      kind: 'violation',
      reason: `request carried tool results for [${[...resultIds].join(', ')}] but the script waits for ${waiting.length > 0 ? waiting.join(', ') : 'nothing (the last turn was final)'}`,
    };
  }

  /** A new agent run: the first unclaimed session whose `match` is in its prompt, else the next unmatched one. */
  private start(prompt: string): CursorStep {
    const free = (i: number): boolean => !this.claimed.has(i);
    let session = this.sessions.findIndex((s, i) => free(i) && s.match !== undefined && prompt.includes(s.match));
    if (session < 0) session = this.sessions.findIndex((s, i) => free(i) && s.match === undefined);
    const matched = session >= 0 && this.sessions[session]!.match !== undefined;
    // Unmatched sessions are played one at a time: a new run means the one before was killed.
    const abandoned: string[] = [];
    if (!matched) {
      for (const [id, lane] of this.lanes) {
        if (lane.matched) continue;
        abandoned.push(...lane.pending);
        this.lanes.delete(id);
      }
    }
    if (session < 0) {
      const unmatched = this.sessions.filter((s) => s.match === undefined).length;
      const open = this.sessions.filter((s, i) => free(i) && s.match !== undefined).map((s) => JSON.stringify(s.match));
      const reason = unmatched === this.sessions.length
        ? `script exhausted: all ${this.sessions.length} sessions were played`
        : `script exhausted: no session left for this run (${this.claimed.size} of ${this.sessions.length} played${open.length > 0 ? `; its prompt contains none of ${open.join(', ')}` : ''})`;
      return { kind: 'violation', reason };
    }
    this.claimed.add(session);
    const id = this.nextLane++;
    const lane: Lane = { session, turn: 0, pending: [], matched };
    this.lanes.set(id, lane);
    return this.play(id, lane, abandoned);
  }

  private play(id: number, lane: Lane, abandoned: string[]): CursorStep {
    const session = this.sessions[lane.session]!;
    const play = session.turns[lane.turn];
    if (!play) {
      this.lanes.delete(id);
      return {
        kind: 'violation',
        reason: `session ${lane.session + 1}${session.name ? ` (${session.name})` : ''} has no turn ${lane.turn + 1}; end it with a message turn`,
      };
    }
    return { kind: 'turn', lane: id, session: lane.session, turn: lane.turn, play, abandoned };
  }

  /** The call ids the lane's turn just sent; its next continuation must answer all of them. */
  expect(lane: number, callIds: string[]): void {
    const l = this.lanes.get(lane);
    if (l) l.pending = [...callIds];
  }
}

export function execCommands(turn: ScriptTurn): string[] | undefined {
  if (!('exec' in turn)) return undefined;
  return typeof turn.exec === 'string' ? [turn.exec] : turn.exec;
}
