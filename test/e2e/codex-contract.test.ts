/**
 * The AgentRunner contract against the REAL Codex CLI (node_modules/.bin/codex, 0.169.0) talking to the scripted
 * Responses-API server through the adapter's own --model-server CODEX_HOME. The fake codex passes the same suite
 * (test/integration/fake-codex-contract.test.ts), so the fake the loop's tests use cannot drift from the binary.
 */
import { after } from 'node:test';
import { CodexAgent } from '../../src/adapters/agents/codex-agent.js';
import { ChildProcessRunner } from '../../src/adapters/process/child-process-runner.js';
import { startResponsesServer } from '../../scripts/model-server/responses-server.js';
import type { ScriptSession } from '../../scripts/model-server/script.js';
import { agentRunnerContract, type ContractKind } from '../contract/agent-runner-contract.js';
import { CODEX_BIN } from '../helpers/agent-cli.js';

const SESSIONS: Record<ContractKind, ScriptSession> = {
  commit: {
    name: 'commit',
    turns: [
      { exec: "printf 'faster\\n' > target.txt && git add -A && git commit -q -m 'speed up the target' && git rev-parse HEAD" },
      { message: 'Committed the change.' },
    ],
  },
  'no-commit': { name: 'no-commit', turns: [{ exec: 'git status --short' }, { message: 'No worthwhile change found.' }] },
  // A 400 is not retried by codex: the turn fails at once with the server's message.
  fail: { name: 'fail', turns: [{ error: { status: 400, message: 'model not supported' } }] },
  // response.created, then silence: codex has printed thread.started/turn.started and waits (its own stream idle
  // timeout is 300 s), so the runner's idle timeout is what ends it.
  hang: { name: 'hang', turns: [{ stall: true }] },
};

const server = await startResponsesServer({ script: { sessions: [] } });
after(() => server.close());

agentRunnerContract({
  name: 'real codex 0.171 + scripted Responses API',
  makeRunner: () =>
    new CodexAgent({
      bin: CODEX_BIN,
      model: 'scripted',
      reasoningEffort: 'low',
      ephemeral: true,
      sandbox: 'bypass',
      search: false,
      showFileUpdates: false,
      modelServer: server.url,
      runner: new ChildProcessRunner({ killGraceMs: 500 }),
      env: { ...process.env, NODE_TEST_CONTEXT: undefined },
    }),
  prepare: async (kind) => server.appendSession(SESSIONS[kind]),
  timeoutMs: 90_000,
  hangIdleTimeoutMs: 3000,
});

after(() => {
  // A mismatch between what codex sent and what the script expected would otherwise only show as a vague
  // contract failure; make it loud.
  if (server.violations.length > 0) throw new Error(`scripted server violations: ${server.violations.join('; ')}`);
});
