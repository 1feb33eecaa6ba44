/**
 * In-process fakes for the loop engine's unit tests: a scripted agent that acts on a FakeGit, a scripted
 * command runner (post-checks), an in-memory ledger and an instant clock.
 */
import { relative } from 'node:path';
import type { AgentRunInput, AgentRunResult, AgentRunner } from '../../src/ports/agent.js';
import type { Clock } from '../../src/ports/clock.js';
import type { CommandRunner, ProcessResult, ProcessSpec } from '../../src/ports/process.js';
import type { Ledger, LedgerEventType } from '../../src/ports/ledger.js';
import type { LoopConsole, LoopDeps, TextFiles } from '../../src/core/loop/engine.js';
import type { RunState } from '../../src/core/loop/run-state.js';
import { loopSettings, type LoopConfigValues, type LoopSettings } from '../../src/core/loop/settings.js';
import { ZERO_TOKENS } from '../../src/core/loop/outcome.js';
import { beginIteration, loopRun } from '../../src/core/loop/context.js';
import type { LoopEvent } from '../../src/core/loop/events.js';
import { showLoopEvent } from '../../src/cli/loop/loop-console.js';
import { FakeGit } from './fake-git.js';

export type AgentAct = (git: FakeGit, input: AgentRunInput) => Partial<AgentRunResult> | void;

export class ScriptedAgent implements AgentRunner {
  readonly name = 'scripted';
  calls: AgentRunInput[] = [];
  constructor(
    private readonly git: FakeGit,
    private readonly acts: AgentAct[],
  ) {}
  describe(): string[] {
    return ['scripted', '-'];
  }
  async preflight(): Promise<{ warnings: string[] }> {
    return { warnings: [] };
  }
  async run(input: AgentRunInput): Promise<AgentRunResult> {
    this.calls.push(input);
    const act = this.acts[Math.min(this.calls.length - 1, this.acts.length - 1)]!;
    const r = act(this.git, input) ?? {};
    return { ok: true, exitCode: 0, durationMs: 1, usage: { inputTokens: 10, cachedInputTokens: 0, outputTokens: 2 }, argv: [], ...r };
  }
}

export class ScriptedRunner implements CommandRunner {
  specs: ProcessSpec[] = [];
  constructor(private readonly exitCodes: Array<number | ((spec: ProcessSpec) => number)> = [0]) {}
  async run(spec: ProcessSpec): Promise<ProcessResult> {
    this.specs.push(spec);
    const e = this.exitCodes[Math.min(this.specs.length - 1, this.exitCodes.length - 1)]!;
    const exitCode = typeof e === 'function' ? e(spec) : e;
    spec.onLine?.(`ran ${this.specs.length}`, 'stdout');
    return { exitCode, signal: null, timedOut: null, aborted: false, durationMs: 1, tail: `failed with ${exitCode}` };
  }
  async killGroup(): Promise<void> {}
}

export class MemoryLedger implements Ledger {
  readonly runDir = '/fake/run';
  files = new Map<string, string>();
  eventsLog: Array<{ type: string } & Record<string, unknown>> = [];
  state: unknown;
  /** Every state.json write, with how many events were in the ledger when it happened. */
  stateWrites: Array<{ afterEvents: number; state: RunState }> = [];
  iterDir(i: number): string {
    return `${this.runDir}/iter-${String(i).padStart(3, '0')}`;
  }
  async event(type: LedgerEventType, data: Record<string, unknown> = {}): Promise<void> {
    this.eventsLog.push({ type, ...data });
  }
  async writeState(state: unknown): Promise<void> {
    this.state = JSON.parse(JSON.stringify(state));
    this.stateWrites.push({ afterEvents: this.eventsLog.length, state: this.state as RunState });
  }
  async readState<T>(): Promise<T | undefined> {
    return this.state as T | undefined;
  }
  async writeFile(rel: string, content: string): Promise<string> {
    this.files.set(rel, content);
    return `${this.runDir}/${rel}`;
  }
  async writeJson(rel: string, value: unknown): Promise<string> {
    return this.writeFile(rel, JSON.stringify(value));
  }
  json<T = Record<string, unknown>>(rel: string): T {
    return JSON.parse(this.files.get(rel) ?? 'null') as T;
  }
}

export const instantClock: Clock = { now: () => Date.now(), sleep: async () => {} };

export function gitFiles(git: FakeGit): TextFiles {
  return {
    read: async (p) => git.read(relative(git.root, p)),
    write: async (p, c) => git.write({ [relative(git.root, p)]: c }),
  };
}

/** Records the lines the real console would print (without its prefixes) and the events it was shown. */
export function recordingConsole(): LoopConsole & { lines: string[]; events: LoopEvent[] } {
  const lines: string[] = [];
  const events: LoopEvent[] = [];
  const push = (l: string): void => void lines.push(l);
  const text = { status: push, info: push, warn: push, echo: push };
  return { lines, events, ...text, event: (e) => (events.push(e), showLoopEvent(e, text)) };
}

export function newState(): RunState {
  return {
    schemaVersion: 1, runId: 'test-run', status: 'running', ownerPid: 1, ownerHost: 'h', iteration: 1, attempt: 1, phase: 'preflight',
    iterationDone: false, failures: 0, consecutiveFailures: 0, keptStashes: [], leftoverStashes: [], tokens: ZERO_TOKENS, completed: [],
    updatedAt: '',
  };
}

export const BASE_VALUES: LoopConfigValues = {
  iterations: 1, workdir: '/fake/repo', sleepSeconds: 0, retrySleepSeconds: 0, allowDirty: false, dirtyPolicy: 'fail',
  stashRestorePolicy: 'warn-keep', allowNoCommit: false, noCommitPolicy: 'fail', postCheckPolicy: 'fail', iterationErrorPolicy: 'fail',
  maxFailures: 0, maxConsecutiveFailures: -1, postCheck: [], postCheckRetries: 0, codexRetries: 0, codexTimeoutSeconds: 60,
  codexIdleTimeoutSeconds: 60, syncMainPolicy: 'off', syncMainRemote: 'origin', syncMainBranch: 'main', syncMainConflictPolicy: 'fail',
  protect: [], hillclimbLog: '/fake/repo/log.md',
};

export function settings(over: Partial<LoopConfigValues> = {}): LoopSettings {
  return loopSettings({ ...BASE_VALUES, ...over }, { promptTemplate: 'Iteration {{ITERATION}}/{{TOTAL_ITERATIONS}} at {{HEAD_SHA}}', promptFile: 'p.md', directives: ['be bold'], binDir: '/pkg/bin' });
}

/**
 * A phase's iteration context at the start of iteration `i` (beginIteration), over the fakes above; phases
 * are then called one by one, as the driver would.
 */
export function iterationAt(
  git: FakeGit,
  o: { settings?: Partial<LoopConfigValues>; deps?: Partial<LoopDeps>; acts?: AgentAct[]; state?: RunState; i?: number } = {},
) {
  const agent = new ScriptedAgent(git, o.acts ?? [() => undefined]);
  const d = deps(git, agent, o.deps);
  const state = o.state ?? newState();
  const c = beginIteration(loopRun(settings(o.settings), d, state), o.i ?? 1);
  return { c, d, agent, state };
}

export function deps(git: FakeGit, agent: AgentRunner, extra: Partial<LoopDeps> = {}): LoopDeps & { ledger: MemoryLedger; console: ReturnType<typeof recordingConsole> } {
  return {
    git, agent, runner: new ScriptedRunner(), ledger: new MemoryLedger(), clock: instantClock, files: gitFiles(git),
    console: recordingConsole(), signal: new AbortController().signal, env: {}, ...extra,
  } as LoopDeps & { ledger: MemoryLedger; console: ReturnType<typeof recordingConsole> };
}
