/**
 * The run's one writer while candidates run side by side: state.json, events.jsonl and the memory's files
 * (leaderboard.md, reflexions) are written by the orchestrator alone, one write at a time, in the order they
 * were asked for. Each candidate gets a Ledger and an IterationMemory that report through it: its events carry
 * its round and slot, its state.json writes become its entry in the run's `parallel.candidates`, and its
 * record.json gains round and slot on the way through.
 */
import type { IterationMemory } from '../../ports/bench.js';
import type { Ledger, LedgerEventType } from '../../ports/ledger.js';
import type { IterationRecord } from '../loop/outcome.js';
import type { RunState } from '../loop/run-state.js';
import type { Explored } from './diversity.js';
import { exploredRecord } from './explored.js';

/** A candidate as state.json records it: what a resume needs to end its agent and pick the round up. */
export interface CandidateEntry {
  slot: number;
  iteration: number;
  branch: string;
  dir: string;
  phase: string;
  agentPgid?: number | undefined;
  done: boolean;
  /** Once done: record.json's outcome and status, and the tip of its branch. */
  outcome?: string | undefined;
  status?: string | undefined;
  head?: string | undefined;
  targetReached?: boolean | undefined;
  /** Its median against the champion (with --bench): the finalists' fallback ranking. */
  measured?: number | undefined;
  explored?: Explored | undefined;
}

/**
 * The round's promotion, saved before the loop's branch moves (`before` is its HEAD then) and completed with
 * `head` once applied, so a resume neither applies it twice nor ranks the finalists again.
 */
export interface PromotionIntent {
  round: number;
  slot: number;
  iteration: number;
  base: string;
  tip: string;
  before: string;
  /** The operator's work stashed around the promotion (put back by SHA on resume if still stashed). */
  stash?: string | undefined;
  head?: string | undefined;
  how?: string | undefined;
  /** The candidate-promoted event is written. */
  announced?: boolean | undefined;
}

export interface ParallelStateFields {
  k: number;
  round: number;
  /** The champion commit every candidate of the round started from. */
  base?: string | undefined;
  candidates: CandidateEntry[];
  /** What the last finished round explored, for the next round's prompts. */
  previous: Explored[];
  promotion?: PromotionIntent | undefined;
}

export type ParallelRunState = RunState & { parallel?: ParallelStateFields };

export class RunWriter {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ledger: Ledger,
    readonly state: ParallelRunState,
    private readonly memory: IterationMemory | undefined,
    private readonly now: () => number,
  ) {}

  /** Run `fn` after every write asked for before it; a failed write does not block the ones after it. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  event(type: LedgerEventType, data?: Record<string, unknown>): Promise<void> {
    return this.serial(() => this.ledger.event(type, data));
  }

  saveState(): Promise<void> {
    return this.serial(() => {
      this.state.updatedAt = new Date(this.now()).toISOString();
      return this.ledger.writeState(this.state);
    });
  }

  entry(slot: number): CandidateEntry | undefined {
    return this.state.parallel?.candidates.find((c) => c.slot === slot);
  }

  memoryRecord(iteration: number, rec: Record<string, unknown>): Promise<void> {
    const m = this.memory;
    return m ? this.serial(() => m.record(iteration, rec)) : Promise.resolve();
  }

  /** The Ledger candidate `slot` writes through; `onRecord` receives its record.json. */
  candidateLedger(slot: number, round: number, onRecord: (rec: IterationRecord) => void): Ledger {
    const base = this.ledger;
    const tag = { round, slot };
    return {
      runDir: base.runDir,
      iterDir: (i) => base.iterDir(i),
      event: (type, data) => this.event(type, { ...data, ...tag }),
      writeState: async (st) => {
        const s = st as RunState;
        const e = this.entry(slot);
        if (e) Object.assign(e, { iteration: s.iteration, phase: s.phase, agentPgid: s.agentPgid });
        await this.saveState();
      },
      // The run's own state: a candidate's guard checks the run directory is still there by its runId.
      readState: <T>() => base.readState<T>(),
      writeFile: (rel, content) => base.writeFile(rel, content),
      writeJson: (rel, value) => {
        if (rel.endsWith('/record.json') && value && typeof value === 'object') {
          const rec = { ...(value as IterationRecord), ...tag };
          onRecord(rec);
          return base.writeJson(rel, rec);
        }
        return base.writeJson(rel, value);
      },
    };
  }

  /**
   * A candidate whose change stays on its own branch once its round is decided: record.json, its ledger row
   * (leaderboard.md, report.html) and its summary row in state.json say explored, naming the promoted slot.
   */
  async markExplored(rec: IterationRecord, round: number, promotedSlot: number | undefined): Promise<void> {
    const out = exploredRecord(rec, round, promotedSlot);
    const dir = this.ledger.iterDir(rec.iteration);
    await this.serial(() => this.ledger.writeJson(`${dir.slice(this.ledger.runDir.length + 1)}/record.json`, out));
    await this.memoryRecord(rec.iteration, out as unknown as Record<string, unknown>);
    for (const c of this.state.completed) if (c.iteration === rec.iteration) c.status = 'explored';
  }

  /** The memory candidate `slot` reads from and records through (its record with round and slot). */
  candidateMemory(slot: number, round: number): IterationMemory | undefined {
    const m = this.memory;
    if (!m) return undefined;
    return {
      placeholders: (i) => m.placeholders(i),
      directives: (i) => m.directives(i),
      record: (i, rec) => this.memoryRecord(i, { ...rec, round, slot }),
      flush: (scope) => m.flush?.(scope) ?? Promise.resolve(),
    };
  }
}
