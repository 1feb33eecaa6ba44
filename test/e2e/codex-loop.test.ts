/**
 * `gdnctl codex-loop --iterations 3` end to end: the built CLI (bin/gdnctl), the REAL Codex CLI 0.171, the
 * scripted Responses-API server, real git and real post-checks, on a repo made from examples/.
 *   iteration 1: a real improvement commit (O(n²) → O(n)) → kept;
 *   iteration 2: no commit → counted failure (--no-commit-policy count-failure);
 *   iteration 3: a commit that breaks the post-check test → reverted by a revert commit, counted.
 * Every agent commit must trace back to an exec_command the server sent and codex answered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startResponsesServer } from '../../scripts/model-server/responses-server.js';
import { loadModelScript, type ModelScript } from '../../scripts/model-server/script.js';
import { createExampleRepo } from '../../scripts/demo/example-repo.js';
import { agentReportJsonSchema } from '../../src/core/agent-report.js';
import { CODEX_BIN, execOutput } from '../helpers/agent-cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GDNCTL = join(ROOT, 'bin/gdnctl');
const demo = loadModelScript(join(ROOT, 'scripts/model-server/demo-script.yaml'));

const script: ModelScript = {
  model: 'scripted-e2e',
  sessions: [
    demo.sessions[0]!,
    {
      name: 'no-commit',
      turns: [
        { exec: 'node bench/pair-sums.bench.mjs && git status --short' },
        { message: 'Measured again; nothing worth committing this time.' },
      ],
    },
    demo.sessions[2]!,
  ],
};

function readJson<T>(p: string): T {
  return JSON.parse(readFileSync(p, 'utf8')) as T;
}

function jsonl(p: string): Array<Record<string, unknown>> {
  return readFileSync(p, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** What the main test leaves for the structured-report check below. */
interface ReportFile {
  ok: boolean;
  report?: { bottleneckType: string };
  error?: string;
  raw?: string;
}
let finished:
  | { requests: Array<{ session?: number; outputSchema?: unknown }>; reportFiles: Array<ReportFile | undefined>; recordReports: unknown[] }
  | undefined;

interface IterRecord {
  iteration: number;
  outcome: string;
  reason?: string;
  policy?: string;
  headBefore: string;
  headAfter: string;
  commits?: string[];
  stampSha?: string;
  revertSha?: string;
  tokens: { inputTokens: number; cachedInputTokens: number; outputTokens: number };
  report?: unknown;
}

test('codex-loop x3 with the real codex: kept, no-commit, reverted; ledger and git agree with what the server sent', { timeout: 240_000 }, async (t) => {
  assert.ok(existsSync(join(ROOT, 'dist')), 'dist/ is missing: run npm run build (npm test does it first)');
  const srv = await startResponsesServer({ script });
  const repo = createExampleRepo({ prefix: 'gdnctl-e2e-loop-' });
  t.after(async () => {
    await srv.close();
    repo.dispose();
  });
  const start = repo.git('rev-parse', 'HEAD');
  // The example's own gdnctl.yaml also configures --bench; this test is about the agent path, so it runs with a
  // config that keeps the prompt, the log and the protected paths but measures nothing (codex-loop-bench tests that).
  const config = join(repo.root, 'no-bench.yaml');
  writeFileSync(config, `promptFile: repo/prompt.md\nhillclimbLog: repo/notes/hillclimb.md\nprotect: ['test/**']\n`);

  const args = [
    '--config', config,
    'codex-loop', '--iterations', '3',
    '--model-server', srv.url, '--model', 'scripted-e2e', '--codex-bin', CODEX_BIN,
    '--post-check', 'node --test test/pair-sums.test.mjs', '--post-check', 'gdnctl lint-log',
    '--no-commit-policy', 'count-failure', '--post-check-policy', 'count-failure', '--max-failures', '-1',
    '--sleep-seconds', '0', '--log-format', 'json',
  ];
  const child = spawn(GDNCTL, args, { cwd: repo.dir, env: repo.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const why = `exit ${code}\nstdout:\n${stdout.slice(-2000)}\nstderr:\n${stderr.slice(-3000)}`;
  assert.equal(code, 0, why);
  assert.deepEqual(srv.violations, [], why);
  assert.match(stdout, /^1\s+kept/m, 'summary table on stdout');

  // --- ledger
  const runsDir = join(repo.dir, '.agents/logs/gdn_codex_loop/runs');
  const runs = readdirSync(runsDir);
  assert.equal(runs.length, 1);
  const runDir = join(runsDir, runs[0]!);
  assert.equal(readJson<{ status: string }>(join(runDir, 'run.json')).status, 'done');
  const state = readJson<{ status: string; failures: number }>(join(runDir, 'state.json'));
  assert.deepEqual([state.status, state.failures], ['done', 2]);
  const recorded = jsonl(join(runDir, 'events.jsonl')).filter((e) => e.type === 'iteration-recorded');
  assert.deepEqual(recorded.map((e) => [e.iteration, e.outcome, e.reason]), [
    [1, 'kept', undefined],
    [2, 'failed', 'no-commit'],
    [3, 'failed', 'post-check-failed'],
  ]);
  const rec = [1, 2, 3].map((i) => readJson<IterRecord>(join(runDir, `iter-00${i}`, 'record.json')));
  const iterDir = (i: number): string => join(runDir, `iter-00${i}`);
  // Kept for the structured-report test below (this test's t.after removes the repo).
  finished = {
    requests: srv.requests.map((q) => ({ session: q.session, outputSchema: q.outputSchema })),
    reportFiles: [1, 2, 3].map((i) => {
      const f = join(iterDir(i), 'report.json');
      return existsSync(f) ? readJson<ReportFile>(f) : undefined;
    }),
    recordReports: rec.map((r) => r.report),
  };

  for (const [i, r] of rec.entries()) {
    const session = i;
    // Real codex events, and tokens equal to what the server reported for this session's responses.
    const events = jsonl(join(iterDir(i + 1), 'transcript.jsonl'));
    assert.equal(events[0]?.type, 'thread.started', `iteration ${i + 1} transcript`);
    const turn = events.find((e) => e.type === 'turn.completed') as { usage: { input_tokens: number; output_tokens: number } } | undefined;
    const sent = srv.requests.filter((q) => q.session === session);
    const sum = (k: 'input' | 'output'): number => sent.reduce((n, q) => n + (q.usage?.[k] ?? 0), 0);
    assert.equal(turn?.usage.input_tokens, sum('input'));
    assert.equal(r.tokens.inputTokens, sum('input'), `iteration ${i + 1} tokens`);
    assert.equal(r.tokens.outputTokens, sum('output'));
    const finalTurn = script.sessions[session]!.turns.at(-1)!;
    assert.ok('message' in finalTurn);
    assert.equal(readFileSync(join(iterDir(i + 1), 'last-message.md'), 'utf8').trim(), finalTurn.message.trim());
    assert.match(readFileSync(join(iterDir(i + 1), 'prompt.md'), 'utf8'), new RegExp(`^# pair-sums hill-climb — iteration ${i + 1} / 3`));
  }

  // --- every agent commit came from a scripted exec_command, and is the SHA that call printed
  const printedSha = (session: number): string => {
    const call = srv.calls.find((c) => c.session === session && c.cmd.includes('git commit'));
    assert.ok(call?.output, `session ${session} commit call was answered`);
    assert.equal(execOutput(call.output).exitCode, 0);
    return execOutput(call.output).text.trim();
  };
  assert.ok(srv.calls.every((c) => c.output !== undefined && !c.abandoned), 'every call got its function_call_output');
  // record.commits is the range the loop kept or reverted; its own stamp commit may be part of it.
  const agentShas = (r: IterRecord): string[] => (r.commits ?? []).filter((c) => c !== r.stampSha);
  assert.deepEqual(agentShas(rec[0]!), [printedSha(0)]);
  assert.deepEqual(agentShas(rec[2]!), [printedSha(2)]);
  const agentCommits = repo
    .git('log', '--format=%H %s', `${start}..HEAD`)
    .split('\n')
    .filter((l) => !/ gdnctl: /.test(l))
    .map((l) => l.split(' ')[0]);
  assert.deepEqual(agentCommits.reverse(), [printedSha(0), printedSha(2)], 'no agent commit the server did not ask for');
  for (const sha of agentCommits) {
    for (const file of repo.git('show', '--format=', '--name-only', sha!).split('\n')) {
      assert.ok(srv.calls.some((c) => c.cmd.includes(file)), `${file} in ${sha} was written by a scripted command`);
    }
  }
  const written = srv.calls.map((c) => /cat > src\/pair-sums\.mjs <<'EOF'\n([\s\S]*?)\nEOF/.exec(c.cmd)?.[1]).find((b) => b !== undefined);
  assert.equal(repo.git('show', `${printedSha(0)}:src/pair-sums.mjs`), written?.trim(), 'the kept code is exactly what the scripted call wrote');

  // --- the policies' effects on git
  assert.equal(rec[0]!.outcome, 'kept');
  assert.equal(rec[0]!.headBefore, start);
  assert.match(readFileSync(join(repo.dir, 'notes/hillclimb.md'), 'utf8'), new RegExp(`- Commit: ${printedSha(0)}`), 'stamped');
  assert.equal(rec[1]!.outcome, 'failed');
  assert.equal(rec[1]!.headBefore, rec[1]!.headAfter, 'iteration 2 left HEAD alone');
  assert.equal(rec[1]!.policy, 'counted');
  assert.equal(rec[2]!.reason, 'post-check-failed');
  assert.ok(rec[2]!.revertSha);
  // The revert took the agent's log entry back with it; the loop re-records it as `Commit: none (<reason>)`
  // in a commit of its own on top of the revert.
  const head = repo.git('rev-parse', 'HEAD');
  assert.equal(repo.git('rev-parse', 'HEAD^'), rec[2]!.revertSha, 'the revert commit is right below HEAD');
  assert.match(repo.git('log', '-1', '--format=%s', 'HEAD^'), /revert iteration 003/);
  assert.match(repo.git('log', '-1', '--format=%s'), /record failed iteration 003 \(post-check-failed\)/);
  assert.match(readFileSync(join(repo.dir, 'notes/hillclimb.md'), 'utf8'), /- Commit: none \(post-check-failed\)/);
  assert.equal(repo.git('merge-base', '--is-ancestor', printedSha(2), head), '', 'the broken work stays in history');
  assert.match(readFileSync(join(repo.dir, 'src/pair-sums.mjs'), 'utf8'), /new Map\(\)/, 'the tree is back at the kept version');
  assert.equal(repo.git('status', '--porcelain'), '');
  assert.match(readFileSync(join(iterDir(3), 'post-check-1.log'), 'utf8'), /three equal values make three pairs/);
});

// The loop passes `--output-schema` (the zod-generated report schema), codex sends it verbatim as the request's
// text.format, and the parsed report lands in iter-NNN/report.json; a malformed one is recorded as such.
test('the loop passes --output-schema; report.json holds the parsed report, a prose answer is recorded as malformed', () => {
  assert.ok(finished, 'the loop test above did not finish');
  const first = [0, 1, 2].map((s) => finished!.requests.find((q) => q.session === s));
  for (const q of first) assert.deepEqual(q?.outputSchema, agentReportJsonSchema(), 'codex sent the report schema as text.format');
  const [r1, r2, r3] = finished.reportFiles;
  assert.equal(r1?.ok, true, JSON.stringify(r1));
  assert.equal(r1?.report?.bottleneckType, 'algorithmic');
  assert.equal(r2?.ok, false, 'session 2 ends in prose');
  assert.match(r2?.raw ?? '', /nothing worth committing/);
  assert.equal(r3?.ok, true);
  const inRecord = finished.recordReports as Array<ReportFile | undefined>;
  assert.deepEqual(inRecord.map((r) => [r?.ok, r?.report]), [r1, r2, r3].map((r) => [r?.ok, r?.report]), 'record.json carries the same report');
});
