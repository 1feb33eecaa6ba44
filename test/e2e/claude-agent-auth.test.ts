// Complements the modelserver helper's test/e2e/claude-agent.test.ts (commit, API error, idle timeout through its
// scripted Messages server): here the usage mapping (cache reads) and a 401 classified as agent-auth.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ClaudeAgent } from '../../src/adapters/agents/claude-agent.js';
import { ChildProcessRunner } from '../../src/adapters/process/child-process-runner.js';
import type { AgentRunInput } from '../../src/ports/agent.js';
import { git, makeRepo } from '../helpers/git-repo.js';
import { startMessagesServer } from '../../scripts/model-server/messages-server.js';
import type { ScriptTurn } from '../../scripts/model-server/script.js';
import type { ScriptedServer } from '../../scripts/model-server/scripted-http.js';

// The real Claude Code (devDependency @anthropic-ai/claude-code 2.1.197, the last release for Node 20) against a
// scripted Messages API server on loopback.
const CLAUDE = fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url));
const probe = spawnSync(CLAUDE, ['--version'], { encoding: 'utf8', timeout: 30_000 });
const skip = probe.status === 0 ? false : `claude cannot run here (${probe.error?.message ?? probe.stderr.trim().slice(0, 200)}); install @anthropic-ai/claude-code with its postinstall`;
if (skip) console.warn(`SKIPPING claude e2e: ${skip}`);

describe('ClaudeAgent with the real claude binary', { skip }, () => {
  let fx: ReturnType<typeof makeRepo>;
  let server: ScriptedServer | undefined;
  let n = 0;
  before(() => {
    fx = makeRepo('gdnctl-claude-');
  });
  after(async () => {
    await server?.close();
    fx.dispose();
  });

  async function agentFor(turns: ScriptTurn[]): Promise<ClaudeAgent> {
    await server?.close();
    server = await startMessagesServer({ script: { sessions: [{ turns }] } });
    const home = join(fx.root, `home-${n}`);
    mkdirSync(home, { recursive: true });
    return new ClaudeAgent({
      bin: CLAUDE,
      model: 'claude-sonnet-4-5',
      permissionMode: 'bypassPermissions',
      showFileUpdates: false,
      runner: new ChildProcessRunner({ killGraceMs: 500 }),
      env: {
        PATH: process.env.PATH,
        HOME: home,
        ANTHROPIC_BASE_URL: server.url,
        ANTHROPIC_API_KEY: 'sk-ant-test-key-0123456789',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_TELEMETRY: '1',
        DISABLE_AUTOUPDATER: '1',
        // Claude retries even a 401 ten times with backoff; the test wants the verdict at once.
        CLAUDE_CODE_MAX_RETRIES: '0',
        // Claude refuses bypassPermissions as root outside a declared sandbox; this test VM is one.
        IS_SANDBOX: '1',
      },
    });
  }
  const input = (): AgentRunInput => ({
    iteration: ++n,
    prompt: 'Improve the target and commit.\n',
    workdir: fx.repo,
    iterDir: join(fx.root, 'run', `iter-${n}`),
    timeoutMs: 90_000,
    idleTimeoutMs: 60_000,
  });

  it('runs a scripted Bash commit; usage and cost come from the result event', async () => {
    const agent = await agentFor([
      // Each response reports 20 of its 100 input tokens as cache reads.
      { exec: 'echo faster > target.txt && git add -A && git commit -q -m "claude: faster" && git rev-parse HEAD', usage: { input: 100, cached: 20 } },
      { message: 'Committed the faster version.', usage: { input: 100, cached: 20 } },
    ]);
    const before = git(fx.repo, 'rev-parse', 'HEAD');
    const i = input();
    const shown: string[] = [];
    const r = await agent.run({ ...i, onDisplay: (l) => shown.push(l) });
    assert.equal(r.ok, true, `${r.failure}: ${r.detail}`);
    assert.notEqual(git(fx.repo, 'rev-parse', 'HEAD'), before);
    assert.equal(git(fx.repo, 'log', '-1', '--format=%s'), 'claude: faster');
    assert.equal(r.lastMessage, 'Committed the faster version.');
    assert.equal(readFileSync(join(i.iterDir, 'last-message.md'), 'utf8'), 'Committed the faster version.');
    assert.ok(r.usage.inputTokens > r.usage.cachedInputTokens && r.usage.cachedInputTokens > 0, JSON.stringify(r.usage));
    assert.ok(r.usage.outputTokens > 0);
    assert.ok(typeof r.costUsd === 'number' && r.costUsd > 0);
    assert.deepEqual(server!.violations, []);
    const events = readFileSync(join(i.iterDir, 'transcript.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(events.at(-1).type, 'result');
    assert.ok(shown.some((l) => l.startsWith('$ echo faster')), shown.join('\n'));
    assert.ok(!readFileSync(join(i.iterDir, 'transcript.jsonl'), 'utf8').includes('sk-ant-test-key-0123456789'));
    assert.ok(server!.requests.some((q) => q.method === 'POST' && JSON.stringify(q.body).includes('Improve the target')), 'the prompt reached the model via stdin');
  });

  it('an API auth error ends as a classified failure (is_error result)', async () => {
    const agent = await agentFor([{ error: { status: 401, message: 'invalid x-api-key' } }]);
    const r = await agent.run(input());
    assert.equal(r.ok, false);
    assert.equal(r.failure, 'agent-auth', r.detail);
    assert.deepEqual(server!.violations, []);
  });

  // Classified from the result's api_error_status and the assistant message's error code, never from the text.
  for (const [status, want] of [[429, 'agent-rate-limited'], [529, 'agent-server-error'], [503, 'agent-server-error'], [400, 'agent-exit-nonzero']] as const) {
    it(`an API error with HTTP ${status} is ${want}`, async () => {
      const agent = await agentFor([{ error: { status, message: `scripted ${status}: the billing shard said no` } }]);
      const r = await agent.run(input());
      assert.equal(r.failure, want, r.detail);
      assert.deepEqual(server!.violations, []);
    });
  }
});
