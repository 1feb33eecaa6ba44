import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { agentRunnerContract, type ContractKind } from '../contract/agent-runner-contract.js';
import { fakeCodexAgent, writeScenario, type FakeInvocation } from '../helpers/fake-codex.js';

const dir = mkdtempSync(join(tmpdir(), 'gdnctl-fake-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const scenario = join(dir, 'scenario.json');

const SCRIPTS: Record<ContractKind, FakeInvocation> = {
  commit: {
    steps: [
      { do: 'commit', message: 'speed up the target', files: { 'target.txt': 'faster\n' } },
      { do: 'message', text: 'Committed the change.' },
    ],
  },
  'no-commit': { steps: [{ do: 'message', text: 'No worthwhile change found.' }] },
  fail: { steps: [{ do: 'error', message: 'unexpected status 400 Bad Request: model not supported', fail: true }] },
  hang: { steps: [{ do: 'message', text: 'thinking…' }, { do: 'hang', pidFile: join(dir, 'grandchild.pid') }] },
};

agentRunnerContract({
  name: 'fake codex',
  makeRunner: () => fakeCodexAgent(scenario),
  prepare: async (kind) => writeScenario(scenario, [SCRIPTS[kind]]),
  hangIdleTimeoutMs: 800,
});
