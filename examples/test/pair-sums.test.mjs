// Correctness check for countPairsWithSum: fixed cases plus randomized inputs against a brute-force reference.
// Duplicates matter: a value that occurs k times pairs with its complement k times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countPairsWithSum } from '../src/pair-sums.mjs';

function reference(values, target) {
  let n = 0;
  for (let i = 0; i < values.length; i++) for (let j = i + 1; j < values.length; j++) if (values[i] + values[j] === target) n++;
  return n;
}

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('fixed cases', () => {
  assert.equal(countPairsWithSum([], 5), 0);
  assert.equal(countPairsWithSum([5], 5), 0);
  assert.equal(countPairsWithSum([1, 4, 2, 3], 5), 2);
  assert.equal(countPairsWithSum([2, 2, 2], 4), 3, 'three equal values make three pairs');
  assert.equal(countPairsWithSum([1, 1, 4, 4], 5), 4, 'duplicates on both sides multiply');
  assert.equal(countPairsWithSum([-3, 3, 0, 0], 0), 2, 'negatives and zero');
  assert.equal(countPairsWithSum([5, 0], 5), 1);
  assert.equal(countPairsWithSum([2.5, 2.5], 5), 1, 'non-integers');
});

test('random inputs agree with the brute-force reference', () => {
  const next = rng(42);
  for (let round = 0; round < 200; round++) {
    const n = Math.floor(next() * 60);
    const span = 1 + Math.floor(next() * 20);
    const values = Array.from({ length: n }, () => Math.floor(next() * span) - Math.floor(span / 2));
    const target = Math.floor(next() * span) - Math.floor(span / 2);
    assert.equal(countPairsWithSum(values, target), reference(values, target), `values=${JSON.stringify(values)} target=${target}`);
  }
});
