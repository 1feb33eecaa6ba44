import os from 'node:os';
import { capture } from '../process/capture.js';
import type { EnvSnapshotter } from '../../ports/bench.js';

const TOOLS: Array<[string, string[]]> = [
  ['git', ['--version']],
  ['python3', ['--version']],
  ['uv', ['--version']],
  ['jax', []],
];

async function version(cmd: string, args: string[], cwd: string): Promise<string> {
  if (cmd === 'jax') {
    const r = await capture('python3', ['-c', 'import jax, jaxlib; print("jax", jax.__version__, "jaxlib", jaxlib.__version__)'], { cwd, timeoutMs: 15000 });
    return r.exitCode === 0 ? r.stdout.trim() : 'not importable';
  }
  const r = await capture(cmd, args, { cwd, timeoutMs: 10000 });
  return r.exitCode === 0 ? `${r.stdout}${r.stderr}`.trim().split('\n')[0]! : 'not found';
}

/**
 * env-snapshot.txt: what must match for two measurements to be comparable (auto-optimize flags a changed
 * snapshot before drawing conclusions). The accelerator comes from the held TPU's variables when present.
 */
export async function envSnapshot(opts: { cwd: string; head: string; env: NodeJS.ProcessEnv; now?: Date }): Promise<string> {
  const tools = await Promise.all(TOOLS.map(async ([c, a]) => `- ${c}: ${await version(c, a, opts.cwd)}`));
  const cpus = os.cpus();
  const e = opts.env;
  const accelerator = e.GDNCTL_TPU_NAME
    ? `TPU ${e.GDNCTL_TPU_TYPE ?? '(type unknown)'} ${e.GDNCTL_TPU_NAME} in ${e.GDNCTL_TPU_ZONE ?? '?'}`
    : e.GDNCTL_ACCELERATOR ?? 'none detected (local CPU)';
  return [
    `# Environment snapshot`,
    `Date: ${(opts.now ?? new Date()).toISOString()}`,
    `Git SHA: ${opts.head}`,
    `OS: ${os.type()} ${os.release()} ${os.arch()}`,
    `CPU: ${cpus.length} × ${cpus[0]?.model ?? 'unknown'}`,
    `Memory: ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    `Node: ${process.version}`,
    `Accelerator: ${accelerator}`,
    `Tools:`,
    ...tools,
    '',
  ].join('\n');
}

/** The snapshot of the repository at cwd, taken with the loop's environment. */
export function envSnapshotter(o: { cwd: string; env: NodeJS.ProcessEnv }): EnvSnapshotter {
  return { snapshot: (head) => envSnapshot({ cwd: o.cwd, head, env: o.env }) };
}
