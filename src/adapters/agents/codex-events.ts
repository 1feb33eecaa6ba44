import type { TokenUsage } from '../../ports/agent.js';
import type { Redactor } from '../../redact.js';
import { isCodexRetryNote } from './codex-failures.js';
import { isHarmlessCodexError } from './failure-classifier.js';

/**
 * Reads `codex exec --json` output line by line: sums token usage, remembers the last agent message and the
 * error messages, and renders a readable terminal view. Parsing is lenient on purpose: codex adds event and
 * item types between versions, so anything unknown is kept in the transcript and skipped in the view.
 * Text is redacted before it is shortened for the view, so a cut never leaves half a secret.
 */

type Json = Record<string, unknown>;

const MAX_MESSAGES = 50;
const MAX_COMMAND_CHARS = 200;
const MAX_PLAIN_CHARS = 2000;

/** `/bin/bash -lc "cmd"` → `cmd`: codex wraps every command in a login shell; the wrapper is noise. */
export function unwrapShell(command: string): string {
  const m = /^(?:\/\S*\/)?(?:ba|z)?sh -lc (["'])([\s\S]*)\1$/.exec(command);
  if (!m?.[2]) return command;
  return m[1] === '"' ? m[2].replace(/\\(["\\$`])/g, '$1') : m[2];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s*\n\s*/g, ' ⏎ ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Plain-text diff blocks (`file update:` then diff lines), hidden unless --show-file-updates (anchor §2.2 7). */
const FILE_BLOCK_START = /^(?:file (?:update|create|add|delete|rename)):/i;
const DIFF_LINE = /^(?:diff --git |index |--- |\+\+\+ |@@|[+\- ]|$)/;

export class CodexEventReader {
  readonly usage: TokenUsage = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
  threadId: string | undefined;
  lastAgentMessage: string | undefined;
  turnCompleted = false;
  turnFailed = false;
  /** Failure-relevant messages (error events, turn.failed, item errors, stderr), redacted, newest last. */
  readonly messages: string[] = [];
  /**
   * How the turn ended, in codex's words: the last `turn.failed` message, else the last top-level `error`
   * event's (not a "Reconnecting..." note). Only this is classified (codex-failures.ts); stderr never is.
   */
  failureMessage: string | undefined;
  private inDiffBlock = false;

  constructor(
    private readonly display: (line: string) => void,
    private readonly showFileUpdates: boolean,
    private readonly redact: Redactor = (t) => t,
  ) {}

  private clip(text: string, max: number): string {
    return oneLine(this.redact(text), max);
  }

  /** One stdout line. Returns whether it was a JSON event (the caller keeps those in transcript.jsonl). */
  stdoutLine(line: string): boolean {
    let event: unknown;
    if (line.startsWith('{')) {
      try {
        event = JSON.parse(line);
      } catch {
        event = undefined;
      }
    }
    if (!event || typeof event !== 'object') {
      this.plainLine(line);
      return false;
    }
    this.onEvent(event as Json);
    return true;
  }

  stderrLine(line: string): void {
    if (line.trim() !== '') this.remember(line);
    this.plainLine(line);
  }

  private plainLine(line: string): void {
    if (!this.showFileUpdates) {
      if (FILE_BLOCK_START.test(line)) {
        this.inDiffBlock = true;
        return;
      }
      if (this.inDiffBlock && DIFF_LINE.test(line)) return;
      this.inDiffBlock = false;
    }
    if (line.trim() === '') return;
    const clean = this.redact(line);
    this.display(clean.length > MAX_PLAIN_CHARS ? `${clean.slice(0, MAX_PLAIN_CHARS)}…` : clean);
  }

  private remember(message: string): void {
    if (isHarmlessCodexError(message)) return;
    this.messages.push(this.redact(message));
    if (this.messages.length > MAX_MESSAGES) this.messages.shift();
  }

  private onEvent(e: Json): void {
    const type = str(e.type);
    const item = (e.item && typeof e.item === 'object' ? e.item : undefined) as Json | undefined;
    switch (type) {
      case 'thread.started':
        this.threadId = str(e.thread_id);
        return;
      case 'turn.completed': {
        this.turnCompleted = true;
        const u = (e.usage ?? {}) as Json;
        this.usage.inputTokens += num(u.input_tokens);
        this.usage.cachedInputTokens += num(u.cached_input_tokens);
        this.usage.outputTokens += num(u.output_tokens);
        // codex 0.169+ sends these too (reasoning is part of output_tokens, cache writes of input_tokens); kept apart.
        if (typeof u.reasoning_output_tokens === 'number') this.usage.reasoningOutputTokens = (this.usage.reasoningOutputTokens ?? 0) + num(u.reasoning_output_tokens);
        if (typeof u.cache_write_input_tokens === 'number') this.usage.cacheWriteTokens = (this.usage.cacheWriteTokens ?? 0) + num(u.cache_write_input_tokens);
        this.display(`tokens: ${num(u.input_tokens)} in (${num(u.cached_input_tokens)} cached), ${num(u.output_tokens)} out`);
        return;
      }
      case 'turn.failed': {
        this.turnFailed = true;
        const message = str((e.error as Json | undefined)?.message) ?? 'turn failed';
        this.failureMessage = message;
        this.remember(message);
        this.display(`turn failed: ${message}`);
        return;
      }
      case 'error': {
        const message = str(e.message) ?? JSON.stringify(e);
        this.remember(message);
        if (!this.turnFailed && !isHarmlessCodexError(message) && !isCodexRetryNote(message)) this.failureMessage = message;
        if (!isHarmlessCodexError(message)) this.display(`error: ${this.redact(message)}`);
        return;
      }
      case 'item.completed':
        if (item) this.onItemCompleted(item);
        return;
      default:
        return; // turn.started, item.started/updated and unknown types: transcript only
    }
  }

  private onItemCompleted(item: Json): void {
    switch (str(item.type)) {
      case 'agent_message': {
        const text = str(item.text) ?? '';
        this.lastAgentMessage = text;
        for (const l of this.redact(text).split('\n')) if (l.trim() !== '') this.display(`» ${l}`);
        return;
      }
      case 'command_execution': {
        const command = this.clip(unwrapShell(str(item.command) ?? ''), MAX_COMMAND_CHARS);
        const code = item.exit_code;
        this.display(`$ ${command}  → ${typeof code === 'number' ? `exit ${code}` : str(item.status) ?? 'done'}`);
        return;
      }
      case 'file_change': {
        const changes = Array.isArray(item.changes) ? (item.changes as Json[]) : [];
        for (const c of changes) {
          this.display(`  ${str(c.kind) ?? 'change'} ${str(c.path) ?? '?'}`);
          const diff = str(c.diff) ?? str(c.unified_diff);
          if (this.showFileUpdates && diff) for (const l of this.redact(diff).split('\n')) this.display(`    ${l}`);
        }
        return;
      }
      case 'error': {
        const message = str(item.message) ?? '';
        this.remember(message);
        if (!isHarmlessCodexError(message)) this.display(`error: ${this.redact(message)}`);
        return;
      }
      case 'reasoning': {
        // Reasoning summaries show progress during long silent stretches; one line each is enough.
        const first = (str(item.text) ?? '').split('\n').find((l) => l.trim() !== '');
        if (first) this.display(`· ${this.clip(first.replace(/\*\*/g, ''), 160)}`);
        return;
      }
      case 'web_search':
        this.display(`search: ${this.clip(str(item.query) ?? '', 160)}`);
        return;
      case 'mcp_tool_call':
        this.display(`tool ${str(item.server) ?? '?'}.${str(item.tool) ?? '?'}${str(item.status) === 'failed' ? ' (failed)' : ''}`);
        return;
      default:
        return; // todo_list and unknown items: kept in the transcript only
    }
  }
}
