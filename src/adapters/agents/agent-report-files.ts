import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agentReportJsonSchema, parseAgentReport, type AgentReportParse } from '../../core/agent-report.js';
import type { Redactor } from '../../redact.js';

/** Write `<iterDir>/report.schema.json` (for codex --output-schema) and return its path. */
export async function writeReportSchema(iterDir: string): Promise<string> {
  await mkdir(iterDir, { recursive: true, mode: 0o700 });
  const path = join(iterDir, 'report.schema.json');
  await writeFile(path, `${JSON.stringify(agentReportJsonSchema(), null, 2)}\n`, { mode: 0o600 });
  return path;
}

/**
 * Parse the agent's last message into `<iterDir>/report.json`. A malformed report is recorded as
 * `{ok:false, error, raw}` (raw cut to 4 KB) and returned, never thrown: a bad report must not stop the loop.
 */
export async function recordReport(iterDir: string, lastMessage: string | undefined, redact: Redactor): Promise<AgentReportParse> {
  const parsed = parseAgentReport(lastMessage);
  const body = parsed.ok ? parsed : { ...parsed, raw: lastMessage?.slice(0, 4096) };
  await mkdir(iterDir, { recursive: true, mode: 0o700 });
  await writeFile(join(iterDir, 'report.json'), `${redact(JSON.stringify(body, null, 2))}\n`, { mode: 0o600 });
  return parsed;
}
