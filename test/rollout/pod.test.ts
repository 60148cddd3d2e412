import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { podVerdict } from '../../src/rollout/pod.js';
import { emptyContext } from '../../src/rollout/verdict.js';
import { crashLooping, pod, T0, waiting } from './fixtures.js';

const ctx = emptyContext({ now: T0 + 5_000 });
const test = suite('bare pod rule');

test('Ready succeeds', () => {
  assert.is(podVerdict(pod('p', { ready: true }), ctx).state, 'succeeded');
});

test('Succeeded succeeds', () => {
  assert.is(podVerdict(pod('p', { phase: 'Succeeded', containers: [] }), ctx).message, 'completed');
});

test('Failed fails, even when evicted (nothing replaces a bare pod)', () => {
  assert.is(podVerdict(pod('p', { phase: 'Failed' }), ctx).state, 'failed');
  assert.is(podVerdict(pod('p', { phase: 'Failed', reason: 'Evicted' }), ctx).state, 'failed');
});

test('a crash-looping bare pod fails', () => {
  const v = podVerdict(pod('p', { containers: [crashLooping()] }), ctx);
  assert.is(v.state, 'failed');
  assert.equal(v.pods.map((p) => p.name), ['p']);
});

test('starting up is pending with the reason', () => {
  const v = podVerdict(pod('p', { phase: 'Pending', containers: [waiting('ContainerCreating')] }), ctx);
  assert.is(v.state, 'pending');
  assert.equal(v.reasons, ['pod p: container app ContainerCreating']);
});

test.run();
