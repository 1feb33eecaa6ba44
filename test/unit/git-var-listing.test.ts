import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configBool, configListing, identityFromConfig } from '../../src/adapters/git/repo-preflight.js';

const LISTING = [
  'user.name=Ada Lovelace',
  'user.email=ada@example.com',
  'commit.gpgsign',
  'core.bare=false',
  'COMMIT.GPGSIGN=no',
  'GIT_COMMITTER_IDENT=Ada Lovelace <ada@example.com> 1796172893 +0000',
  'GIT_AUTHOR_IDENT=Ada Lovelace <ada@example.com> 1796172893 +0000',
  'GIT_EDITOR=editor',
  '',
].join('\n');

test('git var -l: config keys lower-cased, the last value wins, identity lines are not config', () => {
  const c = configListing(LISTING);
  assert.equal(c.get('user.name'), 'Ada Lovelace');
  assert.equal(c.get('commit.gpgsign'), 'no');
  assert.equal(c.has('git_editor'), false);
  assert.equal(configListing('commit.gpgsign\n').get('commit.gpgsign'), null);
});

test("git's booleans: a bare key, true/yes/on and non-zero numbers are true", () => {
  for (const v of [null, 'true', 'YES', 'on', '1', '-2']) assert.equal(configBool(v), true, String(v));
  for (const v of [undefined, '', 'false', 'no', 'off', '0', 'maybe']) assert.equal(configBool(v), false, String(v));
});

test('an identity from config alone only when git would take it: a real name, an email, nothing overriding it', () => {
  const c = configListing(LISTING);
  assert.equal(identityFromConfig(c, {}), true);
  assert.equal(identityFromConfig(c, { GIT_AUTHOR_NAME: 'x' }), false, 'the environment wins in git');
  assert.equal(identityFromConfig(c, { EMAIL: 'x@y' }), false);
  assert.equal(identityFromConfig(configListing('user.name=. ,\nuser.email=a@b\n'), {}), false, 'only characters git strips');
  assert.equal(identityFromConfig(configListing('user.name=A\n'), {}), false, 'no email');
  assert.equal(identityFromConfig(configListing('user.name=A\nuser.email=a@b\nauthor.name=B\n'), {}), false, 'author.* overrides user.*');
});
