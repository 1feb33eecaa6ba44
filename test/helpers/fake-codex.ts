import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CodexAgent, type CodexAgentOptions } from '../../src/adapters/agents/codex-agent.js';
import { ChildProcessRunner } from '../../src/adapters/process/child-process-runner.js';

/** Path of the scriptable fake codex (test/fakes/bin/codex). */
export const FAKE_CODEX_BIN = fileURLToPath(new URL('../fakes/bin/codex', import.meta.url));

export type FakeStep = { do: string } & Record<string, unknown>;
export interface FakeInvocation {
  steps: FakeStep[];
  usage?: Record<string, number>;
  exitCode?: number;
}

/** Write a scenario file and reset its invocation counter. */
export function writeScenario(file: string, invocations: FakeInvocation[]): void {
  writeFileSync(file, JSON.stringify(invocations));
  rmSync(`${file}.count`, { force: true });
}

export { VALID_REPORT } from '../fixtures/agent-report.js';

export function fakeCodexAgent(scenario: string, over: Partial<CodexAgentOptions> = {}, env: NodeJS.ProcessEnv = {}): CodexAgent {
  return new CodexAgent({
    bin: FAKE_CODEX_BIN,
    model: 'gpt-5.4',
    reasoningEffort: 'xhigh',
    ephemeral: true,
    sandbox: 'bypass',
    search: false,
    showFileUpdates: false,
    runner: new ChildProcessRunner({ killGraceMs: 200 }),
    env: { ...process.env, FAKE_CODEX_SCENARIO: scenario, ...env },
    ...over,
  });
}
