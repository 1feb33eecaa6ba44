/**
 * The IterationMemory: what the loop has learned so far, recorded after each iteration and fed to the next
 * prompt. The policy lives here (what is written when, which profile counts, when to escalate); the texts are
 * rendered by leaderboard.ts, memory-text.ts and final-report.ts, and the files go through the RunFiles port.
 *
 *   record(n)      ─▶ ledger.jsonl (the row, appended) ─▶ later (flush, once the next agent has spawned):
 *                     iter-NNN/summary.md, reflexion.md, plan.md ─▶ (--experiments-dir mirror) ─▶ and at most
 *                     every reportEveryMs while agents run, always at the end: ledger.json ─▶ leaderboard.md ─▶
 *                     final-report.md, report.html (a killed run still has recent ones)
 *   placeholders(n) ◀─ the leaderboard (its best and newest rows) and the last reflexion as recorded (from memory,
 *                      else their files), the
 *                      newest measured profile (as a diff against its champion's profile when that has one),
 *                      champion.json
 *   directives(n)   ◀─ the escalation directive: small last gain and the same op on top of the champion's and
 *                      the candidate's profile (else of the last two measured profiles)
 */
import { dirname, join } from 'node:path';
import type { BaselineStore, ChampionStore, IterationMemory, MeasureDecision, RunFiles } from '../../ports/bench.js';
import type { TokenUsage } from '../../ports/agent.js';
import type { ReportAssets } from '../../ports/report-assets.js';
import { iterName, kebab, PROMPT_BOARD, renderLeaderboard, type LedgerRow } from './leaderboard.js';
import { escalationDirective, normalizeReport, parseHotspotProfile, renderPlan, renderReflexion, renderSummary } from './memory-text.js';
import { championIterationOf, escalationFromPair, pairProfiles, profileText, type ProfilePair } from './profile-memory.js';
import type { HotspotProfile } from '../hotspots.js';
import { renderFinalReport } from './final-report.js';
import { experimentMirror, MIRROR_MEMO, type ExperimentMirror } from './experiment-mirror.js';
import { writeRunReport } from './run-report.js';
import { plannerPart, REPORT_PLAN_SEPARATOR } from '../text/plan-file.js';
import { DeferredWrites } from './deferred-writes.js';
import { mergedRows, type Row } from './ledger-rows.js';

export { carriedLedger } from './ledger-rows.js';

/**
 * What record() reads. The loop passes its IterationRecord (outcome kept|no-change|failed, reason, detail,
 * revertSha, headAfter, decision, tokens, durationsMs.total); every field is optional so a failed iteration
 * can be recorded too.
 */
export interface IterationRecordInput {
  decision?: MeasureDecision;
  /** The loop's outcome: 'kept' | 'no-change' | 'failed'. */
  outcome?: string;
  /** record.json's status; `explored` (--parallel) makes the row explored whatever its decision was. */
  status?: string;
  /** Failure reason, e.g. 'post-check-failed'. */
  reason?: string;
  detail?: string;
  reverted?: boolean;
  revertSha?: string;
  commit?: string;
  headAfter?: string;
  strategy?: string;
  /** The agent's commits (oldest first). */
  commits?: string[];
  tokens?: number | TokenUsage;
  durationMs?: number;
  /** --parallel: the candidate's round and slot. */
  round?: number;
  slot?: number;
  durationsMs?: { total?: number };
}

export interface IterationMemoryOptions {
  runDir: string;
  direction: 'higher' | 'lower';
  metric: string;
  target?: number | undefined;
  goal?: string | undefined;
  /** Also write auto-optimize's layout (exp-NNN-<slug>/…) here. */
  experimentsDir?: string | undefined;
  /** Text of experiment-plan.md (goal, metric, direction, target, thresholds, commands). */
  experimentPlan?: string | undefined;
  now?: () => Date;
  /** Applied to every text written (strategies come from commit subjects and the agent's report). */
  redact?: (text: string) => string;
  /**
   * The MFU of a metric value, for the leaderboard's MFU column: identity when the metric is mfu (the default
   * then), computed from --flops-per-step and the chips' peak for a step time; undefined when it cannot be known.
   */
  mfuOf?: ((value: number) => number | undefined) | undefined;
  /**
   * Hold the rendered files back until flush() (the loop flushes once the next agent has spawned, before a
   * sleep and at the end); the row itself is appended to ledger.jsonl at once, so a killed run loses none.
   */
  deferWrites?: boolean | undefined;
  /**
   * With deferWrites: the files rendered from every row (ledger.json, leaderboard.md, final-report.md,
   * report.html) are written by an `agent-running` flush at most this often (default 30 s), and always by a full
   * flush (the end, a signal, a sleep); the row log and the iteration's own files are written every time.
   */
  reportEveryMs?: number | undefined;
  /** Monotonic milliseconds, for reportEveryMs. */
  clockMs?: (() => number) | undefined;
}

export interface IterationMemoryPorts {
  files: RunFiles;
  champions: ChampionStore;
  baselines: BaselineStore;
  /** Subject of a commit: the strategy name when the agent gave no structured report. */
  commitSubject?: ((sha: string) => Promise<string | undefined>) | undefined;
  /** Keeps the experiments folder out of `git status` when it lies inside the repository. */
  hideFromGit?: ((dir: string) => Promise<void>) | undefined;
  /** report.html's charting library and commit subjects. */
  reportAssets?: ReportAssets | undefined;
}

export interface RunMemory extends IterationMemory {
  /** Rewrite leaderboard.md, final-report.md and report.html from the rows on disk. */
  finalize(): Promise<void>;
  flush(scope?: 'all' | 'agent-running'): Promise<void>;
  rows(): Promise<LedgerRow[]>;
}


/**
 * What a new run of the same experiment starts with, from the run it continues (src/core/run/carry-over.ts
 * copies them): ledger.json (through carriedLedger), the leaderboard for the first prompt, and the
 * --experiments-dir mirror's memo, so the experiment keeps its exp-NNN folder.
 */
export const MEMORY_CARRY = { ledger: 'ledger.json', rowLog: 'ledger.jsonl', copied: ['leaderboard.md', MIRROR_MEMO] } as const;

const tokenCount = (t: number | TokenUsage | undefined): number | undefined =>
  t === undefined ? undefined : typeof t === 'number' ? t : t.inputTokens + t.outputTokens;

type Placeholders = Awaited<ReturnType<IterationMemory['placeholders']>>;

export function createIterationMemory(o: IterationMemoryOptions, ports: IterationMemoryPorts): RunMemory {
  const { files } = ports;
  const ledgerFile = join(o.runDir, 'ledger.json');
  const date = (): string => (o.now?.() ?? new Date()).toISOString().slice(0, 10);
  const title = o.goal ? kebab(o.goal) : o.runDir.split('/').pop() ?? 'run';
  const iterDir = (n: number): string => join(o.runDir, iterName(n));
  const red = o.redact ?? ((t: string) => t);
  const write = (file: string, text: string): Promise<void> => files.write(file, red(text));
  const writeAtomic = (file: string, text: string): Promise<void> => files.writeAtomic(file, red(text));
  const readJson = async <T>(file: string): Promise<T | undefined> => {
    const text = await files.read(file);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  };
  const baseline = (): ReturnType<BaselineStore['read']> => ports.baselines.read(join(o.runDir, 'baseline'));
  const champion = (): ReturnType<ChampionStore['read']> => ports.champions.read(o.runDir);
  const experiment: ExperimentMirror | undefined = o.experimentsDir
    ? experimentMirror({ runDir: o.runDir, experimentsDir: o.experimentsDir, title, experimentPlan: o.experimentPlan, files, write, writeAtomic, hideFromGit: ports.hideFromGit })
    : undefined;

  // This memory is ledger.json's only writer: read it once (a resumed run's rows), then keep it in memory, so
  // an iteration does not re-parse every earlier row (the flatness benchmark's 1,000-iteration run).
  let rowsCache: Row[] | undefined;
  const rowLogFile = join(o.runDir, MEMORY_CARRY.rowLog);
  const loadRows = async (): Promise<Row[]> => (rowsCache ??= mergedRows(await files.read(ledgerFile), await files.read(rowLogFile)));
  const later = new DeferredWrites(o.deferWrites === true && files.append !== undefined);
  /** What the next prompt reads, as last recorded: no read-back of files whose writes may still be pending. */
  let board: string | undefined;
  let lastReflexion: { iteration: number; text: string } | undefined;
  const readRows = async (): Promise<Row[]> => [...(await loadRows())];
  /** Where iteration n's files are: this run's folder, or the earlier run's that recorded it. */
  const folderOf = async (n: number): Promise<string> => {
    const runId = (await loadRows()).find((r) => r.iteration === n)?.runId;
    return runId ? join(dirname(o.runDir), runId, iterName(n)) : iterDir(n);
  };

  /**
   * A recorded iteration is finished, so its hotspots.json (or its absence) no longer changes: remember it, or
   * every iteration would look into every earlier iteration's folder until it found two profiles.
   */
  const hotspotsSeen = new Map<number, HotspotProfile | undefined>();
  async function hotspotsOf(n: number): Promise<HotspotProfile | undefined> {
    if (hotspotsSeen.has(n)) return hotspotsSeen.get(n);
    const raw = await readJson<unknown>(join(await folderOf(n), 'hotspots.json')).catch(() => undefined);
    const hs = raw === undefined ? undefined : parseHotspotProfile(raw);
    if ((await loadRows()).some((r) => r.iteration === n)) hotspotsSeen.set(n, hs);
    return hs;
  }

  /** The last two iterations before `before` that have a measured profile, newest last. */
  async function measuredHotspots(before: number): Promise<Array<{ n: number; profile: HotspotProfile }>> {
    const out: Array<{ n: number; profile: HotspotProfile }> = [];
    for (let n = before - 1; n >= 1 && out.length < 2; n--) {
      const profile = await hotspotsOf(n);
      if (profile && profile.ops.length > 0) out.unshift({ n, profile });
    }
    return out;
  }

  /** The candidate's profile next to the one of the champion it was measured against, when both exist. */
  async function profilePair(candidate: { n: number; profile: HotspotProfile }, rows: readonly LedgerRow[]): Promise<ProfilePair | undefined> {
    const c = championIterationOf(rows, candidate.n);
    return pairProfiles({ n: c, profile: await hotspotsOf(c) }, candidate);
  }
  const mfuOf = o.mfuOf ?? (o.metric === 'mfu' ? (v: number) => v : undefined);

  async function renderBoard(rows: LedgerRow[], limit?: typeof PROMPT_BOARD): Promise<string> {
    const b = await baseline();
    const baselineMfu = b && mfuOf ? mfuOf(b.median) : undefined;
    return renderLeaderboard(rows, { direction: o.direction, baseline: b?.median, title, date: date(), ...(baselineMfu !== undefined ? { baselineMfu } : {}) }, limit);
  }

  /** The files rendered from every row, from the rows as they are when the job runs (the newest record's). */
  const REPORTS = 'reports';
  const reportEveryMs = o.reportEveryMs ?? 30_000;
  const clockMs = o.clockMs ?? (() => performance.now());
  let reportsAt = -Infinity;
  async function writeReports(): Promise<void> {
    reportsAt = clockMs();
    const rows = await readRows();
    await writeAtomic(ledgerFile, JSON.stringify({ rows }, null, 2) + '\n');
    const md = await renderBoard(rows);
    await writeBoard(md);
    // Rewritten while the run runs, so a run that is killed still leaves a recent final report.
    await writeFinal(rows, md);
  }

  async function writeBoard(md: string): Promise<void> {
    await writeAtomic(join(o.runDir, 'leaderboard.md'), md);
    await experiment?.leaderboard(md);
  }

  async function writeFinal(rows: LedgerRow[], md: string): Promise<void> {
    const b = await baseline();
    const c = await champion();
    const lastIter = rows[rows.length - 1];
    const report = lastIter ? normalizeReport(await readJson<unknown>(join(await folderOf(lastIter.iteration), 'report.json')).catch(() => undefined)) : undefined;
    const text = renderFinalReport({
      title,
      date: date(),
      direction: o.direction,
      metric: o.metric,
      baseline: b?.median,
      baselineSha: b?.head,
      champion: c,
      target: o.target,
      rows,
      leaderboard: md,
      nextHypothesis: report?.nextHypothesis,
    });
    await write(join(o.runDir, 'final-report.md'), text);
    await writeRunReport(files, o.runDir, { metric: o.metric, direction: o.direction, target: o.target }, rows, undefined, red, ports.reportAssets);
    await experiment?.finalReport(text);
  }

  /** The ledger row of a finished iteration: the decision when measured, else the loop's outcome. */
  async function rowOf(iteration: number, rec: IterationRecordInput, reportJson: unknown): Promise<LedgerRow> {
    const report = normalizeReport(reportJson);
    // The slug and strategy use the change itself, not its expected effect.
    const chosenChange = (reportJson as { report?: { chosen?: { change?: string } } } | undefined)?.report?.chosen?.change;
    const lastCommit = rec.commits?.[rec.commits.length - 1];
    const subject = !chosenChange && !report?.chosen && lastCommit && ports.commitSubject ? await ports.commitSubject(lastCommit).catch(() => undefined) : undefined;
    // Redacted before it becomes a slug: folder names (iter-NNN-<slug>) must not carry a secret either.
    const strategy = red(rec.strategy ?? chosenChange ?? report?.chosen ?? subject ?? 'unspecified change');
    const d = rec.decision;
    const failed = rec.outcome === 'failed' || rec.reason !== undefined;
    const row: LedgerRow = {
      iteration,
      slug: kebab(strategy),
      strategy: strategy.split('\n')[0]!.slice(0, 120),
      outcome: rec.status === 'explored' ? 'explored' : d?.outcome ?? (failed ? 'failed' : rec.outcome === 'no-change' ? 'no-change' : 'kept'),
      reverted: d?.revert ?? rec.reverted ?? (rec.revertSha !== undefined || failed),
      targetReached: d?.targetReached ?? false,
      reason: d?.reason ?? (rec.reason && rec.detail ? `${rec.reason}: ${rec.detail}` : rec.detail ?? rec.reason ?? rec.outcome ?? 'not measured'),
    };
    if (d?.candidate !== undefined) row.value = d.candidate;
    if (rec.round !== undefined && rec.slot !== undefined) row.candidate = `r${rec.round}-c${rec.slot}`;
    const mfu = d?.candidate !== undefined && mfuOf ? mfuOf(d.candidate) : undefined;
    if (mfu !== undefined && Number.isFinite(mfu)) row.mfu = mfu;
    if (d?.deltaPct !== undefined) row.deltaPct = d.deltaPct;
    if (d) row.runs = d.runs;
    const commit = rec.commit ?? (rec.outcome === 'kept' ? rec.headAfter : undefined);
    if (commit) row.commit = commit;
    const tk = tokenCount(rec.tokens);
    if (tk !== undefined) row.tokens = tk;
    const ms = rec.durationMs ?? rec.durationsMs?.total;
    if (ms !== undefined) row.durationMs = ms;
    return row;
  }

  return {
    rows: readRows,

    async record(iteration, raw) {
      // At most one record's files wait: a record with no agent spawned since writes the previous one's first.
      // The reports stay pending: the job renders the rows as they are when it runs, this record's included.
      if (later.size > 0) await later.flush((key) => key === REPORTS);
      const rec = raw as IterationRecordInput;
      const dir = iterDir(iteration);
      const reportJson = await readJson<unknown>(join(dir, 'report.json')).catch(() => undefined);
      const report = normalizeReport(reportJson);
      const row = await rowOf(iteration, rec, reportJson);
      const d = rec.decision;
      const name = iterName(iteration);
      const b = await baseline();
      const own = await hotspotsOf(iteration);
      const candidate = own && own.ops.length > 0 ? { n: iteration, profile: own } : undefined;
      const profile = candidate ? profileText(candidate, await profilePair(candidate, await readRows())) : undefined;
      const texts: Record<string, string> = {
        'summary.md': renderSummary(name, row, d, b?.median, profile),
        'reflexion.md': renderReflexion(name, report, row, d),
      };
      // --plan-first wrote the planner's plan.md already: it stays first, the final report's plan follows it.
      const ownPlan = plannerPart(await files.read(join(dir, 'plan.md')).catch(() => undefined));
      if (report) texts['plan.md'] = ownPlan ? `${ownPlan.trimEnd()}${REPORT_PLAN_SEPARATOR}${renderPlan(name, report)}` : renderPlan(name, report);
      else if (ownPlan) texts['plan.md'] = ownPlan;
      const rows = (await readRows()).filter((r) => r.iteration !== iteration);
      rows.push(row);
      rows.sort((a, c) => a.iteration - c.iteration);
      rowsCache = rows;
      hotspotsSeen.delete(iteration);
      lastReflexion = { iteration, text: texts['reflexion.md']! };
      // The row is on disk before record() returns (and before state.json says the iteration is recorded).
      if (later.deferring) await files.append!(rowLogFile, red(JSON.stringify(row) + '\n'));
      board = await renderBoard(rows, PROMPT_BOARD);

      await later.add(`${name}-texts`, async () => {
        for (const [f, text] of Object.entries(texts)) await write(join(dir, f), text);
      });
      if (experiment) {
        await later.add(`${name}-mirror`, async () => {
          const result = join(dir, 'result.txt');
          await experiment.iteration(`${name}-${row.slug}`, texts, (await files.exists(result)) ? result : undefined);
        });
      }
      await later.add(REPORTS, writeReports);
    },

    flush: (scope) => later.flush(scope === 'agent-running' && clockMs() - reportsAt < reportEveryMs ? (key) => key === REPORTS : undefined),

    async placeholders(iteration) {
      const out: Placeholders = {};
      const md = board ?? (await files.read(join(o.runDir, 'leaderboard.md')));
      if (md !== undefined) out.LEADERBOARD = md;
      const rows = (await readRows()).filter((r) => r.iteration < iteration);
      const last = rows[rows.length - 1];
      const known = last && lastReflexion?.iteration === last.iteration ? lastReflexion.text : undefined;
      const reflexion = known ?? (last ? await files.read(join(await folderOf(last.iteration), 'reflexion.md')) : undefined);
      if (reflexion !== undefined) out.LAST_REFLEXION = reflexion;
      const hs = await measuredHotspots(iteration);
      const newest = hs[hs.length - 1];
      if (newest) out.HOTSPOTS = profileText(newest, await profilePair(newest, rows));
      const c = await champion();
      const b = await baseline();
      if (c) {
        const vsBase = b ? `; baseline ${b.median} (${((((c.median - b.median) / Math.abs(b.median)) * 100) * (o.direction === 'higher' ? 1 : -1)).toFixed(2)} % better)` : '';
        const target = o.target === undefined ? '' : `; target ${o.target}`;
        out.CHAMPION = `Champion ${c.sha.slice(0, 12)} (${c.iteration === 0 ? 'baseline' : iterName(c.iteration)}): ${o.metric} median ${c.median} over ${c.values.length} runs (${o.direction} is better)${vsBase}${target}`;
      }
      return out;
    },

    async directives(iteration) {
      const rows = (await readRows()).filter((r) => r.iteration < iteration);
      const last = rows[rows.length - 1];
      if (!last) return [];
      const hs = await measuredHotspots(iteration);
      const newest = hs[hs.length - 1];
      const pair = newest ? await profilePair(newest, rows) : undefined;
      if (pair) {
        const d = escalationFromPair(last.deltaPct ?? 0, pair);
        return d ? [d] : [];
      }
      if (hs.length < 2) return [];
      const d = escalationDirective(last.deltaPct ?? 0, hs[0]!.profile.ops, hs[1]!.profile.ops);
      return d ? [d] : [];
    },

    async finalize() {
      await later.flush((key) => key === REPORTS);
      await writeReports();
    },
  };
}
