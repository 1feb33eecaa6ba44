/// <reference lib="dom" />
/**
 * report.html in the real headless Chromium: the charts Observable Plot draws from the inlined bundle, read from
 * the rendered DOM (marks, target line, log axis, hover texts), and a screenshot whose chart area must have ink.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { runCli } from '../helpers/cli.js';
import { decodePng } from '../helpers/png.js';

const CHROMIUM = '/usr/bin/chromium';

interface Row {
  iteration: number;
  value?: number;
  outcome: string;
  reverted?: boolean;
  targetReached?: boolean;
  mfu?: number;
  strategy?: string;
  runs?: number;
  commit?: string;
}

/** A finished run as the loop and the measurer leave it: baseline, ledger rows, state.json. */
function writeRun(root: string, id: string, base: { median: number; metric: string; direction: string }, spec: Row[]): string {
  const runDir = join(root, '.agents', 'logs', 'gdn_codex_loop', 'runs', id);
  mkdirSync(join(runDir, 'baseline'), { recursive: true });
  writeFileSync(join(runDir, 'baseline', 'baseline.json'), JSON.stringify({ ...base, head: 'a'.repeat(40) }));
  const rows = spec.map((r) => ({
    slug: (r.strategy ?? `s${r.iteration}`).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''),
    strategy: r.strategy ?? `S${r.iteration}`,
    reason: r.outcome === 'failed' ? 'post-check failed' : r.outcome,
    runs: r.value === undefined ? undefined : 5,
    targetReached: false,
    reverted: false,
    ...r,
  }));
  writeFileSync(join(runDir, 'ledger.json'), JSON.stringify({ rows }));
  const completed = rows.map((r) => ({ iteration: r.iteration, outcome: 'kept', durationMs: 120000 * r.iteration, tokens: { inputTokens: 1000 * r.iteration, cachedInputTokens: 0, outputTokens: 100 } }));
  writeFileSync(join(runDir, 'state.json'), JSON.stringify({ schemaVersion: 1, runId: id, status: 'done', iteration: rows.length, attempt: 1, phase: 'record', failures: 0, consecutiveFailures: 0, tokens: { inputTokens: 1, cachedInputTokens: 0, outputTokens: 1 }, completed, updatedAt: '2026-11-23T12:00:00Z' }));
  return runDir;
}

const STEP_ROWS: Row[] = [
  { iteration: 1, strategy: 'Fuse solve', value: 91, outcome: 'promoted' },
  { iteration: 2, strategy: 'Retile', value: 90.6, outcome: 'kept-within-noise', runs: 10 },
  { iteration: 3, strategy: 'Unroll <loop>', value: 97, outcome: 'regression', reverted: true },
  { iteration: 4, strategy: 'Broken', outcome: 'failed', reverted: true },
  { iteration: 5, strategy: 'bf16 accumulate', value: 84, outcome: 'promoted', targetReached: true },
];

interface Opened {
  page: Page;
  /** Every URL the page asked for, the page itself included. */
  requests: string[];
  /** Console errors, page errors and CSP violations. */
  problems: string[];
}

async function withReport<T>(file: string, fn: (o: Opened) => Promise<T>): Promise<T> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'gdnctl-chromium-'));
  // playwright wants the profile folder as launchPersistentContext's argument rather than --user-data-dir.
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 900, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP blocked ${e.blockedURI} (${e.violatedDirective})`)));
    await page.goto('file://' + file);
    await page.waitForSelector('.chart[data-rendered]');
    return await fn({ page, requests, problems });
  } finally {
    await browser.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

/** Non-background pixels in a PNG: ink (anything not near-white) and colour (saturated: the marks, not grey text). */
function inkOf(png: Buffer): { ink: number; colour: number; total: number } {
  const { width, height, data } = decodePng(png);
  let ink = 0;
  let colour = 0;
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
    if (r < 235 || g < 235 || b < 235) ink++;
    if (Math.max(r, g, b) - Math.min(r, g, b) > 60) colour++;
  }
  return { ink, colour, total: width * height };
}

/** The machine's fonts (fc-list), to know whether Chromium can draw emojis. */
function fontList(): string {
  try {
    return execFileSync('fc-list', { encoding: 'utf8' });
  } catch {
    return 'emoji (fc-list missing: assume an emoji font)';
  }
}

/** Distinct y values of an SVG path's points (Plot's step line: one per champion). */
const pathLevels = (d: string): number => new Set([...d.matchAll(/[ML]?(-?[\d.]+),(-?[\d.]+)/g)].map((m) => Number(m[2]).toFixed(1))).size;

function setup(t: import('node:test').TestContext, prefix: string): string | undefined {
  if (!existsSync(CHROMIUM)) {
    process.stderr.write(`\n*** SKIPPING report rendering: ${CHROMIUM} is not installed (apt-get install chromium) ***\n`);
    t.skip('chromium missing');
    return undefined;
  }
  const root = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  execFileSync('git', ['init', '-q', root]);
  return root;
}

test('gdnctl report: the charts render from the inlined library with no network request; marks, target, hover texts, leaderboard', async (t) => {
  const root = setup(t, 'gdnctl-report-');
  if (!root) return;
  const git = (...a: string[]): string => execFileSync('git', ['-C', root, '-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { encoding: 'utf8' }).trim();
  git('commit', '-q', '--allow-empty', '-m', 'Fuse the triangular solve into the chunk kernel');
  const sha = git('rev-parse', 'HEAD');
  const runDir = writeRun(root, 'r-20261123', { median: 100, metric: 'step_ms', direction: 'lower' }, STEP_ROWS.map((row) => (row.iteration === 1 ? { ...row, commit: sha } : row)));
  const r = await runCli(['report', '--target', '85'], root);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /run r-20261123: 5 iterations, 2 promoted, 1 kept within noise, 2 reverted/);
  assert.match(r.stdout, /step_ms \(lower is better\): [▁-█]{3}·[▁-█]  baseline 100/);
  const html = readFileSync(join(runDir, 'report.html'), 'utf8');
  assert.match(html, /Unroll &lt;loop&gt;/, 'strategy text escaped');
  assert.match(html, /@observablehq\/plot v0\.6/, 'the library is inlined');

  await withReport(join(runDir, 'report.html'), async ({ page, requests, problems }) => {
    assert.deepEqual(requests, ['file://' + join(runDir, 'report.html')], 'the page fetches nothing but itself');
    assert.deepEqual(problems, []);
    const chart = page.locator('#trajectory');
    assert.equal(await chart.getAttribute('data-rendered'), 'true', await chart.innerText());
    assert.equal(await chart.getAttribute('data-y-scale'), 'linear', '84…100 spans less than 10×');
    assert.equal(await chart.locator('g.mark-baseline circle').count(), 1);
    assert.equal(await chart.locator('g.mark-promoted circle').count(), 2);
    assert.equal(await chart.locator('g.mark-kept circle').count(), 1);
    // Reverted: the measured regression as a red cross, the unmeasured failure as a rule at its iteration.
    assert.deepEqual(await chart.locator('g.mark-reverted > *').evaluateAll((els) => els.map((e) => `${e.tagName}:${e.getAttribute('stroke') ?? e.parentElement!.getAttribute('stroke')}`)), ['path:#cf222e']);
    assert.match(await chart.locator('g.mark-reverted title').textContent() ?? '', /^iter-003 · reverted\nstep_ms: 97\ndecision: regression/);
    assert.match(await chart.locator('g.mark-unmeasured line title').textContent() ?? '', /^iter-004 · reverted\ndecision: failed — post-check failed/);
    // Every point has its hover text; the target line lies above the regression (97) and below the best (84).
    const titles = await chart.locator('g[class^="mark-"] :is(circle, path) > title').allTextContents();
    assert.deepEqual(titles.map((s) => s.split(/[ \n]/)[0]), ['baseline', 'iter-002', 'iter-001', 'iter-005', 'iter-003']);
    assert.equal(await chart.locator('g.mark-target line title').textContent(), 'target 85');
    assert.match(await chart.locator('g.mark-promoted circle title').first().textContent() ?? '', new RegExp(`\ncommit: ${sha.slice(0, 12)} Fuse the triangular solve into the chunk kernel$`), 'the commit subject, looked up in git');
    const targetY = Number(await chart.locator('g.mark-target line').getAttribute('y1'));
    const bestY = Number(await chart.locator('g.mark-promoted circle').nth(1).getAttribute('cy'));
    const worstY = await chart.locator('g.mark-reverted path').evaluate((e) => e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2 - (e as SVGGraphicsElement).ownerSVGElement!.getBoundingClientRect().top);
    assert.ok(worstY < targetY && targetY < bestY, `${worstY} < ${targetY} < ${bestY} (SVG y grows downwards, lower is better)`);
    // The champion line steps at the two promotions: 100 → 91 → 84.
    assert.equal(pathLevels((await chart.locator('g.mark-champion path').getAttribute('d')) ?? ''), 3);
    // Hovering the reverted point shows Plot's tip with its details.
    const cross = await chart.locator('g.mark-reverted path').boundingBox();
    await page.mouse.move(cross!.x + cross!.width / 2, cross!.y + cross!.height / 2);
    await page.waitForFunction(() => (document.querySelector('#trajectory g[aria-label="tip"]')?.textContent ?? '').includes('iter-003'));
    assert.match(await chart.locator('g[aria-label="tip"]').textContent() ?? '', /iter-003 · reverted.*decision: regression.*change: Unroll <loop>/);

    // Leaderboard: lineage order, the kept-within-noise change at its champion's rank, the header says so.
    const board = page.locator('#leaderboard tbody tr');
    assert.deepEqual(await board.evaluateAll((trs) => trs.map((tr) => `${tr.children[0]!.textContent} ${tr.children[1]!.textContent}`)), [
      '1 iter-005-bf16-accumulate', '2 iter-001-fuse-solve', '2 = iter-002-retile', '4 baseline', '5 iter-003-unroll-loop', '6 iter-004-broken',
    ]);
    assert.match(await page.locator('#ranking-note').innerText(), /champion lineage.*kept within noise ranks with the champion it did not beat/);
    // The status words are on screen whether or not this machine has an emoji font.
    assert.match(await board.first().locator('td.status').innerText(), /^(✅ )?kept, (🎯 )?target reached$/);
    assert.match(await board.nth(4).locator('td.status').innerText(), /^(❌ )?reverted$/);
    if (!/emoji/i.test(fontList())) {
      // No emoji font here: the page noticed and hid the emojis, so no empty boxes stand before the words.
      assert.equal(await page.evaluate(() => document.body.classList.contains('no-emoji')), true);
      assert.equal(await board.first().locator('td.status').innerText(), 'kept, target reached');
    }
    assert.equal(await page.locator('#iterations tbody tr').count(), 5);
    assert.match(await page.locator('#iterations tbody tr').nth(1).innerText(), /2,100\s+4\.0\s+10/);
    assert.equal(await page.locator('#mfu-trajectory').count(), 0, 'no MFU chart without MFU data');
  });
});

test('report.html: a log y axis once the metric spans more than 10×', async (t) => {
  const root = setup(t, 'gdnctl-report-log-');
  if (!root) return;
  const runDir = writeRun(root, 'r-log', { median: 400, metric: 'step_ms', direction: 'lower' }, [
    { iteration: 1, value: 210, outcome: 'promoted' },
    { iteration: 2, value: 260, outcome: 'regression', reverted: true },
    { iteration: 3, value: 30, outcome: 'promoted' },
  ]);
  assert.equal((await runCli(['report'], root)).code, 0);
  await withReport(join(runDir, 'report.html'), async ({ page, problems }) => {
    assert.deepEqual(problems, []);
    assert.equal(await page.locator('#trajectory').getAttribute('data-y-scale'), 'log', 'the chart Plot drew has a log scale');
    const ticks = (await page.locator('#trajectory g[aria-label="y-axis tick label"] text').allTextContents()).map(Number).filter((n) => n > 0);
    // Log ticks: equal pixel steps between 10, 100 and 1,000 (a linear axis would squeeze 10…100 into a sliver).
    const y = async (v: string): Promise<number> =>
      page.locator('#trajectory g[aria-label="y-axis tick label"] text').filter({ hasText: new RegExp(`^${v}$`) }).evaluate((e) => e.getBoundingClientRect().top);
    assert.ok(ticks.includes(100) && ticks.includes(30), ticks.join(','));
    const [y30, y100, y300] = [await y('30'), await y('100'), await y('300')];
    assert.ok(Math.abs((y30 - y100) - (y100 - y300)) < 0.2 * (y30 - y100), `${y30} ${y100} ${y300}: 30→100 and 100→300 are about the same distance`);
  });
});

test('report.html plots the MFU trajectory in % of the chips\' peak with the --target line', async (t) => {
  const root = setup(t, 'gdnctl-report-mfu-');
  if (!root) return;
  const r = (iteration: number, value: number, outcome: string, reverted = false): Row => ({ iteration, value, mfu: value, outcome, reverted });
  const runDir = writeRun(root, 'r-mfu', { median: 0.31, metric: 'mfu', direction: 'higher' }, [r(1, 0.36, 'promoted'), r(2, 0.33, 'regression', true), r(3, 0.44, 'promoted'), r(4, 0.445, 'kept-within-noise')]);
  const res = await runCli(['report', '--target', '0.5'], root);
  assert.equal(res.code, 0, res.stderr);
  await withReport(join(runDir, 'report.html'), async ({ page, problems }) => {
    assert.deepEqual(problems, []);
    const chart = page.locator('#mfu-trajectory');
    assert.equal(await chart.getAttribute('data-rendered'), 'true');
    assert.equal(await chart.locator('g[class^="mark-"] :is(circle, path) > title').count(), 5, 'baseline + 4 measured iterations');
    assert.equal(await chart.locator('g.mark-reverted path').count(), 1);
    assert.equal(await chart.locator('g.mark-target line title').textContent(), 'target 50.0 %');
    // The 50 % target lies above every point (SVG y grows downwards), the best point (44.5 %) closest to it.
    const targetY = Number(await chart.locator('g.mark-target line').getAttribute('y1'));
    const ys = await chart.locator('circle').evaluateAll((els) => els.map((e) => Number(e.getAttribute('cy'))));
    assert.ok(ys.length === 4 && ys.every((y) => y > targetY), `${targetY} vs ${ys.join(',')}`);
    assert.match(await chart.locator('g[aria-label="y-axis tick label"] text').first().textContent() ?? '', /^\d+\.\d %$/, 'the axis is in percent');
    assert.equal(pathLevels((await chart.locator('g.mark-champion path').getAttribute('d')) ?? ''), 3, 'champion 31 → 36 → 44 %');
    assert.match(await chart.locator('g.mark-kept title').textContent() ?? '', /MFU: 44\.5 %/);
    assert.deepEqual(await page.locator('#leaderboard thead th').allInnerTexts(), ['Rank', 'Iteration', 'Result', 'MFU', 'Δ vs baseline', 'Strategy', 'Status']);
    // Lineage: iteration 4's 44.5 % ranks with iteration 3 (44 %), which it did not beat.
    assert.deepEqual(await page.locator('#leaderboard tbody tr td:first-child').allInnerTexts(), ['1', '1 =', '3', '4', '5']);
    assert.equal(await page.locator('#leaderboard tbody tr').first().locator('td.mfu').innerText(), '44.0 %');
  });
});

test('screenshot: the chart area has ink and coloured marks; an emptied chart area fails the same check', async (t) => {
  const root = setup(t, 'gdnctl-report-shot-');
  if (!root) return;
  const runDir = writeRun(root, 'r-shot', { median: 100, metric: 'step_ms', direction: 'lower' }, STEP_ROWS);
  assert.equal((await runCli(['report', '--target', '85'], root)).code, 0);
  // Kept after the test (the run folder is not): the path is printed for people to look at.
  const shots = mkdtempSync(join(tmpdir(), 'gdnctl-report-screenshot-'));
  await withReport(join(runDir, 'report.html'), async ({ page }) => {
    // The kept picture shows a hover tip too: the reverted iteration's details.
    const cross = await page.locator('#trajectory g.mark-reverted path').boundingBox();
    await page.mouse.move(cross!.x + cross!.width / 2, cross!.y + cross!.height / 2);
    await page.waitForSelector('#trajectory g[aria-label="tip"] text');
    const page1 = await page.screenshot({ fullPage: true });
    await page.mouse.move(0, 0);
    writeFileSync(join(shots, 'report.png'), page1);
    if (process.env.GDNCTL_KEEP_SCREENSHOT) writeFileSync(process.env.GDNCTL_KEEP_SCREENSHOT, page1);
    t.diagnostic(`screenshot: ${join(shots, 'report.png')}`);
    process.stdout.write(`# report screenshot: ${join(shots, 'report.png')}\n`);

    const box = await page.locator('#trajectory svg').boundingBox();
    assert.ok(box && box.width > 600 && box.height > 250, JSON.stringify(box));
    const chartShot = await page.screenshot({ clip: box! });
    writeFileSync(join(shots, 'chart.png'), chartShot);
    const full = inkOf(chartShot);
    // Axes, grid and labels alone are a few per cent grey; the marks add blue, green, red and amber pixels.
    assert.ok(full.ink / full.total > 0.01, `chart has ink: ${JSON.stringify(full)}`);
    assert.ok(full.colour > 1500, `chart has coloured marks: ${JSON.stringify(full)}`);

    // The check fails on an empty chart area: the same box, the drawing removed.
    await page.locator('#trajectory').evaluate((el) => {
      el.replaceChildren();
      (el as HTMLElement).style.height = '320px';
    });
    const empty = inkOf(await page.screenshot({ clip: box! }));
    t.diagnostic(`chart ${JSON.stringify(full)}, emptied ${JSON.stringify(empty)}`);
    assert.ok(empty.ink / empty.total < 0.01 && empty.colour < 1500, `an empty chart area is caught: ${JSON.stringify(empty)}`);
  });
});
