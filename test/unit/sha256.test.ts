import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { sha256Hex } from '../../src/core/text/sha256.js';

const node = (s: string): string => createHash('sha256').update(s).digest('hex');

test('sha256Hex is node:crypto\'s SHA-256 for the padding edges, non-ASCII text and long inputs', () => {
  const cases = ['', 'abc', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(63), 'a'.repeat(64), 'a'.repeat(65), 'ünïcødé ✓ 𝄞 漢字', 'x'.repeat(100_000)];
  for (const s of cases) assert.equal(sha256Hex(s), node(s), JSON.stringify(s.slice(0, 20)));
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('sha256Hex matches node:crypto on 500 random strings of random lengths', () => {
  let seed = 7;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  for (let k = 0; k < 500; k++) {
    const len = rand(300);
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCodePoint(rand(4) === 0 ? 0x80 + rand(0x2000) : 0x20 + rand(0x5f));
    assert.equal(sha256Hex(s), node(s));
  }
});
