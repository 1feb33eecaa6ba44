import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { summarizeTrace } from '../../src/adapters/profile/trace-file.js';
import { pickXPlane, summarizeProfile } from '../../src/adapters/profile/profile-summary.js';
import { summarizeXPlaneFile } from '../../src/adapters/profile/xplane-file.js';
import { encodeXSpace, type PlaneSpec } from '../helpers/xspace-writer.js';
import { runCli } from '../helpers/cli.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'gdnctl-xplane-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** One profile of 3 steps on one core, as both an XSpace and a Chrome trace; `jsonCap` cuts the JSON's events. */
const OPS = ['gdn_chunk_fwd', 'fusion.1', 'copy.2'];
const DUR_US = [700, 200, 100];
const STEPS = 3;
const PER_STEP = 40;

function xspace(): Uint8Array {
  const plane: PlaneSpec = {
    id: 7,
    name: '/device:TPU:0',
    statNames: { 1: 'tf_op' },
    ops: { 1: { name: 'custom-call.1', stats: [{ stat: 1, str: 'jit(train_step)/gdn_chunk_fwd/pallas_call' }] }, 2: { name: 'fusion.1' }, 3: { name: 'copy.2' }, 9: { name: 'step' } },
    lines: [
      { name: 'Steps', events: Array.from({ length: STEPS }, () => ({ op: 9, durPs: PER_STEP * 1000 * 1e6 })) },
      { name: 'XLA Ops', events: Array.from({ length: STEPS * PER_STEP }, (_, i) => ({ op: 1 + (i % 3), durPs: DUR_US[i % 3]! * 1e6 })) },
    ],
  };
  return encodeXSpace([{ id: 1, name: '/host:CPU', ops: { 1: { name: 'host' } }, lines: [{ name: 't', events: [{ op: 1, durPs: 1e12 }] }] }, plane]);
}

function chromeTrace(jsonCap: number): string {
  const meta = [
    { ph: 'M', name: 'process_name', pid: 7, args: { name: '/device:TPU:0' } },
    { ph: 'M', name: 'thread_name', pid: 7, tid: 1, args: { name: 'Steps' } },
    { ph: 'M', name: 'thread_name', pid: 7, tid: 2, args: { name: 'XLA Ops' } },
  ];
  const steps = Array.from({ length: STEPS }, (_, i) => ({ ph: 'X', pid: 7, tid: 1, name: String(i), ts: i * 1000, dur: PER_STEP * 1000 }));
  const ops = Array.from({ length: STEPS * PER_STEP }, (_, i) => ({ ph: 'X', pid: 7, tid: 2, name: OPS[i % 3], ts: i, dur: DUR_US[i % 3] }));
  return JSON.stringify({ traceEvents: [...meta, ...steps, ...ops].slice(0, jsonCap) });
}

const FULL_TOTAL_US = STEPS * PER_STEP * (1000 / 3);

describe('XPlane input', () => {
  test('the XSpace and the uncut JSON trace give the same table (the XSpace names the custom call after its kernel)', async () => {
    writeFileSync(join(dir, 'same.xplane.pb'), xspace());
    writeFileSync(join(dir, 'same.trace.json'), chromeTrace(Number.MAX_SAFE_INTEGER));
    const x = await summarizeXPlaneFile(join(dir, 'same.xplane.pb'));
    const j = await summarizeTrace(join(dir, 'same.trace.json'));
    assert.deepEqual(x.ops, j.ops);
    assert.equal(x.totalUs, j.totalUs);
    assert.equal(x.stepTimeMs, j.stepTimeMs);
    assert.deepEqual(x.countedThreads, j.countedThreads);
    assert.deepEqual(x.deviceProcesses, j.deviceProcesses);
  });

  test('a JSON trace cut at the event cap gives a partial table; the XSpace next to it is preferred and complete', async () => {
    const x = join(dir, 'w0.xplane.pb');
    const json = join(dir, 'perfetto_trace.json.gz');
    writeFileSync(x, xspace());
    writeFileSync(json, gzipSync(chromeTrace(50)));
    const partial = await summarizeTrace(json);
    assert.ok(partial.totalUs < FULL_TOTAL_US / 2, `the cut JSON counts ${partial.totalUs} µs`);
    const warnings: string[] = [];
    const got = await summarizeProfile({ xplane: pickXPlane([json, x]), json }, { top: 5 }, (m) => warnings.push(m));
    assert.equal(got.kind, 'table');
    if (got.kind !== 'table') return;
    assert.equal(got.file, x);
    assert.equal(got.summary.totalUs, FULL_TOTAL_US);
    assert.deepEqual(got.summary.ops.map((o) => [o.name, o.count]), [['gdn_chunk_fwd', STEPS * PER_STEP / 3], ['fusion.1', STEPS * PER_STEP / 3], ['copy.2', STEPS * PER_STEP / 3]]);
    assert.equal(got.summary.stepTimeMs, PER_STEP);
    assert.deepEqual(warnings, []);
  });

  test('an unreadable XSpace or one without a TPU plane falls back to the JSON trace, saying why', async () => {
    const bad = join(dir, 'bad.xplane.pb');
    const cpu = join(dir, 'cpu.xplane.pb');
    const json = join(dir, 'ok.trace.json');
    writeFileSync(bad, xspace().subarray(0, 100));
    writeFileSync(cpu, encodeXSpace([{ id: 1, name: '/host:CPU', ops: {}, lines: [] }]));
    writeFileSync(json, chromeTrace(Number.MAX_SAFE_INTEGER));
    for (const [x, why] of [[bad, /bad\.xplane\.pb is not a readable XSpace \(truncated/], [cpu, /cpu\.xplane\.pb has no TPU device plane/]] as const) {
      const warnings: string[] = [];
      const got = await summarizeProfile({ xplane: x, json }, {}, (m) => warnings.push(m));
      assert.equal(got.kind === 'table' && got.file, json);
      assert.match(warnings.join('\n'), why);
    }
    const alone = await summarizeProfile({ xplane: bad }, {}, () => {});
    assert.equal(alone.kind, 'unreadable');
    assert.deepEqual(await summarizeProfile({}, {}, () => {}), { kind: 'none' });
  });
});

describe('gdnctl dev-tpu-profile with an XSpace', () => {
  let repo: string;
  const FAKE = `#!/bin/sh
set -e
d="$GDNCTL_PROFILE_DIR/plugins/profile/2026_11_23_12_00_00"
mkdir -p "$d"
cp "$XPLANE_SRC" "$d/w0.xplane.pb"
if [ -n "$JSON_SRC" ]; then cp "$JSON_SRC" "$d/perfetto_trace.json.gz"; fi
`;
  before(() => {
    repo = mkdtempSync(join(tmpdir(), 'gdnctl-xplane-cli-'));
    mkdirSync(join(repo, 'tools'));
    writeFileSync(join(repo, 'tools', 'fake_profile.sh'), FAKE);
    writeFileSync(join(repo, 'gdnctl.yaml'), 'profileCommand: sh tools/fake_profile.sh\n');
    writeFileSync(join(repo, '.gitignore'), '.profiles/\n');
    const git = (...a: string[]) => execFileSync('git', a, { cwd: repo });
    git('init', '-q');
    git('add', '-A');
    git('-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-qm', 'init');
    writeFileSync(join(dir, 'cli.xplane.pb'), xspace());
    writeFileSync(join(dir, 'cut.json.gz'), gzipSync(chromeTrace(50)));
  });
  after(() => rmSync(repo, { recursive: true, force: true }));

  test('--include-xplane: the table comes from the XSpace although the JSON trace was cut', async () => {
    const env = ['--profile-env', `XPLANE_SRC=${join(dir, 'cli.xplane.pb')}`, '--profile-env', `JSON_SRC=${join(dir, 'cut.json.gz')}`];
    const r = await runCli(['dev-tpu-profile', '--accelerator', 'local', '--include-xplane', '--json', ...env], { cwd: repo });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.hotspots.source, 'plugins/profile/2026_11_23_12_00_00/w0.xplane.pb');
    assert.equal(report.hotspots.totalUs, FULL_TOTAL_US);
    assert.equal(report.hotspots.ops[0].name, 'gdn_chunk_fwd');
    assert.equal(report.metrics.step_time_ms, PER_STEP);
    const written = JSON.parse(readFileSync(join(report.dir, 'hotspots.json'), 'utf8'));
    assert.deepEqual(written.ops, report.hotspots.ops);
  });

  test('an XSpace that cannot be read and no JSON trace: exit 1 with one line naming the file', async () => {
    writeFileSync(join(dir, 'broken.xplane.pb'), xspace().subarray(0, 64));
    const r = await runCli(['dev-tpu-profile', '--accelerator', 'local', '--include-xplane', '--profile-env', `XPLANE_SRC=${join(dir, 'broken.xplane.pb')}`], { cwd: repo });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /w0\.xplane\.pb: not a readable XSpace \(truncated after \d+ bytes/);
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  });
});
