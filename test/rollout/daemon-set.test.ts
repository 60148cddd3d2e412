import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { daemonSetVerdict, updatedDaemonPods } from '../../src/rollout/daemon-set.js';
import type { ControllerRevision, DaemonSet } from '../../src/rollout/objects.js';
import { emptyContext } from '../../src/rollout/verdict.js';
import { crashLooping, pod, T0 } from './fixtures.js';

function ds(status: NonNullable<DaemonSet['status']>, generation = 4, strategy?: string): DaemonSet {
  return {
    apiVersion: 'apps/v1', kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'ns', uid: 'ds-uid', generation },
    spec: strategy ? { updateStrategy: { type: strategy } } : {},
    status: { observedGeneration: 4, ...status },
  };
}
const revision = (hash: string, n: number): ControllerRevision => ({
  metadata: { name: `agent-${hash}`, uid: `cr-${hash}`, labels: { 'controller-revision-hash': hash }, ownerReferences: [{ uid: 'ds-uid' }] },
  revision: n,
});
const podOf = (name: string, hash: string, extra: Parameters<typeof pod>[1] = {}) =>
  pod(name, { owner: 'ds-uid', ownerKind: 'DaemonSet', labels: { 'controller-revision-hash': hash }, ...extra });

const test = suite('daemon set rule');

test('done when desired = updated = available', () => {
  const v = daemonSetVerdict(ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }), emptyContext());
  assert.is(v.state, 'succeeded');
  assert.is(v.message, '3/3 pods available');
});

test('waits while updating or not yet available', () => {
  const a = daemonSetVerdict(ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 2, numberAvailable: 3 }), emptyContext());
  assert.is(a.state, 'pending');
  assert.is(a.message, '2/3 pods updated, 3/3 available');
  assert.is(daemonSetVerdict(ds({ desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 }), emptyContext()).state, 'pending');
});

test('waits for an unobserved generation', () => {
  assert.is(daemonSetVerdict(ds({ desiredNumberScheduled: 1, updatedNumberScheduled: 1, numberAvailable: 1 }, 5), emptyContext()).state, 'pending');
});

test('no matching node is done', () => {
  assert.is(daemonSetVerdict(ds({ desiredNumberScheduled: 0 }), emptyContext()).message, 'no node to run on');
});

test('OnDelete needs availability only', () => {
  assert.is(daemonSetVerdict(ds({ desiredNumberScheduled: 2, updatedNumberScheduled: 0, numberAvailable: 2 }, 4, 'OnDelete'), emptyContext()).state, 'succeeded');
});

test('new pods are those of the newest ControllerRevision', () => {
  const pods = [podOf('a', 'old'), podOf('b', 'new'), podOf('c', 'new')];
  assert.equal(updatedDaemonPods(ds({}), pods, [revision('old', 1), revision('new', 2)]).map((p) => p.metadata?.name), ['b', 'c']);
});

test('fails when every updated pod is doomed', () => {
  const pods = [podOf('a', 'new', { containers: [crashLooping()] }), podOf('b', 'old', { ready: true })];
  const v = daemonSetVerdict(ds({ desiredNumberScheduled: 2, updatedNumberScheduled: 1, numberAvailable: 1 }),
    emptyContext({ now: T0, pods, controllerRevisions: [revision('old', 1), revision('new', 2)] }));
  assert.is(v.state, 'failed');
  assert.equal(v.pods.map((p) => p.name), ['a']);
});

test.run();
