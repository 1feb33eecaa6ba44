/**
 * `gdnctl codex-loop --notify-cmd` end to end, with the fake codex and a real bash notify command: every event
 * kind arrives on its stdin, and a notify command that hangs neither stalls the loop nor outlives gdnctl.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { TempRepo } from '../helpers/temp-repo.js';
import { commitStep, FAST, loopEnv, ROOT, runDirs, runLoopInProcess, spawnLoop, until } from '../helpers/loop-harness.js';

const BENCH = 'v=$(cat speed.txt)\necho "GDNCTL_METRIC {\\"step_ms\\": $v}"\n';

function lines(file: string): Array<Record<string, unknown>> {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : [];
}

/** Alive and not a zombie (an orphan's zombie may linger where PID 1 never reaps). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '');
  } catch {
    return false;
  }
}

test('--notify-cmd gets run-start, promotion, stuck, target-reached and stop as JSON on stdin', async (t) => {
  const repo = await TempRepo.create({ files: { 'speed.txt': '100\n', 'bench.sh': BENCH } });
  t.after(() => repo.dispose());
  const notes = repo.scratch('notes.jsonl');
  // The agent sits quiet for 1.5 s: longer than --stuck-minutes 0.01 (0.6 s).
  const env = loopEnv(repo, [{ steps: [{ do: 'sleep', ms: 1500 }, commitStep({ 'speed.txt': '80\n' }, 'Fuse kernels')] }]);
  const args = ['--iterations', '3', ...FAST, '--bench', 'bash bench.sh', '--metric', 'step_ms', '--direction', 'lower', '--baseline-runs', '3', '--max-bench-runs', '5', '--target', '90',
    '--notify-cmd', `cat >> '${notes}'`, '--stuck-minutes', '0.01'];
  const r = await runLoopInProcess(repo, args, env);
  assert.equal(r.code, 0, r.stderr);
  const got = lines(notes);
  const kinds = got.map((p) => p.event);
  assert.deepEqual([...new Set(kinds)].sort(), ['promotion', 'run-start', 'stop', 'stuck', 'target-reached'], JSON.stringify(kinds));
  assert.equal(kinds[0], 'run-start');
  assert.equal(kinds.at(-1), 'stop');
  const run = runDirs(repo).at(-1)!;
  const runId = run.split('/').pop();
  for (const p of got) {
    assert.equal(p.run, runId);
    assert.equal(p.of, 3);
    assert.equal(typeof p.text, 'string');
  }
  const by = (k: string) => got.find((p) => p.event === k)!;
  assert.equal(by('promotion').iteration, 1);
  assert.deepEqual(by('promotion').metric, { name: 'step_ms', value: 80 });
  assert.equal((by('promotion').champion as { iteration: number }).iteration, 1);
  assert.equal(by('promotion').report, join(run, 'report.html'));
  assert.match(readFileSync(join(run, 'report.html'), 'utf8'), /<html/i, 'the report it names is written by the run\'s end');
  assert.deepEqual(by('target-reached').metric, { name: 'step_ms', value: 80 });
  // The baseline's quiet bench runs may count as stuck too (phase "starting"); the agent's silence does.
  assert.ok(got.some((p) => p.event === 'stuck' && p.phase === 'agent' && p.iteration === 1), JSON.stringify(got.filter((p) => p.event === 'stuck')));
  assert.equal(by('stop').reason, 'target-reached');
  assert.equal(repo.git('status', '--porcelain').trim(), '', 'nothing of the notifier lands in the tree');
});

test('a notify command that hangs does not stall the loop and is ended when gdnctl exits', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  const pids = repo.scratch('pids');
  const env = loopEnv(repo, [{ steps: [commitStep({ 'a.txt': 'b\n' })] }, { steps: [commitStep({ 'a.txt': 'c\n' })] }]);
  // Each notification starts a long sleep in the command's process group and waits on it.
  const hang = `sleep 600 & echo $! >> '${pids}'; wait`;
  const t0 = Date.now();
  const r = await runLoopInProcess(repo, ['--iterations', '2', ...FAST, '--notify-cmd', hang, '--notify-timeout-seconds', '600'], env);
  const took = Date.now() - t0;
  assert.equal(r.code, 0, r.stderr);
  const run = runDirs(repo).at(-1)!;
  assert.ok(existsSync(join(run, 'iter-002', 'record.json')), 'both iterations ran while the first notification hung');
  assert.ok(took < 20_000, `the exit waited a few seconds at most (${took} ms)`);
  assert.match(r.stderr, /notify: the (run-start|stop) command was ended: gdnctl was exiting/);
  const started = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
  assert.ok(started.length >= 1);
  for (const pid of started) assert.equal(running(pid), false, `notify child ${pid} was ended`);
});

test('SIGTERM: the stop notification says interrupted, and hanging notify commands are ended before exit 130', async (t) => {
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  const notes = repo.scratch('notes.jsonl');
  const pids = repo.scratch('pids');
  const env = loopEnv(repo, [{ steps: [{ do: 'message', text: 'thinking' }, { do: 'sleep', ms: 60_000 }, commitStep({ 'a.txt': 'b\n' })] }]);
  const cmd = `cat >> '${notes}'; sleep 600 & echo $! >> '${pids}'; wait`;
  const loop = spawnLoop(repo, ['--iterations', '1', ...FAST, '--notify-cmd', cmd], env);
  t.after(() => void loop.child.kill('SIGKILL'));
  await until(() => lines(notes).some((p) => p.event === 'run-start') && loop.output().includes('thinking'), 30_000, `the agent phase\n${loop.output()}`);
  loop.child.kill('SIGTERM');
  const r = await loop.done;
  assert.equal(r.code, 130, r.stderr);
  const stop = lines(notes).find((p) => p.event === 'stop');
  assert.equal(stop?.reason, 'interrupted', JSON.stringify(lines(notes)));
  assert.equal(stop?.detail, 'SIGTERM');
  const started = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
  assert.equal(started.length, 2, 'run-start and stop each started one');
  for (const pid of started) assert.equal(running(pid), false, `notify child ${pid} was ended`);
});

test('the documented curl one-liner posts each notification\'s text to a chat webhook', async (t) => {
  const doc = readFileSync(join(ROOT, 'docs', 'codex-loop.md'), 'utf8');
  const cmd = /--notify-cmd '([^']+)'/.exec(doc)?.[1];
  assert.ok(cmd, 'docs/codex-loop.md shows a --notify-cmd');
  const bodies: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += String(d)));
    req.on('end', () => {
      bodies.push({ contentType: req.headers['content-type'], ...(JSON.parse(body) as Record<string, unknown>) });
      res.end('ok');
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  const repo = await TempRepo.create({ files: { 'a.txt': 'a\n' } });
  t.after(() => repo.dispose());
  const env = loopEnv(repo, [{ steps: [commitStep({ 'a.txt': 'b\n' })] }], { SLACK_WEBHOOK_URL: url });
  const r = await runLoopInProcess(repo, ['--iterations', '1', ...FAST, '--notify-cmd', cmd], env);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /notify:/, 'no notification failed');
  assert.deepEqual(bodies.map((b) => Object.keys(b).sort()), [['contentType', 'text'], ['contentType', 'text']]);
  assert.match(String(bodies[0]!.text), /^gdnctl run \S+: started$/);
  assert.match(String(bodies[1]!.text), /^gdnctl run \S+: done \(1 iteration\(s\)\)$/);
  assert.equal(bodies[0]!.contentType, 'application/json');
});
