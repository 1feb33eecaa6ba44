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
