import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parsePytestSummary, parsePytestSummaryLine } from '../../src/core/pytest-summary.js';
import { parseEnvPairs } from '../../src/core/env-pairs.js';
import { buildTestCommand, selectSuites } from '../../src/core/test-plan.js';
import { DEFAULT_TEST_SUITES } from '../../src/config/options/remote.js';
import { workersExitCode } from '../../src/core/worker-outcome.js';
import { metricLine, parseProfileMetrics } from '../../src/core/profile-metrics.js';
import { checkProfileWindow, marinPrefixFor, modelEnv, profileRunName, tracePatterns } from '../../src/core/profile-plan.js';
import { exportLines, rsyncShellArg, shPath, shQuote } from '../../src/core/shell-quote.js';
import { globToRegExp } from '../../src/adapters/remote/local-remote.js';
import { UsageError } from '../../src/errors.js';

test('pytest summary lines: counts, duration, variants', () => {
  const s = parsePytestSummaryLine('======= 1 failed, 87 passed, 2 skipped, 3 warnings in 12.30s =======')!;
  assert.deepEqual([s.passed, s.failed, s.skipped, s.warnings, s.durationS], [87, 1, 2, 3, 12.3]);
  assert.equal(s.line, '1 failed, 87 passed, 2 skipped, 3 warnings in 12.30s');
  assert.equal(parsePytestSummaryLine('87 passed, 2 skipped in 12.3s')!.passed, 87);
  assert.equal(parsePytestSummaryLine('==== 2 errors, 1 xfailed, 1 xpassed, 4 deselected in 62.01s (0:01:02) ====')!.errors, 2);
  assert.equal(parsePytestSummaryLine('\x1b[32m==== 5 passed in 0.1s ====\x1b[0m')!.passed, 5);
  assert.equal(parsePytestSummaryLine('==== no tests ran in 0.01s ====')!.passed, 0);
  assert.equal(parsePytestSummaryLine('tests/test_x.py::test_a PASSED'), undefined);
  assert.equal(parsePytestSummaryLine('3 bananas in 1s'), undefined);
  const out = 'collected 3\n== 1 failed in 1.0s ==\nsecond run\n== 3 passed in 2.0s ==\ntrailer\n';
  assert.equal(parsePytestSummary(out)!.passed, 3);
  assert.equal(parsePytestSummary('no summary here'), undefined);
});

test('-e KEY=VALUE: names validated, "=" required, empty value allowed, every problem one line', () => {
  assert.deepEqual(parseEnvPairs(['A=1', 'B=', 'C=x=y', '_d9=v'], '-e'), { A: '1', B: '', C: 'x=y', _d9: 'v' });
  assert.throws(
    () => parseEnvPairs(['NOEQ', '9X=1', 'A-B=2', 'OK=1'], '-e'),
    (e: unknown) => e instanceof UsageError && e.lines.length === 3 && /A-B/.test(e.lines[2]!),
  );
});

test('suites: both = kernels + layer in one pytest; all = every suite; unknown names listed', () => {
  assert.deepEqual(selectSuites('both', DEFAULT_TEST_SUITES), ['kernels', 'layer']);
  assert.deepEqual(selectSuites('all', { a: { cwd: '.', command: 'x', files: [] } }), ['a']);
  assert.throws(() => selectSuites('kernel', DEFAULT_TEST_SUITES), /unknown suite "kernel"; choose one of kernels\|layer\|both\|all/);
  assert.equal(
    buildTestCommand(['kernels', 'layer'], DEFAULT_TEST_SUITES, '-x'),
    '(cd lib/levanter && uv run --extra=tpu --group test pytest -v tests/test_gdn_kernels.py tests/test_gdn_layer.py -x)',
  );
});

test('suites in different folders run one after the other and the first failure code wins', () => {
  const suites = {
    a: { cwd: '.', command: 'sh -c "exit 3"', files: [] },
    b: { cwd: '.', command: 'echo b-ran', files: [] },
  };
  const cmd = buildTestCommand(['a', 'b'], suites);
  let code = 0;
  let out = '';
  try {
    out = execFileSync('bash', ['-c', cmd], { encoding: 'utf8' });
  } catch (e) {
    code = (e as { status: number }).status;
    out = (e as { stdout: string }).stdout;
  }
  assert.equal(code, 3);
  assert.match(out, /b-ran/);
});

test('worker exit codes: unreachable beats failure; all zero is 0', () => {
  const r = (exitCode: number | null, unreachable = false) => ({ worker: 0, exitCode, unreachable, output: '' });
  assert.equal(workersExitCode([r(0), r(0)]), 0);
  assert.equal(workersExitCode([r(0), r(2)]), 1);
  assert.equal(workersExitCode([r(null)]), 1);
  assert.equal(workersExitCode([r(1), r(255, true)]), 4);
  assert.equal(workersExitCode([]), 4);
});

test('profile metrics: GDNCTL_METRIC first, then Levanter / plain spellings, last value wins', () => {
  const out = [
    'step 1 throughput/mfu: 0.10 throughput/tokens_per_second: 100',
    'step 2 throughput/mfu: 0.35 throughput/tokens_per_second: 2000.5 throughput/duration: 0.5',
  ].join('\n');
  assert.deepEqual(parseProfileMetrics(out), { mfu: 0.35, tokens_per_s: 2000.5, step_time_ms: 500 });
  assert.deepEqual(parseProfileMetrics('GDNCTL_METRIC {"mfu": 0.5}\nmfu=0.2\nstep_time_ms=12'), { mfu: 0.5, step_time_ms: 12 });
  assert.deepEqual(parseProfileMetrics('nothing'), {});
  assert.equal(metricLine({ step_time_ms: 3, mfu: 0.4 }), 'GDNCTL_METRIC {"mfu":0.4,"step_time_ms":3}');
  assert.equal(metricLine({}), undefined);
});

test('profile plan: window check, run name, trace patterns', () => {
  const o = { size: '130m', numSteps: 20, profileStartStep: 2, profileNumSteps: 6, batchSize: 8, runNamePrefix: 'p', includeXplane: false };
  checkProfileWindow(o);
  assert.throws(() => checkProfileWindow({ ...o, numSteps: 7 }), /does not fit in --num-steps 7/);
  assert.equal(profileRunName({ ...o, iteration: '4' }, Date.UTC(2026, 10, 23, 12, 1, 2)), 'p_130m_20steps_iter004_20261123T120102Z');
  assert.deepEqual(tracePatterns(true), ['perfetto_trace.json.gz', '*.trace.json.gz', '*.xplane.pb']);
  assert.ok(globToRegExp('*.trace.json.gz').test('host1.trace.json.gz'));
  assert.ok(!globToRegExp('*.trace.json.gz').test('host1.trace.json'));
});

test('shell quoting round-trips through bash; ~ stays expandable; rsync -e args', () => {
  const nasty = `it's "quoted" $HOME \`cmd\` \\ new\nline`;
  const lines = exportLines({ V: nasty, E: '' });
  const out = execFileSync('bash', ['-c', `${lines.join('\n')}\nprintf '%s|%s' "$V" "$E"`], { encoding: 'utf8' });
  assert.equal(out, `${nasty}|`);
  assert.throws(() => exportLines({ 'BAD-NAME': 'x' }), /invalid environment variable name/);
  assert.equal(shQuote('plain/path-1.2'), 'plain/path-1.2');
  assert.equal(shPath('~/repo dir'), `"$HOME"/'repo dir'`);
  assert.equal(execFileSync('bash', ['-c', `echo ${shPath('~/x')}`], { encoding: 'utf8', env: { HOME: '/h' } }).trim(), '/h/x');
  assert.equal(rsyncShellArg('/a b/key'), `'/a b/key'`);
  assert.equal(rsyncShellArg('UserKnownHostsFile=/tmp/k'), 'UserKnownHostsFile=/tmp/k');
});

test('profile model flags: the Python tool\'s MARIN_PREFIX default and the variables each knob becomes', () => {
  // The anchor's pinned cases, plus a bare region.
  assert.equal(marinPrefixFor('us-east5-a'), 'gs://marin-us-east5');
  assert.equal(marinPrefixFor('us-east5'), 'gs://marin-us-east5');
  assert.equal(marinPrefixFor('marin-us-central1'), 'gs://marin-us-central1');
  assert.equal(marinPrefixFor('us-central1'), 'gs://marin-us-central1');
  assert.deepEqual(modelEnv({}), {});
  assert.deepEqual(modelEnv({ ceImplementation: 'auto', ceBwdMode: 'pallas', wandbMode: 'online' }), {
    LEVANTER_PALLAS_TPU_BWD_USE_XLA_STREAMING_BENCH: '0',
    WANDB_MODE: 'online',
  });
  assert.deepEqual(modelEnv({ chunkSize: 64, segmentSize: 16, gdnLayersPerBlock: 3, gdnBlockSize: 4, allTransformer: true, ceImplementation: 'xla', ceBwdMode: 'xla_streaming', marinPrefix: 'gs://b' }), {
    GDN_PROFILE_CHUNK_SIZE: '64',
    GDN_PROFILE_SEGMENT_SIZE: '16',
    GDN_PROFILE_GDN_LAYERS_PER_BLOCK: '3',
    GDN_PROFILE_GDN_BLOCK_SIZE: '4',
    GDN_PROFILE_ALL_TRANSFORMER: '1',
    LEVANTER_FUSED_CE_IMPLEMENTATION: 'xla',
    LEVANTER_PALLAS_TPU_BWD_USE_XLA_STREAMING_BENCH: '1',
    MARIN_PREFIX: 'gs://b',
  });
});
