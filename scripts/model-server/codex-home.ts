/**
 * A throw-away CODEX_HOME whose config.toml points codex at a model server (tests and the demo).
 * Users get the same through `gdnctl codex-loop --model-server URL`; without it their own config is untouched.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CodexHomeOptions {
  /** e.g. http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  model?: string;
  /** Retries hide a scripted error turn behind backoff sleeps; tests want the failure at once. */
  requestMaxRetries?: number;
  streamMaxRetries?: number;
  /** How long codex waits on a silent stream before giving up (a `stall` turn). */
  streamIdleTimeoutMs?: number;
}

export function codexConfigToml(o: CodexHomeOptions): string {
  const lines = [
    'model_provider = "scripted"',
    `model = ${JSON.stringify(o.model ?? 'scripted')}`,
    '',
    '[model_providers.scripted]',
    'name = "scripted model server"',
    `base_url = ${JSON.stringify(o.baseUrl)}`,
    'wire_api = "responses"',
    `request_max_retries = ${o.requestMaxRetries ?? 0}`,
    `stream_max_retries = ${o.streamMaxRetries ?? 0}`,
  ];
  if (o.streamIdleTimeoutMs !== undefined) lines.push(`stream_idle_timeout_ms = ${o.streamIdleTimeoutMs}`);
  return `${lines.join('\n')}\n`;
}

/** Creates the folder (under `parent`, default the OS temp dir) and returns its path. */
export function writeCodexHome(o: CodexHomeOptions, parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, 'gdnctl-codex-home-'));
  writeFileSync(join(dir, 'config.toml'), codexConfigToml(o));
  return dir;
}
