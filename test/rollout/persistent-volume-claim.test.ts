import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PersistentVolumeClaim, StorageClass } from '../../src/rollout/objects.js';
import { persistentVolumeClaimVerdict } from '../../src/rollout/persistent-volume-claim.js';
import { emptyContext } from '../../src/rollout/verdict.js';

const pvc = (phase: string, storageClassName?: string): PersistentVolumeClaim => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'ns' },
  spec: { volumeName: 'pv-1', ...(storageClassName !== undefined && { storageClassName }) }, status: { phase },
});
const classes: Record<string, StorageClass> = {
  lazy: { metadata: { name: 'lazy' }, volumeBindingMode: 'WaitForFirstConsumer' },
  eager: { metadata: { name: 'eager' }, volumeBindingMode: 'Immediate' },
};
const ctx = emptyContext({ storageClass: (name) => (name === undefined ? classes.lazy : classes[name]) });
const test = suite('persistent volume claim rule');

test('Bound succeeds', () => {
  const v = persistentVolumeClaimVerdict(pvc('Bound'), ctx);
  assert.is(v.state, 'succeeded');
  assert.is(v.message, 'bound to pv-1');
});

test('Lost fails', () => {
  assert.is(persistentVolumeClaimVerdict(pvc('Lost'), ctx).state, 'failed');
});

test('Pending waits, unless its class binds on first use', () => {
  assert.is(persistentVolumeClaimVerdict(pvc('Pending', 'eager'), ctx).state, 'pending');
  assert.is(persistentVolumeClaimVerdict(pvc('Pending', 'lazy'), ctx).state, 'succeeded');
  assert.is(persistentVolumeClaimVerdict(pvc('Pending'), ctx).state, 'succeeded', 'default class is lazy here');
  assert.is(persistentVolumeClaimVerdict(pvc('Pending', ''), ctx).state, 'pending', '"" means no class');
});

test.run();
