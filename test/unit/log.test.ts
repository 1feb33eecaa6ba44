import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, type LoggerOptions } from '../../src/log.js';
import { captureStream, type CapturedStream } from '../helpers/capture-stream.js';

function capture(isTTY: boolean): CapturedStream & { isTTY: boolean } {
  return Object.assign(captureStream(), { isTTY });
}

async function emit(o: Partial<LoggerOptions> & { isTTY?: boolean }): Promise<string> {
  const stream = capture(o.isTTY ?? false);
  const log = await createLogger({ format: 'pretty', verbose: false, quiet: false, env: {}, ...o, stream });
  log.debug({ n: 1 }, 'debug line');
  log.info({ chunk: 64 }, 'info line');
  log.warn('warn line');
  log.flush?.();
  return stream.text();
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/;

test('--log-format json writes one JSON object per line with level, time and message', async () => {
  const out = await emit({ format: 'json' });
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines.map((l) => l.msg), ['info line', 'warn line']);
  assert.equal(lines[0]!.chunk, 64);
  assert.equal(lines[0]!.level, 30);
  assert.match(String(lines[0]!.time), /^\d{4}-\d\d-\d\dT/);
  assert.doesNotMatch(out, ANSI);
});

test('pretty format gives readable single lines; colour only on a TTY', async () => {
  const plain = await emit({});
  assert.doesNotMatch(plain, ANSI);
  assert.match(plain, /INFO.*info line/);
  assert.throws(() => JSON.parse(plain.split('\n')[0]!));
  const tty = await emit({ isTTY: true, env: { TERM: 'xterm-256color' } });
  assert.match(tty, ANSI, 'a TTY without NO_COLOR is coloured');
});

test('NO_COLOR turns colour off even on a TTY', async () => {
  const out = await emit({ isTTY: true, env: { TERM: 'xterm-256color', NO_COLOR: '1' } });
  assert.doesNotMatch(out, ANSI);
  assert.match(out, /info line/);
});

test('--quiet hides info (warnings stay); --verbose shows debug', async () => {
  const quiet = await emit({ quiet: true, format: 'json' });
  assert.doesNotMatch(quiet, /info line/);
  assert.match(quiet, /warn line/);
  const verbose = await emit({ verbose: true, format: 'json' });
  assert.match(verbose, /debug line/);
});

test('the lazy logger answers level questions without pino and still honours level changes and child()', async () => {
  const stream = capture(false);
  const log = await createLogger({ format: 'json', verbose: false, quiet: false, env: {}, stream });
  assert.equal(log.level, 'info');
  assert.equal(log.isLevelEnabled('debug'), false);
  assert.equal(log.isLevelEnabled('warn'), true);
  log.debug('dropped');
  assert.equal(stream.text(), '');
  log.level = 'debug';
  log.child({ iteration: 2 }).debug('kept');
  const line = JSON.parse(stream.text().trim()) as { msg: string; iteration: number };
  assert.deepEqual([line.msg, line.iteration], ['kept', 2]);
});

test('log lines never carry a secret of the environment, json or pretty', async () => {
  const env = { HF_TOKEN: 'hf_canary_12345', MY_SERVICE_SECRET: 'svc-canary-678' };
  for (const format of ['json', 'pretty'] as const) {
    const stream = capture(false);
    const log = await createLogger({ format, verbose: false, quiet: false, env, stream });
    log.warn({ detail: `post-check said ${env.MY_SERVICE_SECRET}` }, `token ${env.HF_TOKEN} rejected`);
    log.flush?.();
    const out = stream.text();
    assert.ok(!out.includes(env.HF_TOKEN) && !out.includes(env.MY_SERVICE_SECRET), `${format}: ${out}`);
    assert.equal(out.split('[redacted]').length - 1, 2, `${format}: ${out}`);
  }
});
