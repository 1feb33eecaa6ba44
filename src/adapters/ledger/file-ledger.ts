import { randomHex } from '../../core/text/random-hex.js';
import { appendFileSync, closeSync, constants, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ExperimentRecord, LedgerEventType, RunLedger, RunListing, RunStore } from '../../ports/ledger.js';
import type { Redactor } from '../../redact.js';
import { faultPoint } from '../../fault.js';
import { isProcessAlive } from '../process/liveness.js';
import { copyPrivate, writePrivateAtomic } from './private-files.js';
import { iterName } from '../../core/text/iteration-name.js';
import { COMPLETED_LOG, CompletedLog } from '../../core/text/completed-log.js';
import { stateWithCompleted } from './state-file.js';

export const LEDGER_SCHEMA_VERSION = 1;

export { iterName };

/** 20261123-114502-123-3fa9: sorts by start time (to the millisecond), unique across parallel starts. */
export function newRunId(now: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}-${String(now.getUTCMilliseconds()).padStart(3, '0')}`;
  return `${stamp}-${randomHex(4)}`;
}

/**
 * The run directory on disk (docs/architecture.md "The run directory"). Everything passes through the redactor; files are
 * 0600 and folders 0700 because transcripts can hold whatever the agent printed.
 */
export class FileLedger implements RunLedger {
  private readonly completed = new CompletedLog();

  private constructor(
    readonly runDir: string,
    private readonly redact: Redactor,
    private readonly now: () => number,
  ) {}

  static async open(runDir: string, redact: Redactor, now: () => number = Date.now): Promise<FileLedger> {
    await mkdir(runDir, { recursive: true, mode: 0o700 });
    await removeStaleStateTemps(runDir);
    return new FileLedger(runDir, redact, now);
  }

  get runId(): string {
    return basename(this.runDir);
  }

  iterDir(iteration: number): string {
    return join(this.runDir, iterName(iteration));
  }

  /**
   * Appended, not fsynced (a resume reads what the page cache kept; an OS crash may lose the last lines). The
   * ledger's writes are synchronous: they are small, and a write through the thread pool costs a round trip
   * per open, write and close, which was a good part of the loop's own time between two agent runs.
   */
  async event(type: LedgerEventType, data: Record<string, unknown> = {}): Promise<void> {
    const line = JSON.stringify({ schemaVersion: LEDGER_SCHEMA_VERSION, ts: new Date(this.now()).toISOString(), type, ...data });
    await this.inRunDir(async () => appendFileSync(join(this.runDir, 'events.jsonl'), this.redact(line) + '\n', { mode: 0o600 }));
  }

  /**
   * The run directory lives in the agent's working tree: an agent (or a post-check) may delete it. A write that
   * finds it gone re-creates it rather than failing the run; the loop notices and says so (docs/git-safety.md).
   */
  private async inRunDir<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await mkdir(this.runDir, { recursive: true, mode: 0o700 });
      return write();
    }
  }

  /**
   * temp file + fsync + rename: a reader (or a resume after SIGKILL) sees the old state or the new one, never
   * half of one. rename(2) is atomic within one filesystem, and the temp file sits next to the target.
   */
  async writeState(state: unknown, opts: { durable?: boolean } = {}): Promise<void> {
    const target = join(this.runDir, 'state.json');
    const tmp = `${target}.tmp-${process.pid}`;
    // A running run's table goes to completed.jsonl (src/core/loop/completed-log.ts), appended before the
    // state.json that relies on it.
    const split = this.completed.split(state);
    if (split.lines !== '') await this.inRunDir(async () => appendFileSync(join(this.runDir, COMPLETED_LOG), this.redact(split.lines), { mode: 0o600 }));
    const text = this.redact(JSON.stringify(split.state, null, 2)) + '\n';
    const fd = await this.inRunDir(async () => openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600));
    try {
      writeFileSync(fd, text);
      if (opts.durable !== false) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    faultPoint('during-state-write');
    renameSync(tmp, target);
  }

  async readState<T>(): Promise<T | undefined> {
    return stateWithCompleted(await readJsonFile<T>(join(this.runDir, 'state.json')), this.runDir);
  }

  async writeFile(relPath: string, content: string): Promise<string> {
    const file = join(this.runDir, relPath);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, this.redact(content), { mode: 0o600 });
    return file;
  }

  async writeJson(relPath: string, value: unknown): Promise<string> {
    return this.writeFile(relPath, JSON.stringify(value, null, 2) + '\n');
  }

  async archiveAttempt(iteration: number): Promise<number> {
    const dir = this.iterDir(iteration);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return 0;
    }
    const loose = names.filter((n) => !/^attempt-\d+$/.test(n));
    if (loose.length === 0) return 0;
    const k = names.filter((n) => /^attempt-\d+$/.test(n)).length + 1;
    const dest = join(dir, `attempt-${k}`);
    await mkdir(dest, { recursive: true, mode: 0o700 });
    for (const n of loose) await rename(join(dir, n), join(dest, n));
    return k;
  }
}

/** Synchronous for the same reason as the writes: a small file read through the thread pool is four round trips. */
export async function readJsonFile<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * The runs of one log dir (<logDir>/runs/<run-id>/) and its experiments (<logDir>/experiments/<id>/). One
 * FileLedger is opened per run directory, and every file of the run passes the run's one redactor.
 */
export class FileRunStore implements RunStore {
  constructor(
    private readonly logDir: string,
    private readonly redact: Redactor,
  ) {}

  list(): Promise<RunListing[]> {
    return listRuns(this.logDir);
  }

  create(startedAt: Date): Promise<FileLedger> {
    return this.open(newRunId(startedAt));
  }

  open(runId: string): Promise<FileLedger> {
    return FileLedger.open(this.runDir(runId), this.redact);
  }

  async readFile(runId: string, relPath: string): Promise<string | undefined> {
    return readFile(join(this.runDir(runId), relPath), 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
  }

  /** The copy was redacted when it was written; it stays private (0600) in its new folder. */
  async copy(fromRunId: string, toRunId: string, relPath: string): Promise<boolean> {
    const from = join(this.runDir(fromRunId), relPath);
    if (!(await stat(from).then((s) => s.isFile(), () => false))) return false;
    await copyPrivate(from, join(this.runDir(toRunId), relPath));
    return true;
  }

  readExperiment(id: string): Promise<ExperimentRecord | undefined> {
    return readJsonFile<ExperimentRecord>(experimentFile(this.logDir, id));
  }

  async writeExperiment(record: ExperimentRecord): Promise<void> {
    await writePrivateAtomic(experimentFile(this.logDir, record.id), this.redact(JSON.stringify(record, null, 2)) + '\n');
  }

  private runDir(runId: string): string {
    return join(this.logDir, 'runs', runId);
  }
}

/** <logDir>/experiments/<id>/experiment.json */
export function experimentFile(logDir: string, id: string): string {
  return join(logDir, 'experiments', id, 'experiment.json');
}

/**
 * Every run under <logDir>/runs, newest first. Synchronous, and each run's state.json is read only when its
 * `state` is first asked for: a loop's start looks at the state of the runs of its own fingerprint or
 * experiment only, and reading every state of a long history cost ~0.5 ms per run before the first agent.
 */
export async function listRuns(logDir: string): Promise<RunListing[]> {
  const runsDir = join(logDir, 'runs');
  let names: string[];
  try {
    names = readdirSync(runsDir);
  } catch {
    return [];
  }
  const out: RunListing[] = [];
  for (const runId of names.sort().reverse()) {
    const runDir = join(runsDir, runId);
    if (!statSync(runDir, { throwIfNoEntry: false })?.isDirectory()) continue;
    const run = await readJsonFile<Record<string, unknown>>(join(runDir, 'run.json')).catch(() => undefined);
    if (!run) continue;
    out.push(lazyState({ runId, runDir, run }));
  }
  return out;
}

function lazyState(listing: Omit<RunListing, 'state'>): RunListing {
  let read = false;
  let state: Record<string, unknown> | undefined;
  return Object.defineProperty(listing, 'state', {
    enumerable: true,
    get(): Record<string, unknown> | undefined {
      if (!read) {
        read = true;
        let parsed: Record<string, unknown> | undefined;
        try {
          parsed = JSON.parse(readFileSync(join(listing.runDir, 'state.json'), 'utf8')) as Record<string, unknown>;
        } catch {
          parsed = undefined; // missing or torn: a run without a state, as before
        }
        state = stateWithCompleted(parsed, listing.runDir);
      }
      return state;
    },
  }) as RunListing;
}

/**
 * A writer SIGKILLed between writing `state.json.tmp-<pid>` and the rename leaves the temp file behind for good
 * (state.json itself is intact: the rename never happened). Only dead writers' temps go; a live pid may be mid-write.
 */
async function removeStaleStateTemps(runDir: string): Promise<void> {
  for (const name of await readdir(runDir).catch(() => [] as string[])) {
    const m = /^state\.json\.tmp-(\d+)$/.exec(name);
    if (m && Number(m[1]) !== process.pid && !isProcessAlive(Number(m[1]))) await unlink(join(runDir, name)).catch(() => undefined);
  }
}
