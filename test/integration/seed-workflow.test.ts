/**
 * The seed's real workflow with the fake agent (test/e2e/seed-command.test.ts runs it with the real codex): the
 * seed's whole command line, --hold-dev-tpu against the TPU API emulator (primary zone full, so the hold falls
 * back), `gdnctl dev-tpu-test` over real ssh and `gdnctl lint-log` as post-checks, and a hill-climb log at a
 * non-default path that the agent extends with entries in the real style (qualified and drifted field names,
 * test/fixtures/hillclimb-log.ts). Every correct iteration is kept. Also: a dev-tpu-test post-check with its own
 * --config sees the loop's clusters, project and ssh settings. Post-checks run bin/gdnctl: `npm run build` first.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GcpTpuProvider } from '../../src/adapters/tpu/gcp-tpu-provider.js';
import { TpuEmulator } from '../fakes/tpu-emulator.js';
import { generateHillclimbLog } from '../fixtures/hillclimb-log.js';
import { startSshWorkers, type SshWorkers } from '../helpers/sshd.js';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, FAST, loopEnv, readJson, ROOT, runDirs, runLoopInProcess, type Invocation } from '../helpers/loop-harness.js';

let emu: TpuEmulator;
let workers: SshWorkers;
let scratch: string;

before(async () => {
  [workers, emu] = await Promise.all([startSshWorkers({ count: 1 }), TpuEmulator.start({ readyDelayMs: 30, deleteDelayMs: 20 })]);
  scratch = mkdtempSync(join(tmpdir(), 'gdnctl-seedwf-'));
});

after(async () => {
  await Promise.all([workers.dispose(), emu.close()]);
  rmSync(scratch, { recursive: true, force: true });
});

/** The TPU API emulator behind the real client; the project in the environment is not the loop's. */
function tpuEnv(): Record<string, string> {
  return {
    USER: 'tester',
    METADATA_SERVER_DETECTION: 'none',
    GOOGLE_CLOUD_PROJECT: 'not-the-loops-project',
    GDNCTL_TPU_API_ENDPOINT: emu.endpoint,
    GDNCTL_TPU_ACCESS_TOKEN: 'fake-token-for-the-emulator',
    GDNCTL_TPU_POLL_INTERVAL_MS: '20',
  };
}

/** The test worker's ssh settings, given to the loop as flags: only the loop's shared settings carry them on. */
function sshFlags(remote: string): string[] {
  return [
    '--ssh-user', workers.user, '--ssh-port', String(workers.port), '--ssh-key-file', workers.keyFile,
    '--known-hosts-file', join(workers.dir, 'known_hosts'), '--remote-dir', remote,
  ];
}

/** Suites that record on the worker which suite ran, then print a pytest summary. */
function suites(marker: string): Record<string, { cwd: string; command: string; files: string[] }> {
  const suite = (name: string) => ({ cwd: '.', command: `echo "${name} $PWD" >> ${marker}; echo '==== 1 passed in 0.01s ===='`, files: [] });
  return { kernels: suite('kernels'), layer: suite('layer') };
}

const iterRecord = (run: string, i: number) => readJson<{ outcome: string; reason?: string; detail?: string }>(join(run, `iter-00${i}`, 'record.json'));

test('a dev-tpu-test post-check with --config elsewhere sees the loop\'s clusters, project and ssh settings', async (t) => {
  assert.ok(existsSync(join(ROOT, 'dist')), 'dist/ is missing: run npm run build');
  const provider = await GcpTpuProvider.create({ apiEndpoint: emu.endpoint, accessToken: 'fake-token', pollIntervalMs: 20, retries: 2, retryMinMs: 5, internalIp: false });
  const made = await provider.createNode(
    {
      project: 'eu-proj', zone: 'europe-west4-a', cluster: 'eu', name: 'eu-node', acceleratorType: 'v5p-8', runtimeVersion: 'v2-alpha-tpuv5',
      labels: { 'managed-by': 'gdnctl', 'gdnctl-owner': 'tester' }, metadata: {},
    },
    { readyTimeoutMs: 5000 },
  );
  await provider.close();
  assert.equal(made.kind, 'ready');
  const marker = join(scratch, 'config-elsewhere-marker.txt');
  const elsewhere = join(scratch, 'elsewhere.yaml');
  writeFileSync(elsewhere, JSON.stringify({ testSuites: suites(marker) }) + '\n');
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  const r = await runLoopInProcess(
    repo,
    [
      '--iterations', '1', ...FAST, '--hillclimb-log', 'notes/log.md',
      '--clusters', JSON.stringify({ eu: { zone: 'europe-west4-a' } }), '--project', 'eu-proj', ...sshFlags(join(scratch, 'remote-a')),
      '--post-check', `gdnctl --config ${elsewhere} dev-tpu-test --cluster eu --tpu-name eu-node --tests both`,
    ],
    loopEnv(repo, [{ steps: [commitStep({ 'a.txt': 'b\n' })] }], tpuEnv()),
  );
  assert.equal(r.code, 0, r.stderr);
  const run = runDirs(repo)[0]!;
  assert.equal(iterRecord(run, 1).outcome, 'kept', JSON.stringify(iterRecord(run, 1)));
  assert.deepEqual(readFileSync(marker, 'utf8').trim().split('\n'), [`kernels ${join(scratch, 'remote-a')}`, `layer ${join(scratch, 'remote-a')}`]);
  assert.ok(emu.requestsMatching('GET', '/projects/eu-proj/locations/europe-west4-a/nodes/eu-node').length >= 1, 'looked up in the loop\'s project and cluster');
});

const LOG = 'notes/gdn_pallas_tpu_hillclimb.md';
const HISTORY = 12;
const ITERATIONS = 3;

/** The generated log cut into its preamble and its entries (each from its heading to the next one). */
function realStyleLog(): { preamble: string; entries: string[] } {
  const { text } = generateHillclimbLog({ entries: HISTORY + ITERATIONS, seed: 11 });
  const [preamble, ...rest] = text.split(/^(?=### Iteration )/m);
  return { preamble: preamble!, entries: rest };
}

test("the seed's command line with real-style log entries at a non-default path: every correct iteration is kept", { timeout: 120_000 }, async (t) => {
  assert.ok(existsSync(join(ROOT, 'dist')), 'dist/ is missing: run npm run build');
  const { preamble, entries } = realStyleLog();
  const marker = join(scratch, 'seed-marker.txt');
  const repo = await TempRepo.create({
    files: {
      [LOG]: preamble + entries.slice(0, HISTORY).join(''),
      'lib/kernel.py': '# kernel\n',
      'gdnctl.yaml': JSON.stringify({ testSuites: suites(marker) }, null, 2) + '\n',
    },
  });
  t.after(() => repo.dispose());
  emu.failCapacity('us-central1-a');
  t.after(() => emu.clearFaults());
  // Each agent run appends its entry (`- Commit: this commit`, as the prompt asks) and commits it with a change.
  const scenario: Invocation[] = entries.slice(HISTORY).map((e, k) => ({
    steps: [
      { do: 'shell', cmd: `cat >> ${LOG} <<'GDN_ENTRY'\n${e.replace(/^- Commit: .*$/m, '- Commit: this commit').trimEnd()}\nGDN_ENTRY` },
      commitStep({ 'lib/kernel.py': `# kernel, step ${k + 1}\n` }, `gdn: step ${k + 1}`),
    ],
  }));
  const args = [
    '--iterations', String(ITERATIONS),
    '--model', 'gpt-5.3-codex',
    '--reasoning-effort', 'xhigh',
    '--resilient',
    '--directive-preset', 'triangular-inversion',
    '--dirty-policy', 'stash',
    '--no-commit-policy', 'count-failure',
    '--prompt-file', join(ROOT, 'prompts', 'codex_iteration_prompt.md'),
    '--hold-dev-tpu',
    '--dev-tpu-cluster', 'us-central1',
    '--dev-tpu-fallback-cluster', 'us-east5-a',
    '--dev-tpu-name', 'tester-gdn',
    '--dev-tpu-type', 'v5p-8',
    '--dev-tpu-allocate-attempts', '2',
    '--dev-tpu-allocate-retry-sleep', '0',
    '--post-check', 'gdnctl dev-tpu-test --cluster us-central1 --tpu-name tester-gdn --tests both',
    '--post-check', 'gdnctl lint-log',
    // the project's own log location, and plumbing: the test worker, no sleeps
    '--hillclimb-log', LOG, '--project', 'seed-proj', ...sshFlags(join(scratch, 'remote-seed')), ...FAST,
  ];
  const r = await runLoopInProcess(repo, args, loopEnv(repo, scenario, tpuEnv()));
  assert.equal(r.code, 0, r.stderr);
  const run = runDirs(repo)[0]!;
  for (let i = 1; i <= ITERATIONS; i++) {
    const rec = iterRecord(run, i);
    assert.equal(rec.outcome, 'kept', `iteration ${i}: ${JSON.stringify(rec)}\n${readFileSync(join(run, `iter-00${i}`, 'post-check-2.log'), 'utf8')}`);
    assert.match(readFileSync(join(run, `iter-00${i}`, 'post-check-2.log'), 'utf8'), /^\$ gdnctl lint-log\n[\s\S]*# exit 0\n$/);
  }
  // The checks ran on the node the hold fell back to, two suites per iteration.
  assert.equal(readFileSync(marker, 'utf8').trim().split('\n').length, 2 * ITERATIONS);
  assert.ok(emu.requestsMatching('GET', '/projects/seed-proj/locations/us-east5-a/nodes/tester-gdn').length >= ITERATIONS);
  // The log the loop names is the one that grew and was stamped; the default path was never created.
  const log = repo.read(LOG);
  const stamped = [...log.matchAll(/^- Commit: ([0-9a-f]{40})$/gm)].map((m) => m[1]!);
  const agentCommits = repo.log().filter((c) => /^gdn: step/.test(c.subject)).map((c) => c.sha).reverse();
  assert.deepEqual(stamped.slice(-ITERATIONS), agentCommits);
  assert.ok(!log.includes('Commit: this commit'));
  assert.ok(!repo.exists('lib/levanter/.agents/projects/gdn_pallas_tpu_hillclimb.md'));
  // The prompt names the log the loop writes and the running gdnctl by its absolute path.
  const prompt = readFileSync(join(run, 'iter-001', 'prompt.md'), 'utf8');
  assert.ok(prompt.includes(`The hill-climb log is \`${LOG}\``));
  assert.ok(prompt.includes(`\`${join(ROOT, 'bin', 'gdnctl')} lint-log --allow-this-commit\``));
});
