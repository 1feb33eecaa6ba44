import type { TokenUsage } from '../../ports/agent.js';
import type { Redactor } from '../../redact.js';

/**
 * Reads `claude -p --output-format stream-json --verbose` lines: system/init, assistant and user messages,
 * and the final `result` event, which carries the totals (usage, total_cost_usd) and the verdict. A result
 * with `is_error: true` is a failure even when its subtype says "success" (API errors end that way). Such an
 * error carries structured fields, which classify it (claude-failures.ts): the assistant message's `error`
 * code and the result's `api_error_status`. Text is redacted before it is shortened for the view.
 */

type Json = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}
function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s*\n\s*/g, ' ⏎ ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const FILE_TOOLS = new Set(['Edit', 'Write', 'MultiEdit', 'NotebookEdit']);

export class ClaudeEventReader {
  readonly usage: TokenUsage = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
  costUsd: number | undefined;
  sessionId: string | undefined;
  /** The result event arrived (a run without one ended abnormally). */
  sawResult = false;
  isError = false;
  resultText: string | undefined;
  lastAssistantText: string | undefined;
  /** The last assistant message's `error` code ("rate_limit", "authentication_failed", "server_error", …). */
  errorCode: string | undefined;
  /** The result's `api_error_status`, else the last `api_retry` event's `error_status` (HTTP status). */
  apiErrorStatus: number | undefined;
  resultSubtype: string | undefined;
  /** A rejected rate_limit_event's reset (epoch ms): when the usage limit that ended the run lifts. */
  limitResetAtMs: number | undefined;
  readonly messages: string[] = [];

  constructor(
    private readonly display: (line: string) => void,
    private readonly showFileUpdates: boolean,
    private readonly redact: Redactor = (t) => t,
  ) {}

  private clip(text: string, max?: number): string {
    return oneLine(this.redact(text), max);
  }

  /** Returns whether the line was a JSON event. */
  stdoutLine(line: string): boolean {
    let e: unknown;
    if (line.startsWith('{')) {
      try {
        e = JSON.parse(line);
      } catch {
        e = undefined;
      }
    }
    if (!e || typeof e !== 'object') {
      if (line.trim() !== '') this.display(this.redact(line));
      return false;
    }
    this.onEvent(e as Json);
    return true;
  }

  stderrLine(line: string): void {
    if (line.trim() === '') return;
    this.remember(line);
    this.display(this.redact(line));
  }

  private remember(message: string): void {
    this.messages.push(this.redact(message));
    if (this.messages.length > 50) this.messages.shift();
  }

  private onEvent(e: Json): void {
    const message = (e.message ?? {}) as Json;
    const content = Array.isArray(message.content) ? (message.content as Json[]) : [];
    switch (str(e.type)) {
      case 'system':
        this.sessionId ??= str(e.session_id);
        if (e.subtype === 'api_retry') {
          // Claude retries API errors itself (even 401) with backoff; show them so a stuck run explains itself.
          if (typeof e.error_status === 'number') this.apiErrorStatus = e.error_status;
          const why = `API retry ${num(e.attempt)}/${num(e.max_retries)}: HTTP ${num(e.error_status)} ${str(e.error) ?? ''}`.trim();
          this.remember(why);
          this.display(why);
        }
        return;
      case 'rate_limit_event': {
        // rate_limit_info mirrors the anthropic-ratelimit-unified-* headers; resetsAt is epoch seconds.
        const info = (e.rate_limit_info ?? {}) as Json;
        if (info.status === 'rejected' && typeof info.resetsAt === 'number') this.limitResetAtMs = info.resetsAt * 1000;
        return;
      }
      case 'assistant':
        if (typeof e.error === 'string') this.errorCode = e.error;
        for (const block of content) this.assistantBlock(block);
        return;
      case 'user':
        for (const block of content) {
          if (block.type === 'tool_result' && block.is_error === true) {
            const text = typeof block.content === 'string' ? block.content : JSON.stringify(block.content ?? '');
            this.display(`  → error: ${this.clip(text, 160)}`);
          }
        }
        return;
      case 'result':
        this.onResult(e);
        return;
      default:
        return;
    }
  }

  private assistantBlock(block: Json): void {
    const input = (block.input ?? {}) as Json;
    if (block.type === 'text') {
      const text = str(block.text) ?? '';
      this.lastAssistantText = text;
      for (const l of this.redact(text).split('\n')) if (l.trim() !== '') this.display(`» ${l}`);
    } else if (block.type === 'tool_use') {
      const name = str(block.name) ?? 'tool';
      if (name === 'Bash') this.display(`$ ${this.clip(str(input.command) ?? '')}`);
      else if (FILE_TOOLS.has(name)) {
        this.display(`  ${name.toLowerCase()} ${str(input.file_path) ?? str(input.notebook_path) ?? '?'}`);
        const diff = str(input.new_string) ?? str(input.content);
        if (this.showFileUpdates && diff) for (const l of this.redact(diff).split('\n')) this.display(`    + ${l}`);
      } else this.display(`  tool ${name}`);
    }
  }

  private onResult(e: Json): void {
    this.sawResult = true;
    this.sessionId ??= str(e.session_id);
    this.resultSubtype = str(e.subtype);
    this.isError = e.is_error === true || (this.resultSubtype ?? 'success') !== 'success';
    this.resultText = str(e.result);
    const u = (e.usage ?? {}) as Json;
    // Anthropic counts cache reads and writes apart from input_tokens; codex's input_tokens includes cached
    // tokens. Record the codex way so per-run sums mean the same thing for both backends.
    const cacheRead = num(u.cache_read_input_tokens);
    this.usage.inputTokens += num(u.input_tokens) + num(u.cache_creation_input_tokens) + cacheRead;
    this.usage.cachedInputTokens += cacheRead;
    this.usage.outputTokens += num(u.output_tokens);
    // Cache writes cost more than input: kept apart for the cost formula (src/core/budget/prices.ts).
    if (typeof u.cache_creation_input_tokens === 'number') this.usage.cacheWriteTokens = (this.usage.cacheWriteTokens ?? 0) + num(u.cache_creation_input_tokens);
    if (typeof e.total_cost_usd === 'number') this.costUsd = (this.costUsd ?? 0) + e.total_cost_usd;
    if (this.isError) {
      if (typeof e.api_error_status === 'number') this.apiErrorStatus = e.api_error_status;
      const status = typeof e.api_error_status === 'number' ? ` (HTTP ${e.api_error_status})` : '';
      const why = `${this.resultText ?? str(e.subtype) ?? 'error'}${status}`;
      this.remember(why);
      this.display(`claude failed: ${this.redact(why)}`);
    }
    const costText = this.costUsd !== undefined ? `, $${this.costUsd.toFixed(4)}` : '';
    this.display(`tokens: ${this.usage.inputTokens} in (${this.usage.cachedInputTokens} cached), ${this.usage.outputTokens} out${costText}`);
  }
}
