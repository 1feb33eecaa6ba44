/**
 * Secrets never reach a file gdnctl writes. Canary values sit in the variables the issue names (and in custom
 * *_TOKEN/*_KEY/*_SECRET ones); the fake codex, the post-check and the benchmark print them, also inside a 5 MB
 * line (canary in the middle and at the end). A real `gdnctl codex-loop` process (bin/gdnctl, the built CLI)
 * runs once with --log-format json and once with the pretty console; then every file under the log directory
 * and gdnctl's own stdout/stderr are searched for the canaries, and `[redacted]` must be there instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, loopEnv, logDir, ROOT, runDirs } from '../helpers/loop-harness.js';

const GDNCTL = join(ROOT, 'bin', 'gdnctl');

// Lower-case letters and digits only, so even a slug made from one would still contain it verbatim.
const CANARIES: Record<string, string> = {
  OPENAI_API_KEY: 'sk-canaryopenai7f3k9x2q',
  ANTHROPIC_API_KEY: 'canaryanthropic4m8n1p',
  HF_TOKEN: 'hfcanary5t6y7u8i',
  WANDB_API_KEY: 'canarywandb0z9x8c7v',
  MY_SERVICE_TOKEN: 'canarymyservice3e4r5t',
  X_KEY: 'canaryxk81',
  Y_SECRET: 'canaryys92',
};
const NAMES = Object.keys(CANARIES);

// Prints every canary on its own line, in a line with other text, then one 5 MB line holding them in the middle
// and at the end.
const PRINTER = `const names = ${JSON.stringify(NAMES)};
for (const n of names) console.log(n + '=' + process.env[n]);
console.log('all: ' + names.map((n) => process.env[n]).join(' '));
const pad = 'x'.repeat(2.5 * 1024 * 1024);
const vals = names.map((n) => process.env[n]).join(',');
process.stdout.write(pad + vals + pad + vals + '\\n');
console.error('stderr: ' + process.env.HF_TOKEN);
`;
const BENCH = `node print-secrets.mjs >/dev/null
echo "bench sees $OPENAI_API_KEY and $Y_SECRET"
echo 'GDNCTL_METRIC {"step_ms": 100}'
`;

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    out.push(p);
    if (e.isDirectory()) walk(p, out);
  }
  return out;
}

function runGdnctl(cwd: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(GDNCTL, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function leaks(text: string): string[] {
  return NAMES.filter((n) => text.includes(CANARIES[n]!)).map((n) => {
    const at = text.indexOf(CANARIES[n]!);
    return `${n} in …${text.slice(Math.max(0, at - 150), at + 40)}…`;
  });
}

test('no canary secret in any file codex-loop writes, nor on its stdout/stderr, json and pretty', { timeout: 120_000 }, async (t) => {
  const repo = await TempRepo.create({ files: { 'print-secrets.mjs': PRINTER, 'bench.sh': BENCH, 'notes.md': 'x\n' } });
  t.after(() => repo.dispose());
  const agentSay = `my keys: ${NAMES.map((n) => CANARIES[n]).join(' ')}`;
  const steps = [
    ...NAMES.map((name) => ({ do: 'print-env', name })),
    { do: 'shell', cmd: 'node print-secrets.mjs' },
    { do: 'stderr', text: `agent stderr ${CANARIES.WANDB_API_KEY}` },
    commitStep({ 'notes.md': `iteration ${CANARIES.X_KEY}\n` }, `Tune ${CANARIES.MY_SERVICE_TOKEN}`),
    { do: 'message', text: agentSay },
  ];
  const env = loopEnv(repo, [{ steps }], { ...CANARIES });
  // The git identity lives in the repo; the log dir must stay out of the commit. Three runs per side is the fewest
  // with which the keep/revert rule can promote at α 0.05 (two would be refused before the loop starts).
  const base = ['codex-loop', '--iterations', '1', '--sleep-seconds', '0', '--retry-sleep-seconds', '0', '--post-check', 'node print-secrets.mjs',
    '--bench', 'bash bench.sh', '--metric', 'step_ms', '--direction', 'lower', '--baseline-runs', '2', '--max-bench-runs', '3', '--accept-noise',
    '--no-commit-policy', 'count-failure', '--max-failures', '-1', '--experiments-dir', 'experiments',
    // Each format gets its own first run: the same command again would find its experiment finished.
    '--new-experiment'];

  const outputs: string[] = [];
  for (const format of ['json', 'pretty']) {
    writeFileSync(`${env.FAKE_CODEX_SCENARIO}`, JSON.stringify([{ steps }]));
    writeFileSync(`${env.FAKE_CODEX_SCENARIO}.count`, '0');
    const r = await runGdnctl(repo.dir, [...base, '--log-format', format], env);
    assert.ok(r.code === 0 || r.code === 1, `${format}: exit ${r.code}\n${r.stderr.slice(-3000)}`);
    assert.deepEqual(leaks(r.stdout), [], `${format}: gdnctl stdout leaks`);
    assert.deepEqual(leaks(r.stderr), [], `${format}: gdnctl stderr leaks`);
    assert.ok(r.stdout.includes('[redacted]') || r.stderr.includes('[redacted]'), `${format}: the console shows [redacted]`);
    outputs.push(r.stdout + r.stderr);
  }

  const files = [...walk(logDir(repo)), ...walk(join(repo.dir, 'experiments'))];
  const redactedIn: string[] = [];
  for (const f of files) {
    const rel = relative(repo.dir, f);
    assert.deepEqual(leaks(rel), [], `file name ${rel}`);
    if (!statSync(f).isFile()) continue;
    const text = readFileSync(f, 'utf8');
    assert.deepEqual(leaks(text), [], `${rel} leaks`);
    if (text.includes('[redacted]')) redactedIn.push(rel.replace(/runs\/[^/]+\//, 'runs/<id>/'));
  }
  const runs = runDirs(repo);
  assert.equal(runs.length, 2);
  // Every kind of file that carried a canary now carries the marker instead.
  for (const want of ['iter-001/transcript.jsonl', 'iter-001/last-message.md', 'iter-001/post-check-1.log', 'leaderboard.md', 'report.html']) {
    assert.ok(redactedIn.some((f) => f.endsWith(want)), `[redacted] in ${want} (found in: ${redactedIn.join(', ')})`);
  }
  // The 5 MB line: both canary copies (middle and end) became markers, the line is still there.
  const transcript = readFileSync(join(runs[0]!, 'iter-001', 'transcript.jsonl'), 'utf8');
  const long = transcript.split('\n').find((l) => l.length > 5 * 1024 * 1024);
  assert.ok(long, 'the long line is in the transcript');
  assert.equal(long.split('[redacted]').length - 1 >= 2 * NAMES.length, true, 'middle and end of the long line redacted');

  // Permissions: every file under runs/<id>/ is 0600, every folder 0700; so is the leases folder.
  for (const run of runs) {
    assert.equal(statSync(run).mode & 0o777, 0o700, relative(repo.dir, run));
    for (const p of walk(run)) {
      const st = statSync(p);
      assert.equal(st.mode & 0o777, st.isDirectory() ? 0o700 : 0o600, `${relative(repo.dir, p)} is ${(st.mode & 0o777).toString(8)}`);
    }
  }
});

test('--print-config and run.json never show the TPU access token', { timeout: 60_000 }, async (t) => {
  const repo = await TempRepo.create({});
  t.after(() => repo.dispose());
  const token = 'ya29.canarytpuaccesstoken';
  const viaFlag = await runGdnctl(repo.dir, ['codex-loop', '--tpu-access-token', token, '--print-config'], repo.env);
  assert.equal(viaFlag.code, 0, viaFlag.stderr);
  assert.ok(!(viaFlag.stdout + viaFlag.stderr).includes(token), viaFlag.stdout);
  assert.match(viaFlag.stdout, /\[redacted\]/);
  const viaEnv = await runGdnctl(repo.dir, ['codex-loop', '--print-config'], { ...repo.env, GDNCTL_TPU_ACCESS_TOKEN: token });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.ok(!(viaEnv.stdout + viaEnv.stderr).includes(token), viaEnv.stdout);
  assert.match(viaEnv.stdout, /\[redacted\]/);

  // Given as a flag (not in the environment, so the env-based redactor does not know it), it must not reach run.json.
  const env = loopEnv(repo, [{ steps: [{ do: 'message', text: 'nothing' }] }]);
  const r = await runGdnctl(repo.dir, ['codex-loop', '--iterations', '1', '--sleep-seconds', '0', '--no-commit-policy', 'count-failure', '--max-failures', '-1', '--tpu-access-token', token], env);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  assert.ok(!(r.stdout + r.stderr).includes(token));
  for (const f of walk(logDir(repo))) {
    if (statSync(f).isFile()) assert.ok(!readFileSync(f, 'utf8').includes(token), `${relative(repo.dir, f)} holds the token`);
  }
});

test('a token given only as a flag (--tpu-access-token) never reaches the transcript, events, state or console', { timeout: 60_000 }, async (t) => {
  const repo = await TempRepo.create({ files: { 'notes.md': 'x\n' } });
  t.after(() => repo.dispose());
  const token = 'ya29.flagonlycanary42';
  // The agent and the post-check both print it: the env-based redactors of the agent and the ledger never saw it.
  const steps = [
    { do: 'message', text: `the token is ${token}` },
    { do: 'stderr', text: `agent stderr ${token}` },
    { do: 'shell', cmd: `echo shell sees ${token}` },
    commitStep({ 'notes.md': 'tuned\n' }),
  ];
  const env = loopEnv(repo, [{ steps }]);
  assert.ok(!Object.values(env).some((v) => v.includes(token)), 'the token is not in the environment');
  const postCheck = `echo "post-check sees ${token}"; exit 1`;
  const r = await runGdnctl(repo.dir, ['codex-loop', '--iterations', '1', '--sleep-seconds', '0', '--post-check', postCheck, '--tpu-access-token', token], env);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(!(r.stdout + r.stderr).includes(token), `the console leaks the token:\n${r.stderr}`);
  assert.match(r.stderr, /\[redacted\]/, 'the console shows the marker instead');
  const [run] = runDirs(repo);
  // What the run's ledger, the agent and the post-checks write; each of them carried the token.
  const files = ['iter-001/transcript.jsonl', 'iter-001/last-message.md', 'iter-001/post-check-1.log', 'iter-001/record.json', 'events.jsonl', 'state.json', 'run.json'];
  for (const f of files) {
    const text = readFileSync(join(run!, f), 'utf8');
    assert.ok(!text.includes(token), `${f} holds the token`);
    assert.match(text, /\[redacted\]/, `${f} carried the token and shows the marker`);
  }
  // Nothing else the run wrote (leaderboard, summary, reflexion, ledger.json, report) holds it either.
  for (const f of walk(logDir(repo))) {
    if (statSync(f).isFile()) assert.ok(!readFileSync(f, 'utf8').includes(token), `${relative(repo.dir, f)} holds the token`);
  }
});

// A secret with a quote and a backslash survives JSON encoding only in its escaped spelling; a PEM key arrives
// line by line. Both used to reach transcript.jsonl, state and the console.
const QUOTED = 'canary"quoted\\back7z';
const PEM = ['-----BEGIN PRIVATE KEY-----', 'MIIEcanarypemlineone0aaaa', 'MIIEcanarypemlinetwo0bbbb', '-----END PRIVATE KEY-----'].join('\n');
const SPELLINGS: Array<[string, string]> = [
  ['QUOTED_TOKEN raw', QUOTED],
  ['QUOTED_TOKEN JSON-escaped', JSON.stringify(QUOTED).slice(1, -1)],
  ['QUOTED_TOKEN escaped twice', JSON.stringify(JSON.stringify(QUOTED).slice(1, -1)).slice(1, -1)],
  ['PEM_KEY line 2', 'MIIEcanarypemlineone0aaaa'],
  ['PEM_KEY line 3', 'MIIEcanarypemlinetwo0bbbb'],
];

function spellingLeaks(text: string): string[] {
  return SPELLINGS.filter(([, s]) => text.includes(s)).map(([what, s]) => `${what} in …${text.slice(Math.max(0, text.indexOf(s) - 80), text.indexOf(s) + 30)}…`);
}

test('a secret with a quote or backslash, and a multi-line key, are redacted in every spelling (codex backend)', { timeout: 60_000 }, async (t) => {
  const repo = await TempRepo.create({ files: { 'notes.md': 'x\n' } });
  t.after(() => repo.dispose());
  const steps = [
    { do: 'print-env', name: 'QUOTED_TOKEN' },
    { do: 'print-env', name: 'PEM_KEY' },
    { do: 'shell', cmd: 'printf "%s\\n" "$PEM_KEY"; node -e "console.log(JSON.stringify({k: process.env.QUOTED_TOKEN}))"' },
    { do: 'stderr', text: `stderr ${QUOTED}` },
    commitStep({ 'notes.md': 'tuned\n' }),
  ];
  const env = loopEnv(repo, [{ steps }], { QUOTED_TOKEN: QUOTED, PEM_KEY: PEM });
  const r = await runGdnctl(repo.dir, ['codex-loop', '--iterations', '1', '--sleep-seconds', '0', '--post-check', 'printf "%s\\n" "$PEM_KEY"; echo "$QUOTED_TOKEN"'], env);
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  assert.deepEqual(spellingLeaks(r.stdout + r.stderr), [], 'the console leaks');
  const [run] = runDirs(repo);
  for (const f of walk(logDir(repo))) {
    if (statSync(f).isFile()) assert.deepEqual(spellingLeaks(readFileSync(f, 'utf8')), [], relative(repo.dir, f));
  }
  for (const f of ['iter-001/transcript.jsonl', 'iter-001/last-message.md', 'iter-001/post-check-1.log']) {
    assert.match(readFileSync(join(run!, f), 'utf8'), /\[redacted\]/, `${f} carried the secrets`);
  }
});

test('--agent command: last-message.md, prompt.md and the transcript are redacted like every backend', { timeout: 60_000 }, async (t) => {
  const repo = await TempRepo.create({ files: { 'notes.md': 'x\n' } });
  t.after(() => repo.dispose());
  const token = CANARIES.MY_SERVICE_TOKEN!;
  const agentCmd = 'printf "done with %s\\n" "$MY_SERVICE_TOKEN" > {iter_dir}/last-message.md; echo "$QUOTED_TOKEN"; printf "%s\\n" "$PEM_KEY"';
  const env = loopEnv(repo, [], { MY_SERVICE_TOKEN: token, QUOTED_TOKEN: QUOTED, PEM_KEY: PEM });
  const args = ['codex-loop', '--iterations', '1', '--sleep-seconds', '0', '--agent', 'command', '--agent-cmd', agentCmd, '--allow-no-commit', '--directive', `the service token is ${token}`];
  const r = await runGdnctl(repo.dir, args, env);
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const [run] = runDirs(repo);
  const lastMessage = readFileSync(join(run!, 'iter-001', 'last-message.md'), 'utf8');
  assert.equal(lastMessage, 'done with [redacted]\n', 'the agent wrote it with the secret; it is redacted in place');
  assert.equal(statSync(join(run!, 'iter-001', 'last-message.md')).mode & 0o777, 0o600);
  assert.ok(!readFileSync(join(run!, 'iter-001', 'prompt.md'), 'utf8').includes(token), 'prompt.md keeps the ledger\'s redacted copy');
  for (const f of walk(logDir(repo))) {
    if (!statSync(f).isFile()) continue;
    const text = readFileSync(f, 'utf8');
    assert.ok(!text.includes(token), `${relative(repo.dir, f)} holds the token`);
    assert.deepEqual(spellingLeaks(text), [], relative(repo.dir, f));
  }
});
