import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor, runRedactor, secretValues } from '../../src/redact.js';

test('named secrets and *_TOKEN/*_KEY/*_SECRET values of 8+ chars are redacted', () => {
  const r = createRedactor({
    OPENAI_API_KEY: 'sk-canary-openai-123',
    HF_TOKEN: 'hf_canary_abcdef',
    MY_SERVICE_SECRET: 'svc-canary-99',
    SHORT_TOKEN: 'abc',
    PATH: '/usr/bin:/bin',
  });
  const out = r('key=sk-canary-openai-123 hf=hf_canary_abcdef svc=svc-canary-99 short=abc path=/usr/bin:/bin');
  assert.equal(out, 'key=[redacted] hf=[redacted] svc=[redacted] short=abc path=/usr/bin:/bin');
});

test('a secret containing another is replaced whole', () => {
  const r = createRedactor({ A_TOKEN: 'canary12', B_TOKEN: 'canary12-longer' });
  assert.equal(r('x canary12-longer y canary12'), 'x [redacted] y [redacted]');
  assert.deepEqual(secretValues({ A_TOKEN: 'canary12', B_TOKEN: 'canary12-longer' }), ['canary12-longer', 'canary12']);
});

test('very long lines are redacted everywhere', () => {
  const secret = 'wandb-canary-000111';
  const r = createRedactor({ WANDB_API_KEY: secret });
  const line = ('x'.repeat(1000) + secret).repeat(5000);
  const out = r(line);
  assert.equal(out.includes(secret), false);
  assert.equal(out.split('[redacted]').length - 1, 5000);
});

test('no secrets: identity', () => {
  const r = createRedactor({ HOME: '/root' });
  assert.equal(r('hello'), 'hello');
});

test('the run redactor knows the environment and secrets given as flags, a flag value longer than an env one first', () => {
  const r = runRedactor({ GDNCTL_TPU_ACCESS_TOKEN: 'env-token-111', HOME: '/root' }, ['ya29.flagtoken', undefined, 'short', 'ya29.flagtoken-and-more']);
  assert.equal(
    r('env=env-token-111 flag=ya29.flagtoken long=ya29.flagtoken-and-more short home=/root'),
    'env=[redacted] flag=[redacted] long=[redacted] short home=/root',
  );
  assert.equal(runRedactor({}, [undefined])('as is'), 'as is');
});
