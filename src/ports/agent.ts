/** Agent backends, by role. Adapters: CodexAgent, ClaudeAgent, CommandAgent (src/adapters/agents/). */
import type { AgentReportParse } from '../core/agent-report.js';

/**
 * Token counts the codex way: inputTokens includes the cached ones (and, for claude, the cache writes);
 * outputTokens includes the reasoning ones. The optional fields are present only when the backend reported them.
 */
export interface TokenUsage {
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  /** Of outputTokens, those spent on reasoning (codex reasoning_output_tokens). */
  reasoningOutputTokens?: number;
  /** Of inputTokens, those written to the prompt cache (claude cache_creation_input_tokens; codex cache_write_input_tokens). */
  cacheWriteTokens?: number;
}

export type AgentFailure =
  | 'agent-timeout'
  | 'agent-idle-timeout'
  | 'agent-exit-nonzero'
  | 'agent-rate-limited'
  | 'agent-network'
  | 'agent-server-error'
  | 'agent-usage-limit'
  | 'agent-auth'
  | 'agent-interrupted';

export interface AgentRunInput {
  iteration: number;
  prompt: string;
  workdir: string;
  /** iter-NNN/ folder: transcript.jsonl, last-message.md, report.json go here. */
  iterDir: string;
  timeoutMs: number;
  idleTimeoutMs: number;
  signal?: AbortSignal;
  onSpawn?: (pgid: number) => void;
  /** Readable rendering for the terminal: messages, commands with exit codes, one line per file change. */
  onDisplay?: (line: string) => void;
  /** JSON Schema for the structured report (codex --output-schema). */
  outputSchemaFile?: string;
  /** Extra sandbox override for a read-only planning pass. */
  sandbox?: 'bypass' | 'workspace-write' | 'read-only';
}

export interface AgentRunResult {
  ok: boolean;
  failure?: AgentFailure;
  /** Human-readable reason (last error message, exit code). */
  detail?: string;
  exitCode: number | null;
  durationMs: number;
  usage: TokenUsage;
  costUsd?: number;
  lastMessage?: string;
  /** The argv that ran (for --dry-run and records). */
  argv: string[];
  /** The structured report parsed from the last message (when outputSchemaFile was given); also in report.json. */
  report?: AgentReportParse;
  /** Agent session id (codex thread_id, claude session_id), when the stream named one. */
  sessionId?: string;
  /**
   * A usage or rate limit said when it resets (epoch ms): codex's "try again at …", an HTTP retry-after,
   * resets_in_seconds, claude's resetsAt. The loop waits until then and runs the attempt again.
   */
  limitResetAtMs?: number;
}

/** One agent backend (codex, claude, command). Adapter: CodexAgent; fake: test/fakes/fake-codex. */
export interface AgentRunner {
  readonly name: string;
  /** The argv that would run for this input (pure; used by --dry-run). */
  describe(input: AgentRunInput): string[];
  run(input: AgentRunInput): Promise<AgentRunResult>;
  /**
   * Check the backend can run (binary found, capabilities detected) before the loop touches anything.
   * Throws ResourceError (exit 4) when the binary is missing; returns warnings (e.g. --search unsupported).
   * run() calls it itself when the caller did not.
   */
  preflight(): Promise<{ warnings: string[] }>;
}
