/**
 * Bounded renders (issue 14): the prompt's leaderboard holds the best and the newest rows only, and the files
 * rendered from every row (ledger.json, leaderboard.md, final-report.md, report.html) are written by a flush
 * while an agent runs at most every reportEveryMs, and always by a full flush (the end, a signal, a sleep).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIterationMemory } from '../../src/core/measure/iteration-memory.js';
import { PROMPT_BOARD, renderLeaderboard, type LedgerRow } from '../../src/core/measure/leaderboard.js';
import { MemoryBaselineStore, MemoryChampionStore, MemoryFiles } from '../fakes/measure-fakes.js';

const RUN = '/repo/.agents/logs/runs/r1';

class AppendFiles extends MemoryFiles {
  async append(path: string, text: string): Promise<void> {
    await this.write(path, (this.texts.get(path) ?? '') + text);
  }
}

function memory(files: MemoryFiles, clock: { ms: number }) {
  return createIterationMemory(
    { runDir: RUN, direction: 'lower', metric: 'step_ms', deferWrites: true, reportEveryMs: 30_000, clockMs: () => clock.ms },
    { files, champions: new MemoryChampionStore(files), baselines: new MemoryBaselineStore(files) },
  );
}

const ledgerIterations = (files: MemoryFiles): number[] =>
  (JSON.parse(files.texts.get(`${RUN}/ledger.json`) ?? '{"rows":[]}') as { rows: Array<{ iteration: number }> }).rows.map((r) => r.iteration);

test('while agents run, the reports are written at most every reportEveryMs; a full flush writes them from every row', async () => {
  const files = new AppendFiles();
  const clock = { ms: 1_000 };
  const mem = memory(files, clock);
  await mem.record(1, { outcome: 'kept', strategy: 'Fuse the loops' });
  await mem.flush('agent-running');
  assert.deepEqual(ledgerIterations(files), [1], 'the first reports are written at once');
  clock.ms += 1_000;
  await mem.record(2, { outcome: 'kept', strategy: 'Unroll' });
  await mem.flush('agent-running');
  assert.ok(files.texts.has(`${RUN}/iter-002/summary.md`), 'the iteration\'s own files are written every time');
  assert.deepEqual(ledgerIterations(files), [1], 'reports held back within the interval');
  assert.doesNotMatch(files.texts.get(`${RUN}/leaderboard.md`)!, /Unroll/);
  await mem.record(3, { outcome: 'kept', strategy: 'Tile' });
  clock.ms += 30_000;
  await mem.flush('agent-running');
  assert.deepEqual(ledgerIterations(files), [1, 2, 3], 'written once the interval is over, with every row');
  clock.ms += 1_000;
  await mem.record(4, { outcome: 'failed', reason: 'post-check-failed', strategy: 'Vectorize' });
  await mem.flush('agent-running');
  assert.deepEqual(ledgerIterations(files), [1, 2, 3]);
  await mem.flush(); // the end of the run, or a signal
  assert.deepEqual(ledgerIterations(files), [1, 2, 3, 4]);
  for (const f of ['leaderboard.md', 'final-report.md', 'report.html']) assert.match(files.texts.get(`${RUN}/${f}`)!, /Vectorize|vectorize/, f);
});

test('the prompt\'s leaderboard is the full table\'s best rows and the newest ones; leaderboard.md has every row', async () => {
  const files = new AppendFiles();
  const clock = { ms: 0 };
  const mem = memory(files, clock);
  const n = 40;
  for (let i = 1; i <= n; i++) {
    // Every third iteration is promoted (a new champion), the rest are reverted: ranks spread over the whole run.
    const promoted = i % 3 === 0;
    await mem.record(i, {
      strategy: `change ${i}`,
      decision: { outcome: promoted ? 'promoted' : 'regression', revert: !promoted, targetReached: false, reason: 'r', runs: 3, candidate: 100 - i, deltaPct: 1 },
    });
  }
  await mem.flush();
  const full = files.texts.get(`${RUN}/leaderboard.md`)!;
  const prompt = (await mem.placeholders(n + 1)).LEADERBOARD!;
  const tableRows = (md: string): string[] => md.split('\n').filter((l) => /^\| \d+ \|/.test(l));
  assert.equal(tableRows(full).length, n);
  assert.deepEqual(tableRows(prompt).slice(0, PROMPT_BOARD.top), tableRows(full).slice(0, PROMPT_BOARD.top), 'the best rows, as leaderboard.md ranks them');
  for (let i = n - PROMPT_BOARD.recent + 1; i <= n; i++) assert.match(prompt, new RegExp(`iter-0${i}-change-${i} `), `newest iteration ${i}`);
  assert.ok(tableRows(prompt).length <= PROMPT_BOARD.top + PROMPT_BOARD.recent);
  assert.match(prompt, new RegExp(`\\(${n - tableRows(prompt).length} more rows in leaderboard\\.md`));
  for (const l of tableRows(prompt)) assert.ok(tableRows(full).includes(l), `a prompt row is the full table's row: ${l}`);
});

test('a table that fits is rendered whole under a limit, as leaderboard.md has it', () => {
  const rows: LedgerRow[] = Array.from({ length: 6 }, (_, k) => ({ iteration: k + 1, slug: `s${k}`, strategy: `s${k}`, outcome: 'promoted', reverted: false, targetReached: false, reason: 'r', value: 10 - k }));
  const ctx = { direction: 'lower' as const, baseline: 11, title: 't', date: '2026-12-02' };
  assert.equal(renderLeaderboard(rows, ctx, PROMPT_BOARD), renderLeaderboard(rows, ctx));
  assert.notEqual(renderLeaderboard(rows, ctx, { top: 2, recent: 1 }), renderLeaderboard(rows, ctx));
});
