import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CommandAgent, substituteAgentCommand } from '../../src/adapters/agents/command-agent.js';
import { ChildProcessRunner } from '../../src/adapters/process/child-process-runner.js';
import type { AgentRunInput } from '../../src/ports/agent.js';
import { git, makeRepo } from '../helpers/git-repo.js';

describe('CommandAgent (--agent command)', () => {
  let fx: ReturnType<typeof makeRepo>;
  let n = 0;
  before(() => {
    fx = makeRepo('gdnctl cmd agent ');
  });
  after(() => fx.dispose());
  const input = (over: Partial<AgentRunInput> = {}): AgentRunInput => ({
    iteration: ++n,
    prompt: "Make it faster; don't break it.\n",
    workdir: fx.repo,
    iterDir: join(fx.root, 'run', `iter-${n}`),
    timeoutMs: 20_000,
    idleTimeoutMs: 20_000,
    ...over,
  });
  const agent = (command: string, env: NodeJS.ProcessEnv = {}): CommandAgent =>
    new CommandAgent({ command, runner: new ChildProcessRunner({ killGraceMs: 200 }), env: { ...process.env, ...env } });

  it('substitutes {prompt_file}, {workdir}, {iter_dir} shell-quoted', () => {
    assert.equal(
      substituteAgentCommand('a --p {prompt_file} -C {workdir} {iter_dir} {other}', { prompt_file: "/x y/it's.md", workdir: '/w', iter_dir: '/i' }),
      `a --p '/x y/it'\\''s.md' -C '/w' '/i' {other}`,
    );
  });

  it('runs the command in the workdir with the prompt file; a commit lands; output is the transcript', async () => {
    const script = join(fx.root, 'my-agent.sh');
    writeFileSync(
      script,
      [
        'set -e',
        'prompt_file="$1"; iter_dir="$2"',
        'grep -q "Make it faster" "$prompt_file"',
        'test "$(pwd)" = "$GDNCTL_WORKDIR"',
        'echo "agent working on $(basename "$prompt_file")"',
        'echo improved > target.txt && git add -A && git commit -q -m "my agent: improve"',
        'echo "Improved target.txt" > "$iter_dir/last-message.md"',
      ].join('\n'),
    );
    const before = git(fx.repo, 'rev-parse', 'HEAD');
    const i = input();
    const shown: string[] = [];
    const r = await agent(`bash ${JSON.stringify(script)} {prompt_file} {iter_dir}`).run({ ...i, onDisplay: (l) => shown.push(l) });
    assert.equal(r.ok, true, r.detail);
    assert.notEqual(git(fx.repo, 'rev-parse', 'HEAD'), before);
    assert.equal(r.lastMessage?.trim(), 'Improved target.txt');
    assert.deepEqual(shown, ['agent working on prompt.md']);
    assert.equal(readFileSync(join(i.iterDir, 'prompt.md'), 'utf8'), "Make it faster; don't break it.\n");
    const t = readFileSync(join(i.iterDir, 'transcript.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(t, [{ type: 'output', stream: 'stdout', line: 'agent working on prompt.md' }]);
    assert.deepEqual(r.usage, { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 });
    assert.equal(r.argv[0], 'bash');
    assert.equal(r.argv[1], '-lc');
  });

  it("finds the operator's agent on the caller's PATH although bash -lc resets PATH", async () => {
    const bin = join(fx.root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'my-own-agent'), '#!/bin/sh\necho "own agent ran with $1"\n', { mode: 0o755 });
    const r = await agent('my-own-agent {workdir}', { PATH: `${bin}:${process.env.PATH}` }).run(input());
    assert.equal(r.ok, true, r.detail);
    assert.equal(r.lastMessage, `own agent ran with ${fx.repo}`);
  });

  it('non-zero exits are deterministic failures whatever stderr says; secrets are redacted', async () => {
    const r = await agent('echo "key $MY_API_KEY" ; echo "429 Too Many Requests" >&2; exit 3', { MY_API_KEY: 'abcdefgh12345678' }).run(input());
    assert.equal(r.ok, false);
    assert.equal(r.failure, 'agent-exit-nonzero');
    assert.equal(r.exitCode, 3);
    assert.equal(r.lastMessage, 'key [redacted]');
  });

  it('exit 75 (EX_TEMPFAIL) is the documented transient failure', async () => {
    const r = await agent('echo "upstream busy" >&2; exit 75').run(input());
    assert.equal(r.failure, 'agent-server-error');
    assert.equal(r.exitCode, 75);
    assert.match(r.detail ?? '', /exit 75: upstream busy/);
  });

  it('the idle timeout ends a silent command', async () => {
    const r = await agent('sleep 30').run(input({ idleTimeoutMs: 300 }));
    assert.equal(r.failure, 'agent-idle-timeout');
  });
});
