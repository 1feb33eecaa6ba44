/**
 * The codex AgentRunner contract: behaviours the real Codex CLI (against a scripted Responses API server) and
 * the fake codex (test/fakes/bin/codex) must share, so the fake the loop's tests rely on cannot drift.
 *
 * Usage (inside a node:test file):
 *
 *   agentRunnerContract({
 *     name: 'fake codex',
 *     makeRunner: () => new CodexAgent({ bin, runner: new ChildProcessRunner({ killGraceMs: 200 }), env, ... }),
 *     prepare: async (kind, repoDir) => { ...script the next run... },
 *   });
 *
 * prepare(kind, repoDir) arranges what the NEXT run() does in repoDir (a fresh git repo with one commit and a
 * user identity, created by the suite):
 *   'commit'    the agent makes one commit and ends with a final message;
 *   'no-commit' the agent ends with a final message and changes nothing;
 *   'fail'      the run fails (model/API error or non-zero exit) without committing;
 *   'hang'      the agent produces some output, then none at all (the idle timeout must end it).
 * Runners must use codex's default-on --ephemeral. Timeouts can be widened for a slow real binary.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isGroupAlive } from '../../src/adapters/process/process-group.js';
import type { AgentRunInput, AgentRunner } from '../../src/ports/agent.js';
import { git, makeRepo } from '../helpers/git-repo.js';

export type ContractKind = 'commit' | 'no-commit' | 'fail' | 'hang';

export interface AgentRunnerHarness {
  /** Shown in test names. */
  name: string;
  makeRunner(): AgentRunner;
  prepare(kind: ContractKind, repoDir: string): Promise<void>;
  /** Wall timeout for normal runs (default 60 s). */
  timeoutMs?: number;
  /** Idle timeout used by the 'hang' case (default 1500 ms). */
  hangIdleTimeoutMs?: number;
}

export function agentRunnerContract(h: AgentRunnerHarness): void {
  describe(`AgentRunner contract: ${h.name}`, () => {
    let fixture: ReturnType<typeof makeRepo>;
    let n = 0;
    before(() => {
      fixture = makeRepo();
    });
    after(() => fixture.dispose());

    const input = (over: Partial<AgentRunInput> = {}): AgentRunInput => ({
      iteration: ++n,
      prompt: `Iteration ${n}: improve the target.\n`,
      workdir: fixture.repo,
      iterDir: join(fixture.root, 'run', `iter-${String(n).padStart(3, '0')}`),
      timeoutMs: h.timeoutMs ?? 60_000,
      idleTimeoutMs: h.timeoutMs ?? 60_000,
      ...over,
    });
    const events = (iterDir: string): Array<Record<string, unknown>> =>
      readFileSync(join(iterDir, 'transcript.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);

    it('describes the anchor argv: prompt on stdin ("-" last), -C, -o last-message.md, --json, --ephemeral', () => {
      const i = input();
      const argv = h.makeRunner().describe(i);
      assert.equal(argv.at(-1), '-');
      assert.equal(argv[1], 'exec');
      assert.equal(argv[argv.indexOf('-C') + 1], i.workdir);
      assert.equal(argv[argv.indexOf('-o') + 1], join(i.iterDir, 'last-message.md'));
      assert.ok(argv.includes('--json'));
      assert.ok(argv.includes('--ephemeral'));
      assert.ok(!argv.some((a) => a.includes('improve the target')), 'the prompt must not be in argv');
    });

    it('a commit lands; transcript, usage and last message are recorded', async () => {
      await h.prepare('commit', fixture.repo);
      const before = git(fixture.repo, 'rev-parse', 'HEAD');
      const i = input();
      const shown: string[] = [];
      const r = await h.makeRunner().run({ ...i, onDisplay: (l) => shown.push(l) });
      assert.equal(r.ok, true, `run failed: ${r.failure} ${r.detail}`);
      assert.equal(r.exitCode, 0);
      const after = git(fixture.repo, 'rev-parse', 'HEAD');
      assert.notEqual(after, before, 'HEAD did not move');
      assert.equal(git(fixture.repo, 'merge-base', '--is-ancestor', before, after), '');
      const ev = events(i.iterDir);
      assert.ok(ev.some((e) => e.type === 'thread.started'), 'no thread.started');
      const done = ev.find((e) => e.type === 'turn.completed') as { usage?: Record<string, number> } | undefined;
      assert.ok(done?.usage && typeof done.usage.input_tokens === 'number', 'no turn.completed with usage');
      assert.ok(ev.some((e) => (e.item as { type?: string } | undefined)?.type === 'command_execution'), 'no command_execution item');
      assert.ok(r.usage.inputTokens > 0 && r.usage.outputTokens > 0, `usage ${JSON.stringify(r.usage)}`);
      assert.ok(r.lastMessage && r.lastMessage.trim() !== '', 'no last message');
      assert.ok(existsSync(join(i.iterDir, 'last-message.md')));
      assert.equal(r.argv.at(-1), '-');
      assert.ok(shown.some((l) => /exit 0/.test(l)), `display lacks a command with its exit code: ${shown.join(' | ')}`);
    });

    it('no commit: ends ok and HEAD stays', async () => {
      await h.prepare('no-commit', fixture.repo);
      const before = git(fixture.repo, 'rev-parse', 'HEAD');
      const r = await h.makeRunner().run(input());
      assert.equal(r.ok, true, `run failed: ${r.failure} ${r.detail}`);
      assert.equal(git(fixture.repo, 'rev-parse', 'HEAD'), before);
      assert.ok(r.usage.outputTokens > 0);
    });

    it('a failing run is reported as a classified failure, not thrown', async () => {
      await h.prepare('fail', fixture.repo);
      const before = git(fixture.repo, 'rev-parse', 'HEAD');
      const r = await h.makeRunner().run(input());
      assert.equal(r.ok, false);
      assert.ok(r.failure && !['agent-timeout', 'agent-idle-timeout', 'agent-interrupted'].includes(r.failure), `failure ${r.failure}`);
      assert.ok(r.detail && r.detail.length > 0);
      assert.equal(git(fixture.repo, 'rev-parse', 'HEAD'), before);
    });

    it('a silent agent hits the idle timeout and its whole process group ends', async () => {
      await h.prepare('hang', fixture.repo);
      let pgid = 0;
      const idle = h.hangIdleTimeoutMs ?? 1500;
      const r = await h.makeRunner().run(input({ idleTimeoutMs: idle, timeoutMs: 120_000, onSpawn: (p) => (pgid = p) }));
      assert.equal(r.ok, false);
      assert.equal(r.failure, 'agent-idle-timeout');
      assert.ok(pgid > 0, 'onSpawn was not called');
      assert.equal(isGroupAlive(pgid), false, 'a process of the agent group survived');
    });
  });
}
