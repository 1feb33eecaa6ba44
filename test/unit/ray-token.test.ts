import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveRayToken } from '../../src/adapters/ray/ray-token.js';
import { UsageError } from '../../src/errors.js';

function home(token?: string): string {
  const h = mkdtempSync(join(tmpdir(), 'gdnctl-raytok-'));
  if (token !== undefined) {
    mkdirSync(join(h, '.ray'));
    writeFileSync(join(h, '.ray', 'auth_token'), token);
  }
  return h;
}

test('RAY_AUTH_TOKEN wins, then RAY_AUTH_TOKEN_PATH, then the cluster tokenPath, then ~/.ray/auth_token', () => {
  const h = home('from-default-file\n');
  try {
    const file = join(h, 'tok');
    writeFileSync(file, '  from-path-file \n');
    assert.equal(resolveRayToken({ HOME: h, RAY_AUTH_TOKEN: 'direct', RAY_AUTH_TOKEN_PATH: file }).token, 'direct');
    const p = resolveRayToken({ HOME: h, RAY_AUTH_TOKEN_PATH: file }, join(h, 'nope'));
    assert.deepEqual([p.token, p.tried], ['from-path-file', ['RAY_AUTH_TOKEN', `RAY_AUTH_TOKEN_PATH (${file})`]]);
    assert.equal(resolveRayToken({ HOME: h }, file).source, `tokenPath (${file})`);
    const d = resolveRayToken({ HOME: h });
    assert.deepEqual([d.token, d.source], ['from-default-file', '~/.ray/auth_token']);
  } finally {
    rmSync(h, { recursive: true, force: true });
  }
});

test('no token: fine without token mode, exit-2 error in token mode; an unreadable RAY_AUTH_TOKEN_PATH is an error', () => {
  const h = home();
  try {
    assert.deepEqual(resolveRayToken({ HOME: h }), { tried: ['RAY_AUTH_TOKEN', '~/.ray/auth_token'] });
    assert.throws(() => resolveRayToken({ HOME: h, RAY_AUTH_MODE: 'token' }), (e: unknown) => e instanceof UsageError && /no Ray token was found \(tried RAY_AUTH_TOKEN, ~\/\.ray\/auth_token\)/.test(e.message));
    assert.throws(() => resolveRayToken({ HOME: h, RAY_AUTH_TOKEN_PATH: join(h, 'missing') }), /RAY_AUTH_TOKEN_PATH.*cannot read/);
  } finally {
    rmSync(h, { recursive: true, force: true });
  }
});
