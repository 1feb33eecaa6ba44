import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IterationMemory, MeasureDecision } from '../../ports/bench.js';
import type { TokenUsage } from '../../ports/agent.js';
import { iterName, kebab, renderLeaderboard, type LedgerRow } from '../../core/measure/leaderboard.js';
import { escalationDirective, normalizeReport, parseHotspots, renderHotspots, renderPlan, renderReflexion, renderSummary, type Hotspot } from '../../core/measure/memory-text.js';
import { renderFinalReport } from '../../core/measure/final-report.js';
import { excludeFromGit } from '../measure/git-exclude.js';
import { writeReportFile } from './report-file.js';
import { copyPrivate, mkdirPrivate, writePrivate, writePrivateAtomic } from './private-files.js';
import { PLAN_HEADER, REPORT_PLAN_SEPARATOR } from '../../core/loop/plan-pass.js';
import { iterNumber } from '../../core/text/iteration-name.js';

/**
 * What record() reads. The loop passes its IterationRecord (outcome kept|no-change|failed, reason, detail,
 * revertSha, headAfter, decision, tokens, durationsMs.total); every field is optional so a failed iteration
 * can be recorded too.
 */
export interface IterationRecordInput {
  decision?: MeasureDecision;
  /** The loop's outcome: 'kept' | 'no-change' | 'failed'. */
  outcome?: string;
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
  durationsMs?: { total?: number };
}

export interface FileMemoryOptions {
  runDir: string;
  direction: 'higher' | 'lower';
  metric: string;
  target?: number | undefined;
  goal?: string;
  /** Also write auto-optimize's layout (exp-NNN-<slug>/…) here. */
  experimentsDir?: string | undefined;
  /** Text of experiment-plan.md (goal, metric, direction, target, thresholds, commands). */
  experimentPlan?: string;
  /** Subject of a commit: the strategy name when the agent gave no structured report. */
  commitSubject?: (sha: string) => Promise<string | undefined>;
  /** Repository whose .git/info/exclude gets the experiments folder, so it never dirties the tree. */
  repoRoot?: string;
  now?: () => Date;
  /** Applied to every text written (strategies come from commit subjects and the agent's report). */
  redact?: (text: string) => string;
}

interface Ledger {
  rows: LedgerRow[];
}

async function readJson<T>(file: string): Promise<T | undefined> {
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

const tokenCount = (t: number | TokenUsage | undefined): number | undefined =>
  t === undefined ? undefined : typeof t === 'number' ? t : t.inputTokens + t.outputTokens;

export interface FileMemory extends IterationMemory {
  finalize(): Promise<void>;
  rows(): Promise<LedgerRow[]>;
}

export function createFileMemory(o: FileMemoryOptions): FileMemory {
  const ledgerFile = join(o.runDir, 'ledger.json');
  const date = (): string => (o.now?.() ?? new Date()).toISOString().slice(0, 10);
  const title = o.goal ? kebab(o.goal) : o.runDir.split('/').pop() ?? 'run';
  const iterDir = (n: number): string => join(o.runDir, iterName(n));
  const red = o.redact ?? ((t: string) => t);
  const writeFile = (file: string, text: string): Promise<void> => writePrivate(file, red(text));
  const writeAtomic = (file: string, text: string): Promise<void> => writePrivateAtomic(file, red(text));
  const copyFile = copyPrivate;

  // This memory is ledger.json's only writer: read it once (a resumed run's rows), then keep it in memory, so
  // an iteration does not re-parse every earlier row (the flatness benchmark's 1,000-iteration run).
  let rowsCache: LedgerRow[] | undefined;
  const loadRows = async (): Promise<LedgerRow[]> => (rowsCache ??= (await readJson<Ledger>(ledgerFile))?.rows ?? []);
  const readRows = async (): Promise<LedgerRow[]> => [...(await loadRows())];
  const baseline = async (): Promise<{ median: number; head: string } | undefined> => readJson(join(o.runDir, 'baseline', 'baseline.json'));
  const champion = async (): Promise<{ sha: string; median: number; values: number[]; iteration: number } | undefined> => readJson(join(o.runDir, 'champion.json'));

  /** exp-NNN-<slug> is chosen once and remembered in the run, so a resumed run keeps writing to the same folder. */
  async function experimentRoot(): Promise<string | undefined> {
    if (!o.experimentsDir) return undefined;
    const memo = join(o.runDir, 'experiment.json');
    const known = await readJson<{ dir: string }>(memo);
    if (known) return known.dir;
    await mkdirPrivate(o.experimentsDir);
    if (o.repoRoot) await excludeFromGit(o.repoRoot, o.experimentsDir);
    const taken = (await readdir(o.experimentsDir)).filter((d) => /^exp-\d{3}-/.test(d)).length;
    const dir = join(o.experimentsDir, `exp-${iterNumber(taken + 1)}-${title}`);
    await mkdirPrivate(join(dir, 'iterations'));
    await writeFile(join(dir, 'experiment-plan.md'), o.experimentPlan ?? `# Experiment plan: ${title}\n`);
    await mkdirPrivate(o.runDir);
    await writeAtomic(memo, JSON.stringify({ dir }) + '\n');
    return dir;
  }

  /**
   * A recorded iteration is finished, so its hotspots.json (or its absence) no longer changes: remember it, or
   * every iteration would look into every earlier iteration's folder until it found two profiles.
   */
  const hotspotsSeen = new Map<number, Hotspot[] | undefined>();
  async function hotspotsOf(n: number): Promise<Hotspot[] | undefined> {
    if (hotspotsSeen.has(n)) return hotspotsSeen.get(n);
    const raw = await readJson<unknown>(join(iterDir(n), 'hotspots.json')).catch(() => undefined);
    const hs = raw === undefined ? undefined : parseHotspots(raw);
    if ((await loadRows()).some((r) => r.iteration === n)) hotspotsSeen.set(n, hs);
    return hs;
  }

  /** The last two iterations before `before` that have a measured profile, newest last. */
  async function measuredHotspots(before: number): Promise<Array<{ n: number; hs: Hotspot[] }>> {
    const out: Array<{ n: number; hs: Hotspot[] }> = [];
    for (let n = before - 1; n >= 1 && out.length < 2; n--) {
      const hs = await hotspotsOf(n);
      if (hs && hs.length > 0) out.unshift({ n, hs });
    }
    return out;
  }

  async function writeBoard(rows: LedgerRow[]): Promise<string> {
    const b = await baseline();
    const md = renderLeaderboard(rows, { direction: o.direction, baseline: b?.median, title, date: date() });
    await writeAtomic(join(o.runDir, 'leaderboard.md'), md);
    const exp = await experimentRoot();
    if (exp) {
      await writeFile(join(exp, 'leaderboard.md'), md);
      if (existsSync(join(o.runDir, 'baseline', 'result.txt')) && !existsSync(join(exp, 'baseline', 'result.txt'))) {
        await mkdirPrivate(join(exp, 'baseline'));
        for (const f of ['result.txt', 'env-snapshot.txt']) if (existsSync(join(o.runDir, 'baseline', f))) await copyFile(join(o.runDir, 'baseline', f), join(exp, 'baseline', f));
      }
    }
    return md;
  }

  async function finalize(): Promise<void> {
    const rows = await readRows();
    await writeFinal(rows, await writeBoard(rows));
  }

  async function writeFinal(rows: LedgerRow[], md: string): Promise<void> {
    const b = await baseline();
    const c = await champion();
    const lastIter = rows[rows.length - 1];
    const report = lastIter ? normalizeReport(await readJson<unknown>(join(iterDir(lastIter.iteration), 'report.json')).catch(() => undefined)) : undefined;
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
    await writeFile(join(o.runDir, 'final-report.md'), text);
    await writeReportFile(o.runDir, { metric: o.metric, direction: o.direction, target: o.target }, rows);
    const exp = await experimentRoot();
    if (exp) await writeFile(join(exp, 'final-report.md'), text);
  }

  return {
    rows: readRows,

    async record(iteration, raw) {
      const rec = raw as IterationRecordInput;
      const dir = iterDir(iteration);
      await mkdirPrivate(dir);
      const report = normalizeReport(await readJson<unknown>(join(dir, 'report.json')).catch(() => undefined));
      // The slug and strategy use the change itself, not its expected effect.
      const chosenChange = (await readJson<{ report?: { chosen?: { change?: string } } }>(join(dir, 'report.json')).catch(() => undefined))?.report?.chosen?.change;
      const lastCommit = rec.commits?.[rec.commits.length - 1];
      const subject = !chosenChange && !report?.chosen && lastCommit && o.commitSubject ? await o.commitSubject(lastCommit).catch(() => undefined) : undefined;
      // Redacted before it becomes a slug: folder names (iter-NNN-<slug>) must not carry a secret either.
      const strategy = red(rec.strategy ?? chosenChange ?? report?.chosen ?? subject ?? 'unspecified change');
      const d = rec.decision;
      const failed = rec.outcome === 'failed' || rec.reason !== undefined;
      const row: LedgerRow = {
        iteration,
        slug: kebab(strategy),
        strategy: strategy.split('\n')[0]!.slice(0, 120),
        outcome: d?.outcome ?? (failed ? 'failed' : rec.outcome === 'no-change' ? 'no-change' : 'kept'),
        reverted: d?.revert ?? rec.reverted ?? (rec.revertSha !== undefined || failed),
        targetReached: d?.targetReached ?? false,
        reason: d?.reason ?? (rec.reason && rec.detail ? `${rec.reason}: ${rec.detail}` : rec.detail ?? rec.reason ?? rec.outcome ?? 'not measured'),
      };
      if (d?.candidate !== undefined) row.value = d.candidate;
      if (d?.deltaPct !== undefined) row.deltaPct = d.deltaPct;
      if (d) row.runs = d.runs;
      const commit = rec.commit ?? (rec.outcome === 'kept' ? rec.headAfter : undefined);
      if (commit) row.commit = commit;
      const tk = tokenCount(rec.tokens);
      if (tk !== undefined) row.tokens = tk;
      const ms = rec.durationMs ?? rec.durationsMs?.total;
      if (ms !== undefined) row.durationMs = ms;

      const name = iterName(iteration);
      const b = await baseline();
      const files: Record<string, string> = {
        'summary.md': renderSummary(name, row, d, b?.median),
        'reflexion.md': renderReflexion(name, report, row, d),
      };
      // --plan-first wrote the planner's plan.md already: it stays first, the final report's plan follows it.
      const planner = await readFile(join(dir, 'plan.md'), 'utf8').catch(() => undefined);
      const ownPlan = planner?.startsWith(PLAN_HEADER) ? planner.split(REPORT_PLAN_SEPARATOR)[0]! : undefined;
      if (report) files['plan.md'] = ownPlan ? `${ownPlan.trimEnd()}${REPORT_PLAN_SEPARATOR}${renderPlan(name, report)}` : renderPlan(name, report);
      else if (ownPlan) files['plan.md'] = ownPlan;
      for (const [f, text] of Object.entries(files)) await writeFile(join(dir, f), text);

      const rows = (await readRows()).filter((r) => r.iteration !== iteration);
      rows.push(row);
      rows.sort((a, c) => a.iteration - c.iteration);
      await writeAtomic(ledgerFile, JSON.stringify({ rows }, null, 2) + '\n');
      rowsCache = rows;
      hotspotsSeen.delete(iteration);
      const md = await writeBoard(rows);

      const exp = await experimentRoot();
      if (exp) {
        const mirror = join(exp, 'iterations', `${name}-${row.slug}`);
        await mkdirPrivate(mirror);
        for (const [f, text] of Object.entries(files)) await writeFile(join(mirror, f), text);
        if (existsSync(join(dir, 'result.txt'))) await copyFile(join(dir, 'result.txt'), join(mirror, 'result.txt'));
      }
      // Rewritten after every iteration, so a run that is killed still leaves a current final report.
      await writeFinal(rows, md);
    },

    async placeholders(iteration) {
      const out: Partial<Record<'LEADERBOARD' | 'LAST_REFLEXION' | 'HOTSPOTS' | 'CHAMPION', string>> = {};
      const board = join(o.runDir, 'leaderboard.md');
      if (existsSync(board)) out.LEADERBOARD = await readFile(board, 'utf8');
      const rows = (await readRows()).filter((r) => r.iteration < iteration);
      const last = rows[rows.length - 1];
      if (last && existsSync(join(iterDir(last.iteration), 'reflexion.md'))) out.LAST_REFLEXION = await readFile(join(iterDir(last.iteration), 'reflexion.md'), 'utf8');
      const hs = await measuredHotspots(iteration);
      const newest = hs[hs.length - 1];
      if (newest) out.HOTSPOTS = renderHotspots(iterName(newest.n), newest.hs);
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
      if (hs.length < 2) return [];
      const d = escalationDirective(last.deltaPct ?? 0, hs[0]!.hs, hs[1]!.hs);
      return d ? [d] : [];
    },

    finalize,
  };
}
