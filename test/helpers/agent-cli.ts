/**
 * Runs the real agent CLIs (node_modules/.bin/codex 0.169.0, node_modules/.bin/claude 2.1.197) the way the
 * loop's adapters do, for e2e tests that check the scripted model servers without going through an adapter.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CODEX_BIN = fileURLToPath(new URL('../../node_modules/.bin/codex', import.meta.url));
export const CLAUDE_BIN = fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url));

export interface AgentEvent {
  type: string;
  [k: string]: unknown;
}

export interface AgentCliRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  events: AgentEvent[];
  stdout: string;
  stderr: string;
  lastMessage: string | undefined;
}

export async function runCodexExec(o: {
  repo: string;
  codexHome: string;
  env: Record<string, string>;
  prompt: string;
  /** Must be a normalized absolute path: codex 0.169 refuses `-o a/../b` ("no-follow … normalized path"). */
  lastMessageFile: string;
  timeoutMs?: number;
}): Promise<AgentCliRun> {
  const argv = ['exec', '--json', '--dangerously-bypass-approvals-and-sandbox', '--ephemeral', '-C', o.repo, '-o', o.lastMessageFile, '-'];
  const r = await spawnJsonl(CODEX_BIN, argv, { cwd: o.repo, env: { ...o.env, CODEX_HOME: o.codexHome }, stdin: o.prompt, timeoutMs: o.timeoutMs });
  const lastMessage = existsSync(o.lastMessageFile) ? readFileSync(o.lastMessageFile, 'utf8') : undefined;
  return { ...r, lastMessage };
}

/**
 * `claude -p --output-format stream-json --verbose`, prompt on stdin, against ANTHROPIC_BASE_URL. Claude Code
 * refuses bypassPermissions as root unless IS_SANDBOX=1 (it prints "--dangerously-skip-permissions cannot be used
 * with root/sudo privileges"); tests run in throw-away repos, so they set it.
 */
export async function runClaudePrint(o: {
  repo: string;
  baseUrl: string;
  env: Record<string, string>;
  prompt: string;
  model?: string;
  timeoutMs?: number;
}): Promise<AgentCliRun> {
  const argv = ['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'bypassPermissions', '--model', o.model ?? 'claude-scripted'];
  const env = {
    ...o.env,
    ANTHROPIC_BASE_URL: o.baseUrl,
    ANTHROPIC_API_KEY: 'dummy',
    IS_SANDBOX: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  };
  const r = await spawnJsonl(CLAUDE_BIN, argv, { cwd: o.repo, env, stdin: o.prompt, timeoutMs: o.timeoutMs });
  const result = r.events.find((e) => e.type === 'result');
  return { ...r, lastMessage: typeof result?.result === 'string' ? result.result : undefined };
}

async function spawnJsonl(
  bin: string,
  argv: string[],
  o: { cwd: string; env: Record<string, string>; stdin: string; timeoutMs?: number },
): Promise<Omit<AgentCliRun, 'lastMessage'>> {
  // detached: the agent and the shells it starts get their own process group, so a timeout can end all of them.
  const child = spawn(bin, argv, { cwd: o.cwd, env: o.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  child.stdin.end(o.stdin);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, o.timeoutMs ?? 60_000);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (code, sig) => resolve([code, sig])),
  );
  clearTimeout(timer);
  const events = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as AgentEvent);
  return { exitCode, signal, timedOut, events, stdout, stderr };
}

/** The `output` text of an exec_command result: codex wraps it as "…Process exited with code N\n…Output:\n<text>". */
export function execOutput(toolResult: string): { exitCode: number | undefined; text: string } {
  const code = /Process exited with code (-?\d+)/.exec(toolResult);
  const idx = toolResult.indexOf('\nOutput:\n');
  return { exitCode: code ? Number(code[1]) : undefined, text: idx >= 0 ? toolResult.slice(idx + '\nOutput:\n'.length) : toolResult };
}
