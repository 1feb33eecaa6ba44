import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAgentRunner } from '../../src/adapters/agents/create-agent-runner.js';
import { UsageError } from '../../src/errors.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import type { AgentRunInput } from '../../src/ports/agent.js';
import type { CommandRunner } from '../../src/ports/process.js';

const runner: CommandRunner = {
  run: () => Promise.reject(new Error('not used')),
  killGroup: () => Promise.resolve(),
};
const config = (over: Partial<Config> = {}): Config => ({ ...configSchema.parse({}), ...over });
const input: AgentRunInput = { iteration: 1, prompt: 'p', workdir: '/w', iterDir: '/r/iter-001', timeoutMs: 1, idleTimeoutMs: 1 };

describe('createAgentRunner', () => {
  it('defaults to codex with the anchor defaults', () => {
    const a = createAgentRunner(config(), { runner, env: {} });
    assert.equal(a.name, 'codex');
    assert.deepEqual(a.describe(input), [
      'codex', 'exec', '-C', '/w', '--dangerously-bypass-approvals-and-sandbox', '-o', '/r/iter-001/last-message.md',
      '--ephemeral', '-m', 'gpt-5.4', '-c', 'model_reasoning_effort="xhigh"', '--json', '-',
    ]);
  });

  it('claude: stream-json, permission mode, and no codex default model', () => {
    const a = createAgentRunner(config({ agent: 'claude' }), { runner, env: {} });
    assert.deepEqual(a.describe(input), ['claude', '-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'bypassPermissions']);
    const b = createAgentRunner(config({ agent: 'claude', model: 'opus', claudeBin: '/opt/claude' }), { runner, env: {} });
    assert.deepEqual(b.describe(input).slice(0, 1).concat(b.describe(input).slice(5, 7)), ['/opt/claude', '--model', 'opus']);
  });

  it('other backends warn about codex-only options instead of silently ignoring them', async () => {
    const c = createAgentRunner(config({ agent: 'claude', claudeBin: '/bin/true', modelServer: 'http://127.0.0.1:1/v1', search: true }), { runner, env: { IS_SANDBOX: '1' } });
    const w = (await c.preflight?.())?.warnings ?? [];
    assert.ok(w.some((x) => x.startsWith('--model-server applies to --agent codex only')), w.join());
    assert.ok(w.some((x) => x.startsWith('--search')));
    const cmd = createAgentRunner(config({ agent: 'command', agentCmd: 'x', model: 'm' }), { runner, env: {} });
    assert.deepEqual((await cmd.preflight?.())?.warnings, ['--model does not apply to --agent command; ignored']);
    const plain = createAgentRunner(config({ agent: 'command', agentCmd: 'x' }), { runner, env: {} });
    assert.deepEqual((await plain.preflight?.())?.warnings, []);
  });

  it('command needs --agent-cmd (exit 2 with the fix)', () => {
    assert.throws(() => createAgentRunner(config({ agent: 'command' }), { runner, env: {} }), (e: unknown) => e instanceof UsageError && /--agent-cmd/.test(e.message));
    const a = createAgentRunner(config({ agent: 'command', agentCmd: 'my-agent {prompt_file}' }), { runner, env: {} });
    const argv = a.describe(input);
    assert.deepEqual(argv.slice(0, 2), ['bash', '-lc']);
    assert.match(argv[2] ?? '', /; my-agent '\/r\/iter-001\/prompt\.md'$/);
  });

  it('config validation: backend, sandbox and model-server URL are checked', () => {
    assert.equal(configSchema.safeParse({ agent: 'gemini' }).success, false);
    assert.equal(configSchema.safeParse({ codexSandbox: 'none' }).success, false);
    assert.equal(configSchema.safeParse({ reasoningEffort: 'xhihg' }).success, false);
    assert.equal(configSchema.safeParse({ reasoningEffort: 'low' }).success, true);
    assert.equal(configSchema.safeParse({ modelServer: 'not a url' }).success, false);
    assert.equal(configSchema.safeParse({ modelServer: 'http://127.0.0.1:8000/v1' }).success, true);
  });
});
