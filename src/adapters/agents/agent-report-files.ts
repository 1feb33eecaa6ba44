import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentReportParse } from '../../core/agent-report.js';
import { reportJsonSchema } from './agent-report-json.js';
import type { Redactor } from '../../redact.js';

/** Write `<iterDir>/report.schema.json` (for codex --output-schema) and return its path. */
export async function writeReportSchema(iterDir: string): Promise<string> {
  mkdirSync(iterDir, { recursive: true, mode: 0o700 });
  const path = join(iterDir, 'report.schema.json');
  writeFileSync(path, `${JSON.stringify(reportJsonSchema, null, 2)}\n`, { mode: 0o600 });
  return path;
}

/**
 * writeReportSchema for one run: the schema is the same in every iteration, so it is written once (in the first
 * iteration's folder) and that file is named again, unless it has gone since (an agent deleted it, a redone
 * iteration's files were archived): then the current folder gets it.
 */
export function runReportSchema(): (iterDir: string) => Promise<string> {
  let written: string | undefined;
  return async (iterDir) => {
    // Synchronous, as every small file between two agents: a thread-pool round trip costs more than the stat.
    if (written !== undefined && isFile(written)) return written;
    written = await writeReportSchema(iterDir);
    return written;
  };
}

const MAX_RAW_CHARS = 4096;

function isFile(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
  } catch {
    return false;
  }
}

let parser: Promise<typeof import('../../core/agent-report.js')> | undefined;

/**
 * The report's parser (it brings zod, ~35 ms to load here), loaded once. runEventStreamAgent asks for it at the
 * agent's first line of output, so the load happens while the agent works, not between its exit and the checks.
 */
export function loadReportParser(): Promise<typeof import('../../core/agent-report.js')> {
  parser ??= import('../../core/agent-report.js');
  parser.catch(() => (parser = undefined));
  return parser;
}

/**
 * Parse the agent's last message into `<iterDir>/report.json`. A malformed report is recorded as
 * `{ok:false, error, raw}` (raw cut to 4 KB) and returned, never thrown: a bad report must not stop the loop.
 * The message is redacted before it is cut and before it is JSON-encoded, so neither the cut nor an escaped
 * quote or backslash lets part of a secret through.
 */
export async function recordReport(iterDir: string, lastMessage: string | undefined, redact: Redactor): Promise<AgentReportParse> {
  const { parseAgentReport } = await loadReportParser();
  const parsed = parseAgentReport(lastMessage);
  const raw = lastMessage === undefined ? undefined : redact(lastMessage).slice(0, MAX_RAW_CHARS);
  const body = parsed.ok ? parsed : { ...parsed, raw };
  mkdirSync(iterDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(iterDir, 'report.json'), `${redact(JSON.stringify(body, null, 2))}\n`, { mode: 0o600 });
  return parsed;
}

/**
 * An agent's own file in the run directory (codex's `-o last-message.md`, a command agent's
 * `{iter_dir}/last-message.md`), redacted in place and made private: every backend's files end up the same
 * way, whoever wrote them. Returns the redacted text, or undefined when there is no such file.
 */
export function redactAgentFile(file: string, redact: Redactor): string | undefined {
  if (!existsSync(file)) return undefined;
  const raw = readFileSync(file, 'utf8');
  const clean = redact(raw);
  if (clean !== raw) writeFileSync(file, clean);
  // The agent created it with its own umask.
  chmodSync(file, 0o600);
  return clean;
}

/** A file gdnctl writes for an agent backend (claude's last-message.md), redacted and private. */
export function writeAgentFile(file: string, text: string, redact: Redactor): void {
  writeFileSync(file, redact(text), { mode: 0o600 });
  chmodSync(file, 0o600);
}
