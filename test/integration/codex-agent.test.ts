import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { helpAdvertisesSearch } from '../../src/adapters/agents/agent-binary.js';
import { recordReport, writeReportSchema } from '../../src/adapters/agents/agent-report-files.js';
import { createRedactor } from '../../src/redact.js';
import { ResourceError } from '../../src/errors.js';
import type { AgentRunInput } from '../../src/ports/agent.js';
import { git, makeRepo } from '../helpers/git-repo.js';
import { FAKE_CODEX_BIN, VALID_REPORT, fakeCodexAgent, writeScenario, type FakeInvocation } from '../helpers/fake-codex.js';
import { isPidDead } from '../helpers/proc.js';

const REAL_CODEX = fileURLToPath(new URL('../../node_modules/.bin/codex', import.meta.url));

describe('CodexAgent with the fake codex', () => {
  let fx: ReturnType<typeof makeRepo>;
  let scenario: string;
  let n = 0;
  before(() => {
    fx = makeRepo();
    scenario = join(fx.root, 'scenario.json');
  });
  after(() => fx.dispose());

  const input = (over: Partial<AgentRunInput> = {}): AgentRunInput => ({
    iteration: ++n,
    prompt: 'Make it faster.\n',
    workdir: fx.repo,
    iterDir: join(fx.root, 'run', `iter-${n}`),
    timeoutMs: 30_000,
    idleTimeoutMs: 30_000,
    ...over,
  });
  const play = (...invocations: FakeInvocation[]): void => writeScenario(scenario, invocations);

  it('builds the anchor argv in order, with options on and off', () => {
    const i = input({ outputSchemaFile: '/s.json' });
    const full = fakeCodexAgent(scenario, { profile: 'fast' }).describe(i);
    assert.deepEqual(full.slice(1), [
      'exec', '-C', fx.repo, '--dangerously-bypass-approvals-and-sandbox', '-o', join(i.iterDir, 'last-message.md'),
      '--ephemeral', '-m', 'gpt-5.4', '-c', 'model_reasoning_effort="xhigh"', '-p', 'fast',
      '--output-schema', '/s.json', '--json', '-',
    ]);
    const bare = fakeCodexAgent(scenario, { ephemeral: false, sandbox: 'workspace-write' }).describe(input());
    assert.ok(!bare.includes('--ephemeral'), '--no-codex-ephemeral must drop --ephemeral');
    assert.deepEqual(bare.slice(4, 6), ['-s', 'workspace-write']);
    assert.equal(bare.at(-1), '-');
    const planning = fakeCodexAgent(scenario).describe(input({ sandbox: 'read-only' }));
    assert.deepEqual(planning.slice(4, 6), ['-s', 'read-only']);
  });

  it('--search: detection against the real codex help (absent) and a help that has it', async () => {
    const realHelp = execFileSync(REAL_CODEX, ['exec', '--help'], { encoding: 'utf8' });
    assert.match(realHelp, /--output-schema/); // it is the real help text
    assert.equal(helpAdvertisesSearch(realHelp), false);
    assert.equal(helpAdvertisesSearch(readFileSync(join(FAKE_CODEX_BIN, '..', 'codex-exec-help.txt'), 'utf8')), false);
    assert.equal(helpAdvertisesSearch('Options:\n      --search\n          Enable live web search\n'), true);
    assert.equal(helpAdvertisesSearch('  -s, --search <MODE>\n'), true);
    assert.equal(helpAdvertisesSearch('      --search-path <DIR>\n  use --search to search\n'), false);

    play({ steps: [{ do: 'message', text: 'ok' }] });
    const without = fakeCodexAgent(scenario, { search: true });
    const w = await without.preflight();
    assert.match(w.warnings.join(), /does not offer --search/);
    assert.ok(!without.describe(input()).includes('--search'));
    assert.equal((await without.run(input())).ok, true, 'the fake rejects --search under exec, as codex 0.169 does');

    // A different binary path keeps the per-binary cache honest: detection re-runs for it.
    const link = join(fx.root, 'codex-with-search');
    execFileSync('ln', ['-s', FAKE_CODEX_BIN, link]);
    const ws = fakeCodexAgent(scenario, { search: true, bin: link }, { FAKE_CODEX_SEARCH: '1' });
    assert.deepEqual((await ws.preflight()).warnings, []);
    assert.ok(ws.describe(input()).includes('--search'));
    assert.equal((await ws.run(input())).ok, true);
  });

  it('a missing codex binary is a ResourceError at preflight', async () => {
    const agent = fakeCodexAgent(scenario, { bin: 'codex-definitely-not-installed' }, { PATH: '/nonexistent' });
    await assert.rejects(agent.preflight(), (e: unknown) => e instanceof ResourceError && /not found on PATH.*--codex-bin/.test(e.message));
    await assert.rejects(fakeCodexAgent(scenario, { bin: '/no/such/codex' }).preflight(), ResourceError);
  });

  it('stderr and stray stdout go to agent-output.log; a failure detail names the last output line', async () => {
    play({ steps: [{ do: 'stderr', text: 'codex: something odd on stderr' }, { do: 'exit', code: 5 }] });
    const i = input();
    const r = await fakeCodexAgent(scenario).run(i);
    assert.equal(r.failure, 'agent-exit-nonzero');
    assert.equal(r.detail, 'exit 5: codex: something odd on stderr');
    assert.match(readFileSync(join(i.iterDir, 'agent-output.log'), 'utf8'), /something odd on stderr/);
  });

  it('rate limit, auth and plain non-zero exits are classified; the model-metadata warning is not a failure', async () => {
    play({ steps: [{ do: 'model-metadata-warning' }, { do: 'rate-limit' }] });
    const rl = await fakeCodexAgent(scenario).run(input());
    assert.equal(rl.failure, 'agent-rate-limited');
    assert.match(rl.detail ?? '', /429/);

    play({ steps: [{ do: 'error', message: 'unexpected status 401 Unauthorized: invalid api key', fail: true }] });
    assert.equal((await fakeCodexAgent(scenario).run(input())).failure, 'agent-auth');

    // Free text on stderr is no structured signal: neither a "401" nor a shape tuple with "512" in it classifies.
    play({ steps: [{ do: 'stderr', text: 'Error: unexpected status 401 Unauthorized: invalid api key' }, { do: 'exit', code: 1 }] });
    assert.equal((await fakeCodexAgent(scenario).run(input())).failure, 'agent-exit-nonzero');
    play({ steps: [{ do: 'stderr', text: 'ValueError: bad shape (512, 128)' }, { do: 'exit', code: 1 }] });
    assert.equal((await fakeCodexAgent(scenario).run(input())).failure, 'agent-exit-nonzero');

    play({ steps: [{ do: 'exit', code: 7 }] });
    const plain = await fakeCodexAgent(scenario).run(input());
    assert.equal(plain.failure, 'agent-exit-nonzero');
    assert.equal(plain.exitCode, 7);

    play({ steps: [{ do: 'model-metadata-warning' }, { do: 'message', text: 'fine' }] });
    const ok = await fakeCodexAgent(scenario).run(input());
    assert.equal(ok.ok, true, ok.detail);
  });

  it('an unknown error event is transient once, deterministic when the next run fails the same way', async () => {
    const weird = (port: number) => ({ steps: [{ do: 'error', message: `the billing shard at 10.0.0.1:${port} said no`, fail: true }] });
    play(weird(1), weird(2), weird(3), { steps: [{ do: 'error', message: 'another oddity', fail: true }] });
    const agent = fakeCodexAgent(scenario);
    // A stray "billing" is no usage limit (which would stop the run): unknown, so retried.
    assert.equal((await agent.run(input())).failure, 'agent-server-error');
    assert.equal((await agent.run(input())).failure, 'agent-exit-nonzero');
    assert.equal((await agent.run(input())).failure, 'agent-exit-nonzero');
    assert.equal((await agent.run(input())).failure, 'agent-server-error');
  });

  it('report.json: a malformed report is redacted before it is cut to 4 KB and before it is JSON-encoded', async () => {
    const secret = 'canary"report\\secret99';
    const dir = join(fx.root, 'report-cut');
    // The secret straddles the 4096-character cut, once more whole further on.
    const message = `${'r'.repeat(4090)}${secret} and ${secret}`;
    await recordReport(dir, message, createRedactor({ MY_TOKEN: secret }));
    const text = readFileSync(join(dir, 'report.json'), 'utf8');
    const escaped = JSON.stringify(secret).slice(1, -1);
    for (const part of [secret.slice(0, 6), escaped.slice(0, 8), escaped]) assert.ok(!text.includes(part), `report.json holds ${part}`);
    // The cut falls inside the marker that replaced the secret.
    assert.match(text, /r\[redac"/);
  });

  it('successive runs take successive scenario entries (retries see the next invocation)', async () => {
    play({ steps: [{ do: 'rate-limit' }] }, { steps: [{ do: 'message', text: 'second try worked' }] });
    const agent = fakeCodexAgent(scenario);
    assert.equal((await agent.run(input())).failure, 'agent-rate-limited');
    const second = await agent.run(input());
    assert.equal(second.ok, true);
    assert.equal(second.lastMessage, 'second try worked');
  });

  it('wall timeout and abort end the agent and its grandchild', async () => {
    const pidFile = join(fx.root, 'gc.pid');
    play({ steps: [{ do: 'hang', pidFile }] });
    const t = await fakeCodexAgent(scenario).run(input({ timeoutMs: 700 }));
    assert.equal(t.failure, 'agent-timeout');
    assert.ok(isPidDead(Number(readFileSync(pidFile, 'utf8'))));

    const ac = new AbortController();
    setTimeout(() => ac.abort(), 500);
    const a = await fakeCodexAgent(scenario).run(input({ signal: ac.signal }));
    assert.equal(a.failure, 'agent-interrupted');
    assert.ok(isPidDead(Number(readFileSync(pidFile, 'utf8'))));
  });

  it('secrets from the environment never reach the transcript, the last message or the display', async () => {
    const secret = 'sk-very-secret-value-123456';
    play({ steps: [{ do: 'shell', cmd: 'echo "token=$DEPLOY_TOKEN"' }, { do: 'print-env', name: 'DEPLOY_TOKEN' }] });
    const i = input();
    const shown: string[] = [];
    const r = await fakeCodexAgent(scenario, {}, { DEPLOY_TOKEN: secret }).run({ ...i, onDisplay: (l) => shown.push(l) });
    assert.equal(r.ok, true);
    const transcript = readFileSync(join(i.iterDir, 'transcript.jsonl'), 'utf8');
    assert.match(transcript, /token=\[redacted\]/);
    for (const text of [transcript, readFileSync(join(i.iterDir, 'last-message.md'), 'utf8'), r.lastMessage ?? '', shown.join('\n')]) {
      assert.ok(!text.includes(secret), 'secret leaked');
    }
    assert.match(r.lastMessage ?? '', /\[redacted\]/);
  });

  it('the structured report: schema passed with --output-schema, parsed into report.json, malformed recorded', async () => {
    const i = input();
    const schema = await writeReportSchema(i.iterDir);
    play({ steps: [{ do: 'report', report: VALID_REPORT }] });
    const good = await fakeCodexAgent(scenario).run({ ...i, outputSchemaFile: schema });
    assert.ok(good.argv.includes('--output-schema'));
    assert.equal(good.report?.ok, true);
    assert.deepEqual(JSON.parse(readFileSync(join(i.iterDir, 'report.json'), 'utf8')), { ok: true, report: VALID_REPORT });

    const j = input();
    play({ steps: [{ do: 'report', text: 'I improved things, trust me.' }] });
    const bad = await fakeCodexAgent(scenario).run({ ...j, outputSchemaFile: await writeReportSchema(j.iterDir) });
    assert.equal(bad.ok, true, 'a malformed report does not fail the run');
    assert.equal(bad.report?.ok, false);
    const recorded = JSON.parse(readFileSync(join(j.iterDir, 'report.json'), 'utf8'));
    assert.equal(recorded.ok, false);
    assert.equal(recorded.raw, 'I improved things, trust me.');
  });

  it('--model-server: codex runs with a private CODEX_HOME whose config points at the server', async () => {
    const log = join(fx.root, 'invocations.jsonl');
    play({ steps: [{ do: 'message', text: 'ok' }] });
    const i = input();
    const r = await fakeCodexAgent(scenario, { modelServer: 'http://127.0.0.1:9/v1' }, { FAKE_CODEX_LOG: log, CODEX_HOME: '/home/op/.codex' }).run(i);
    assert.equal(r.ok, true, r.detail);
    const seen = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).at(-1);
    assert.equal(seen.codexHome, join(fx.root, 'run', 'codex-home'));
    const toml = readFileSync(join(seen.codexHome, 'config.toml'), 'utf8');
    assert.match(toml, /^model_provider = "gdnctl"$/m);
    assert.match(toml, /^base_url = "http:\/\/127\.0\.0\.1:9\/v1"$/m);
    assert.match(toml, /^wire_api = "responses"$/m);
    assert.ok(!existsSync(join(seen.codexHome, 'auth.json')));
    assert.equal(seen.prompt, 'Make it faster.\n');

    const plain = input();
    await fakeCodexAgent(scenario, {}, { FAKE_CODEX_LOG: log, CODEX_HOME: fx.root }).run(plain);
    assert.equal(readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).at(-1).codexHome, fx.root, 'without the flag CODEX_HOME is untouched');
  });

  it('a big output flood lands complete in the transcript', async () => {
    play({ steps: [{ do: 'flood', mb: 8 }, { do: 'message', text: 'done' }] });
    const i = input();
    const r = await fakeCodexAgent(scenario).run(i);
    assert.equal(r.ok, true);
    const lines = readFileSync(join(i.iterDir, 'transcript.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.filter((l) => l.includes('cat big.log')).length, 128);
    assert.ok(lines.every((l) => JSON.parse(l)));
  });

  it('agent-side git activity (stash, amend, dirty leftovers) is left for the loop to judge', async () => {
    const before = git(fx.repo, 'rev-parse', 'HEAD');
    play({ steps: [{ do: 'commit', files: { 'a.txt': '1\n' } }, { do: 'amend', message: 'rewritten' }, { do: 'write', path: 'left.txt', content: 'x' }] });
    const r = await fakeCodexAgent(scenario).run(input());
    assert.equal(r.ok, true);
    assert.equal(git(fx.repo, 'log', '-1', '--format=%s'), 'rewritten');
    assert.match(git(fx.repo, 'status', '--porcelain'), /left\.txt/);
    git(fx.repo, 'reset', '-q', '--hard', before);
    git(fx.repo, 'clean', '-qfd');
  });
});
