import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkoutHash,
  decodeTime,
  describeHeartbeat,
  describeHolder,
  encodeTime,
  holderLabels,
  hostLabel,
  judgeHolder,
  readHolder,
  withoutHolder,
  type JudgeInput,
  type TpuHolder,
} from '../../src/adapters/tpu/holder-labels.js';
import { labelProblem } from '../fakes/tpu-emulator.js';

const T0 = Date.UTC(2026, 4, 1, 12, 34, 56, 789);
const MIN = 60_000;

test('times encode to label values and read back to the second', () => {
  assert.equal(encodeTime(T0), '20260501t123456z');
  assert.equal(decodeTime(encodeTime(T0)), T0 - 789);
  for (const bad of [undefined, '', '2026-05-01T12:34:56Z', '20260501t123456', 'x20260501t123456z']) assert.equal(decodeTime(bad), undefined, String(bad));
});

test('host names become valid label values; plain ones read back, others stay distinct', () => {
  const hosts = [
    'vm',
    'build-07.europe-west4.example.com',
    'Johns-MacBook-Pro.local',
    'a'.repeat(63),
    `${'x'.repeat(70)}.example.com`,
    `${'x'.repeat(70)}.example.org`,
    'host_with_underscore',
    'hôte',
    '',
  ];
  const labels = hosts.map(hostLabel);
  for (const [i, l] of labels.entries()) assert.equal(labelProblem({ 'gdnctl-host': l }), undefined, `${hosts[i]} → ${l}`);
  assert.equal(new Set(labels).size, hosts.length, 'no two hosts share a label');
  assert.equal(hostLabel('build-07.europe-west4.example.com'), 'build-07_europe-west4_example_com');
  assert.equal(hostLabel('Johns-MacBook-Pro.local'), 'johns-macbook-pro_local', 'host names are case-insensitive');
  assert.match(hostLabel(`${'x'.repeat(70)}.example.com`), /^x{54}-[0-9a-f]{8}$/);
  assert.equal(hostLabel('a.b'), hostLabel('A.B'));
  assert.notEqual(hostLabel('a.b'), hostLabel('a_b'), 'an underscore in a name is not a dot');
});

test('holder labels are valid Cloud labels and read back as the holder', () => {
  const h: TpuHolder = { host: hostLabel('build-07.example.com'), checkout: checkoutHash('/home/me/repo'), pid: 4242, pidStart: '123456789', sinceMs: T0 - 5 * MIN, beatEveryMs: 5 * MIN };
  const labels = { 'managed-by': 'gdnctl', ...holderLabels(h, T0) };
  assert.equal(labelProblem(labels), undefined);
  assert.equal(checkoutHash('/home/me/repo').length, 12);
  assert.notEqual(checkoutHash('/home/me/repo'), checkoutHash('/home/me/repo2'));
  const back = readHolder(labels);
  assert.deepEqual(back, { ...h, sinceMs: T0 - 5 * MIN - 789, heartbeatMs: T0 - 789 });
  assert.deepEqual(withoutHolder(labels), { 'managed-by': 'gdnctl' });
  assert.equal(readHolder({ 'managed-by': 'gdnctl' }), undefined, 'no holder labels: no holder');
  assert.equal(readHolder({ 'gdnctl-host': 'vm', 'gdnctl-pid': 'x' }), undefined, 'a holder needs a pid');
  assert.equal(describeHolder(back!), `pid 4242 on build-07.example.com (checkout ${checkoutHash('/home/me/repo')}) since 2026-05-01T12:29:56Z`);
});

test('judgement: same host by pid and start time, another host by heartbeat age against 3 of its intervals', () => {
  const alivePids = new Set([100]);
  const j = (over: Partial<JudgeInput> = {}): JudgeInput => ({
    self: { host: 'here', pid: 1, pidStart: '10' },
    nowMs: T0,
    beatEveryMs: 5 * MIN,
    isAlive: (pid, start) => alivePids.has(pid) && start !== 'reused',
    ...over,
  });
  const holder = (over: Partial<TpuHolder>): TpuHolder => ({ host: 'here', checkout: 'c', pid: 100, pidStart: '7', heartbeatMs: T0, beatEveryMs: 5 * MIN, ...over });
  assert.equal(judgeHolder(undefined, j()).kind, 'none');
  assert.equal(judgeHolder(holder({ pid: 1, pidStart: '10' }), j()).kind, 'self');
  assert.equal(judgeHolder(holder({ pid: 1, pidStart: '11' }), j()).kind, 'dead', 'our pid, another start time: a reused pid');
  assert.equal(judgeHolder(holder({}), j()).kind, 'alive');
  assert.equal(judgeHolder(holder({ heartbeatMs: T0 - 10 * 60 * MIN }), j()).kind, 'alive', 'on this host the pid decides, not the heartbeat');
  assert.equal(judgeHolder(holder({ pid: 200 }), j()).kind, 'dead');
  assert.equal(judgeHolder(holder({ pidStart: 'reused' }), j()).kind, 'dead');
  const far = { host: 'there' };
  assert.equal(judgeHolder(holder({ ...far, heartbeatMs: T0 - 14 * MIN }), j()).kind, 'alive');
  assert.equal(judgeHolder(holder({ ...far, heartbeatMs: T0 - 15 * MIN }), j()).kind, 'stale');
  assert.equal(judgeHolder(holder({ ...far, heartbeatMs: T0 - 4 * MIN, beatEveryMs: MIN }), j()).kind, 'stale', "the holder's own interval counts");
  assert.equal(judgeHolder(holder({ ...far, heartbeatMs: T0 - 14 * MIN, beatEveryMs: undefined }), j()).kind, 'alive', 'no interval recorded: ours');
  assert.equal(judgeHolder(holder({ ...far, heartbeatMs: undefined, sinceMs: undefined }), j()).kind, 'stale', 'no time at all: cannot be shown alive');
  assert.equal(judgeHolder(holder({ ...far, pid: 1, pidStart: '10' }), j()).kind, 'alive', 'our pid on another host is someone else');
  assert.equal(describeHeartbeat(holder({ ...far, heartbeatMs: T0 - 20 * MIN }), T0, 5 * MIN), 'last heartbeat 20 min ago, more than 3 × 5 min');
});
