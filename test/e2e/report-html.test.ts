/// <reference lib="dom" />
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { runCli } from '../helpers/cli.js';

const CHROMIUM = '/usr/bin/chromium';

/** A finished run as the loop and the measurer leave it: baseline, ledger rows, state.json. */
function fakeRun(root: string): string {
  const runDir = join(root, '.agents', 'logs', 'gdn_codex_loop', 'runs', 'r-20261123');
  mkdirSync(join(runDir, 'baseline'), { recursive: true });
  writeFileSync(join(runDir, 'baseline', 'baseline.json'), JSON.stringify({ median: 100, metric: 'step_ms', direction: 'lower', head: 'a'.repeat(40) }));
  const rows = [
    { iteration: 1, slug: 'fuse-solve', strategy: 'Fuse solve', value: 91, deltaPct: 9, outcome: 'promoted', reverted: false, targetReached: false, reason: 'better by +9.00 %', runs: 5 },
    { iteration: 2, slug: 'retile', strategy: 'Retile', value: 90.6, deltaPct: 0.4, outcome: 'kept-within-noise', reverted: false, targetReached: false, reason: 'noise', runs: 10 },
    { iteration: 3, slug: 'unroll', strategy: 'Unroll <loop>', value: 97, deltaPct: -6.6, outcome: 'regression', reverted: true, targetReached: false, reason: 'worse', runs: 5 },
    { iteration: 4, slug: 'broken', strategy: 'Broken', outcome: 'failed', reverted: true, targetReached: false, reason: 'post-check failed' },
    { iteration: 5, slug: 'bf16', strategy: 'bf16 accumulate', value: 84, deltaPct: 7.7, outcome: 'promoted', reverted: false, targetReached: true, reason: 'better', runs: 5 },
  ];
  writeFileSync(join(runDir, 'ledger.json'), JSON.stringify({ rows }));
  const completed = rows.map((r) => ({ iteration: r.iteration, outcome: 'kept', durationMs: 120000 * r.iteration, tokens: { inputTokens: 1000 * r.iteration, cachedInputTokens: 0, outputTokens: 100 } }));
  writeFileSync(join(runDir, 'state.json'), JSON.stringify({ schemaVersion: 1, runId: 'r-20261123', status: 'done', iteration: 5, attempt: 1, phase: 'record', failures: 1, consecutiveFailures: 0, tokens: { inputTokens: 15000, cachedInputTokens: 0, outputTokens: 500 }, completed, updatedAt: '2026-11-23T12:00:00Z' }));
  return runDir;
}

/** A run whose metric is mfu itself (the first user's --metric mfu --target 0.5): rows carry their MFU. */
function mfuRun(root: string): string {
  const runDir = join(root, '.agents', 'logs', 'gdn_codex_loop', 'runs', 'r-mfu');
  mkdirSync(join(runDir, 'baseline'), { recursive: true });
  writeFileSync(join(runDir, 'baseline', 'baseline.json'), JSON.stringify({ median: 0.31, metric: 'mfu', direction: 'higher', head: 'b'.repeat(40) }));
  const r = (iteration: number, value: number, outcome: string, reverted = false) => ({ iteration, slug: `s${iteration}`, strategy: `S${iteration}`, value, mfu: value, outcome, reverted, targetReached: false, reason: outcome, runs: 5 });
  const rows = [r(1, 0.36, 'promoted'), r(2, 0.33, 'regression', true), r(3, 0.44, 'promoted'), r(4, 0.445, 'kept-within-noise')];
  writeFileSync(join(runDir, 'ledger.json'), JSON.stringify({ rows }));
  return runDir;
}

async function withPage<T>(file: string, fn: (page: import('playwright-core').Page) => Promise<T>): Promise<T> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'gdnctl-chromium-'));
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 900, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    await page.goto('file://' + file);
    return await fn(page);
  } finally {
    await browser.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

test('report.html plots the MFU trajectory in % of the chips\' peak with the --target line', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip('chromium missing');
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'gdnctl-report-mfu-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  execFileSync('git', ['init', '-q', root]);
  const runDir = mfuRun(root);
  const r = await runCli(['report', '--target', '0.5'], root);
  assert.equal(r.code, 0, r.stderr);
  await withPage(join(runDir, 'report.html'), async (page) => {
    assert.equal(await page.locator('#mfu-trajectory .point').count(), 5, 'baseline + 4 measured iterations');
    assert.equal(await page.locator('#mfu-trajectory .marker-reverted').count(), 1);
    assert.equal(await page.locator('#mfu-target-line').count(), 1);
    assert.ok(await page.locator('#mfu-trajectory').isVisible());
    // The 50 % target lies above every point (SVG y grows downwards), the best point (44.5 %) closest to it.
    const targetY = Number(await page.locator('#mfu-target-line').getAttribute('y1'));
    const ys = await page.locator('#mfu-trajectory circle.point').evaluateAll((els) => els.map((e) => Number(e.getAttribute('cy'))));
    assert.ok(ys.every((y) => y > targetY), `${targetY} vs ${ys.join(',')}`);
    assert.equal(await page.locator('#mfu-target-line title').textContent(), 'target 50.0 %');
    assert.match(await page.locator('#mfu-trajectory .tick').first().textContent() ?? '', /^\d+\.\d %$/, 'the axis is in percent');
    // The champion line steps at the two promotions: 31 → 36 → 44 %.
    const heights = await page.locator('#mfu-champion-line').evaluate((el) => [...new Set((el.getAttribute('points') ?? '').split(' ').map((p) => p.split(',')[1]))]);
    assert.equal(heights.length, 3);
    assert.deepEqual(await page.locator('#leaderboard thead th').allInnerTexts(), ['Rank', 'Iteration', 'Result', 'MFU', 'Δ vs baseline', 'Strategy', 'Status']);
    assert.equal(await page.locator('#leaderboard tbody tr').first().locator('td.mfu').innerText(), '44.5 %');
  });
});

test('gdnctl report writes a self-contained report.html that renders in headless Chromium', async (t) => {
  if (!existsSync(CHROMIUM)) {
    process.stderr.write(`\n*** SKIPPING report rendering: ${CHROMIUM} is not installed (apt-get install chromium) ***\n`);
    t.skip('chromium missing');
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'gdnctl-report-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  execFileSync('git', ['init', '-q', root]);
  const runDir = fakeRun(root);

  const r = await runCli(['report', '--target', '85'], root);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /run r-20261123: 5 iterations, 2 promoted, 1 kept within noise, 2 reverted/);
  assert.match(r.stdout, /step_ms \(lower is better\): [▁-█]{3}·[▁-█]  baseline 100/);
  const html = readFileSync(join(runDir, 'report.html'), 'utf8');
  assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'self-contained: no scripts, no network');
  assert.match(html, /Unroll &lt;loop&gt;/, 'strategy text escaped');

  const userDataDir = mkdtempSync(join(tmpdir(), 'gdnctl-chromium-'));
  t.after(() => rmSync(userDataDir, { recursive: true, force: true }));
  // playwright wants the profile folder as launchPersistentContext's argument rather than --user-data-dir.
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 900, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    await page.goto('file://' + join(runDir, 'report.html'));
    assert.equal(await page.locator('#trajectory .point').count(), 5, 'baseline + 4 measured iterations');
    assert.equal(await page.locator('#trajectory .marker-kept').count(), 3);
    assert.equal(await page.locator('#trajectory .marker-reverted').count(), 1);
    assert.deepEqual(await page.locator('#trajectory .marker-reverted').evaluateAll((els) => els.map((e) => e.getAttribute('data-iteration'))), ['3']);
    assert.equal(await page.locator('#target-line').count(), 1);
    assert.equal(await page.locator('#mfu-trajectory').count(), 0, 'no MFU plot without MFU data');
    // The champion line steps at the two promotions: 100 → 91 → 84, so it has 3 distinct heights.
    const ys = await page.locator('#champion-line').evaluate((el) => [...new Set((el.getAttribute('points') ?? '').split(' ').map((p) => p.split(',')[1]))]);
    assert.equal(ys.length, 3);
    assert.equal(await page.locator('#leaderboard tbody tr').count(), 6, '5 iterations + baseline');
    assert.equal(await page.locator('#leaderboard tbody tr').first().locator('td').nth(1).innerText(), 'iter-005-bf16');
    assert.match(await page.locator('#leaderboard tbody tr').first().innerText(), /🎯/);
    assert.equal(await page.locator('#iterations tbody tr').count(), 5);
    assert.match(await page.locator('#iterations tbody tr').nth(1).innerText(), /2,100\s+4\.0\s+10/);

    const shot = await page.screenshot({ fullPage: true });
    if (process.env.GDNCTL_KEEP_SCREENSHOT) writeFileSync(process.env.GDNCTL_KEEP_SCREENSHOT, shot);
    // Decode the PNG with the browser's own decoder and count non-white pixels and distinct colours.
    const stats = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext('2d')!;
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      const colours = new Set<number>();
      for (let i = 0; i < d.length; i += 16) {
        if (d[i]! < 240 || d[i + 1]! < 240 || d[i + 2]! < 240) ink++;
        colours.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      }
      return { ink, colours: colours.size, total: d.length / 16 };
    }, shot.toString('base64'));
    assert.ok(stats.ink / stats.total > 0.01, `screenshot has content: ${JSON.stringify(stats)}`);
    assert.ok(stats.colours > 10, `screenshot has colours: ${JSON.stringify(stats)}`);
  } finally {
    await browser.close();
  }
});
