/**
 * In-process fakes for the run session's unit tests: a store of in-memory run ledgers (one per run id), a TPU
 * hold that records its calls, and a command runner that records the process groups it was asked to end.
 */
import type { ExperimentRecord, LedgerEventType, OwnerProbe, RunLedger, RunListing, RunStore } from '../../src/ports/ledger.js';
import type { ChildGroup, RunChildren } from '../../src/ports/children.js';
import type { CommandRunner, ProcessResult, ProcessSpec } from '../../src/ports/process.js';
import type { TpuHold, TpuNode } from '../../src/ports/tpu.js';
import { MemoryLedger, ScriptedRunner } from './loop-fakes.js';

/** MemoryLedger's model with a run id per ledger, archived attempts and every run.json write kept. */
export class MemoryRunLedger implements RunLedger {
  readonly runDir: string;
  private readonly mem = new MemoryLedger();
  /** Every write of run.json, parsed, in order. */
  readonly runJsonWrites: Array<Record<string, unknown>> = [];
  readonly archived: number[] = [];
  /** What archiveAttempt answers (the K of attempt-K). */
  archiveAnswer = 1;

  constructor(readonly runId: string) {
    this.runDir = `/fake/logs/runs/${runId}`;
  }

  get eventsLog(): MemoryLedger['eventsLog'] {
    return this.mem.eventsLog;
  }
  get state(): unknown {
    return this.mem.state;
  }
  get stateWrites(): MemoryLedger['stateWrites'] {
    return this.mem.stateWrites;
  }
  /** The run's files by path inside its folder (what the memory and the measurer would have written). */
  get files(): Map<string, string> {
    return this.mem.files;
  }
  iterDir(i: number): string {
    return `${this.runDir}/iter-${String(i).padStart(3, '0')}`;
  }
  event(type: LedgerEventType, data?: Record<string, unknown>): Promise<void> {
    return this.mem.event(type, data);
  }
  writeState(state: unknown): Promise<void> {
    return this.mem.writeState(state);
  }
  readState<T>(): Promise<T | undefined> {
    return this.mem.readState<T>();
  }
  async writeFile(rel: string, content: string): Promise<string> {
    await this.mem.writeFile(rel, content);
    return `${this.runDir}/${rel}`;
  }
  async writeJson(rel: string, value: unknown): Promise<string> {
    if (rel === 'run.json') this.runJsonWrites.push(JSON.parse(JSON.stringify(value)) as Record<string, unknown>);
    return this.writeFile(rel, JSON.stringify(value));
  }
  json<T = Record<string, unknown>>(rel: string): T {
    return this.mem.json<T>(rel);
  }
  async archiveAttempt(iteration: number): Promise<number> {
    this.archived.push(iteration);
    return this.archiveAnswer;
  }
}

export class MemoryRunStore implements RunStore {
  readonly ledgers = new Map<string, MemoryRunLedger>();
  /** Listed newest first, as the file store lists them; the runs create() made are listed before these. */
  listings: RunListing[] = [];
  readonly experiments = new Map<string, ExperimentRecord>();
  private readonly createdIds: string[] = [];

  async list(): Promise<RunListing[]> {
    const created = this.createdIds
      .map((id) => this.ledgers.get(id)!)
      .filter((l) => l.runJsonWrites.length > 0)
      .map((l) => ({ runId: l.runId, runDir: l.runDir, run: l.runJsonWrites.at(-1)!, state: l.state as Record<string, unknown> | undefined }));
    return [...created.reverse(), ...this.listings];
  }

  async create(startedAt: Date): Promise<MemoryRunLedger> {
    const id = `${startedAt.toISOString()}-${this.createdIds.length + 1}`;
    this.createdIds.push(id);
    return this.open(id);
  }

  async readFile(runId: string, rel: string): Promise<string | undefined> {
    return this.ledgers.get(runId)?.files.get(rel);
  }

  async copy(fromRunId: string, toRunId: string, rel: string): Promise<boolean> {
    const text = await this.readFile(fromRunId, rel);
    if (text === undefined) return false;
    (await this.open(toRunId)).files.set(rel, text);
    return true;
  }

  async readExperiment(id: string): Promise<ExperimentRecord | undefined> {
    const r = this.experiments.get(id);
    return r && (JSON.parse(JSON.stringify(r)) as ExperimentRecord);
  }

  async writeExperiment(record: ExperimentRecord): Promise<void> {
    this.experiments.set(record.id, JSON.parse(JSON.stringify(record)) as ExperimentRecord);
  }

  async open(runId: string): Promise<MemoryRunLedger> {
    let l = this.ledgers.get(runId);
    if (!l) this.ledgers.set(runId, (l = new MemoryRunLedger(runId)));
    return l;
  }

  /** The ledger start() made (the only one, in a test that starts one run). */
  only(): MemoryRunLedger {
    if (this.ledgers.size !== 1) throw new Error(`expected one run ledger, found ${this.ledgers.size}`);
    return [...this.ledgers.values()][0]!;
  }
}

export const TEST_NODE: TpuNode = {
  project: 'p', zone: 'z', cluster: 'c', name: 'n', acceleratorType: 'v5e-8', state: 'READY', workers: [{ index: 0, host: '127.0.0.1' }], labels: {},
};

export class RecordingTpuHold implements TpuHold {
  readonly calls: Array<{ op: 'acquire' | 'release'; hurry?: boolean }> = [];
  private node: TpuNode | undefined;
  async acquire(): Promise<TpuNode | undefined> {
    this.calls.push({ op: 'acquire' });
    this.node = TEST_NODE;
    return this.node;
  }
  async ensureAlive(): Promise<{ node: TpuNode | undefined; reacquired: boolean }> {
    return { node: this.node, reacquired: false };
  }
  current(): TpuNode | undefined {
    return this.node;
  }
  async release(opts: { hurry?: boolean } = {}): Promise<void> {
    this.calls.push({ op: 'release', hurry: opts.hurry === true });
    this.node = undefined;
  }
  leaseFile(): string | undefined {
    return '/fake/logs/leases/p-z-n.json';
  }
}

/** Post-checks pass (ScriptedRunner); the process groups a resume ends are recorded. */
export class KillRecordingRunner implements CommandRunner {
  private readonly inner = new ScriptedRunner();
  readonly killed: number[] = [];
  get specs(): ProcessSpec[] {
    return this.inner.specs;
  }
  run(spec: ProcessSpec): Promise<ProcessResult> {
    return this.inner.run(spec);
  }
  async killGroup(pgid: number): Promise<void> {
    this.killed.push(pgid);
  }
}

/** A probe that answers from a table of pid → start time of the processes "alive" now. */
export function probeFrom(alive: Record<number, string>, seen: Array<Parameters<OwnerProbe>[0]> = []): OwnerProbe {
  return (owner) => {
    seen.push(owner);
    const now = alive[owner.pid];
    if (now === undefined) return 'dead';
    return owner.startTime === undefined || owner.startTime === now ? 'alive' : 'dead';
  };
}

/**
 * RunChildren over a pretend process table: `start` adds a process (with its group and, optionally, a marker in
 * its environment), endGroups and sweep end them; what was ended is kept for the assertions.
 */
export class FakeRunChildren implements RunChildren {
  readonly env: Record<string, string>;
  readonly procs = new Map<number, { pgid: number; startTime: string; marker?: string | undefined; tracked: boolean }>();
  readonly ended: number[] = [];
  private readonly listeners = new Set<() => void>();
  private nextPid = 1000;

  constructor(readonly marker = 'fake-marker') {
    this.env = { GDNCTL_RUN_MARKER: marker };
  }

  /** A process of this run (tracked: a group its runner records) or left behind by another, with `marker`. */
  start(opts: { marker?: string; tracked?: boolean; pgid?: number } = {}): number {
    const pid = this.nextPid++;
    const tracked = opts.tracked ?? true;
    this.procs.set(pid, { pgid: opts.pgid ?? pid, startTime: String(pid * 7), marker: opts.marker, tracked });
    if (tracked) for (const l of this.listeners) l();
    return pid;
  }

  isAlive(pid: number): boolean {
    return this.procs.has(pid);
  }

  running(): ChildGroup[] {
    return [...this.procs].filter(([pid, p]) => p.tracked && p.pgid === pid).map(([pid, p]) => ({ pgid: pid, startTime: p.startTime }));
  }

  onStart(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async endGroups(groups: readonly ChildGroup[]): Promise<void> {
    for (const g of groups) {
      const leader = this.procs.get(g.pgid);
      if (leader && g.startTime !== undefined && leader.startTime !== g.startTime) continue;
      for (const [pid, p] of this.procs) if (p.pgid === g.pgid) this.end(pid);
    }
  }

  async sweep(marker = this.marker): Promise<number[]> {
    const found = [...this.procs].filter(([, p]) => p.marker === marker).map(([pid]) => pid);
    for (const pid of found) this.end(pid);
    return found;
  }

  private end(pid: number): void {
    this.procs.delete(pid);
    this.ended.push(pid);
  }
}
