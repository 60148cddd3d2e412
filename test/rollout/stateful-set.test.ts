import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StatefulSet } from '../../src/rollout/objects.js';
import { statefulSetVerdict } from '../../src/rollout/stateful-set.js';
import { emptyContext } from '../../src/rollout/verdict.js';
import { crashLooping, pod, T0 } from './fixtures.js';

function sts(status: NonNullable<StatefulSet['status']>, spec: Partial<NonNullable<StatefulSet['spec']>> = {}, generation = 2): StatefulSet {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'ns', uid: 'sts-uid', generation },
    spec: { replicas: 3, ...spec },
    status: { observedGeneration: 2, replicas: 3, ...status },
  };
}
const ctx = (pods = [] as ReturnType<typeof pod>[]) => emptyContext({ now: T0 + 5_000, pods });
const podOf = (name: string, revision: string, extra: Parameters<typeof pod>[1] = {}) =>
  pod(name, { owner: 'sts-uid', ownerKind: 'StatefulSet', labels: { 'controller-revision-hash': revision }, ...extra });

const test = suite('stateful set rule');

test('done when current revision caught up with the update revision and all replicas are ready', () => {
  const v = statefulSetVerdict(sts({ readyReplicas: 3, updatedReplicas: 3, currentRevision: 'db-2', updateRevision: 'db-2' }), ctx());
  assert.is(v.state, 'succeeded');
  assert.is(v.message, '3/3 pods ready');
});

test('waits while the revisions differ', () => {
  const v = statefulSetVerdict(sts({ readyReplicas: 3, updatedReplicas: 2, currentRevision: 'db-1', updateRevision: 'db-2' }), ctx());
  assert.is(v.state, 'pending');
  assert.is(v.message, '2/3 pods updated, 3/3 ready');
});

test('waits for readiness (availableReplicas when reported)', () => {
  const v = statefulSetVerdict(sts({ readyReplicas: 3, availableReplicas: 2, updatedReplicas: 3, currentRevision: 'db-2', updateRevision: 'db-2' }), ctx());
  assert.is(v.state, 'pending');
});

test('waits for an unobserved generation', () => {
  assert.is(statefulSetVerdict(sts({ readyReplicas: 3, currentRevision: 'a', updateRevision: 'a' }, {}, 3), ctx()).state, 'pending');
});

test('a rolling partition only needs the pods at or above it updated', () => {
  const spec = { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } };
  const done = statefulSetVerdict(sts({ readyReplicas: 3, updatedReplicas: 1, currentRevision: 'db-1', updateRevision: 'db-2' }, spec), ctx());
  assert.is(done.state, 'succeeded');
  const notYet = statefulSetVerdict(sts({ readyReplicas: 3, updatedReplicas: 0, currentRevision: 'db-1', updateRevision: 'db-2' }, spec), ctx());
  assert.is(notYet.state, 'pending');
  assert.match(notYet.message, 'partition 2');
});

test('OnDelete only needs ready replicas', () => {
  const v = statefulSetVerdict(sts({ readyReplicas: 3, updatedReplicas: 0, currentRevision: 'db-1', updateRevision: 'db-2' }, { updateStrategy: { type: 'OnDelete' } }), ctx());
  assert.is(v.state, 'succeeded');
});

test('fails when every pod of the update revision is doomed; old-revision pods do not count', () => {
  const status = { readyReplicas: 2, updatedReplicas: 1, currentRevision: 'db-1', updateRevision: 'db-2' };
  const pods = [podOf('db-2', 'db-2', { containers: [crashLooping()] }), podOf('db-1', 'db-1', { ready: true }), podOf('db-0', 'db-1', { ready: true })];
  const v = statefulSetVerdict(sts(status), ctx(pods));
  assert.is(v.state, 'failed');
  assert.is(v.message, 'its updated pod is failing (CrashLoopBackOff)');
  assert.equal(v.pods.map((p) => p.name), ['db-2']);
  const oldBroken = [podOf('db-2', 'db-1', { containers: [crashLooping()] })];
  assert.is(statefulSetVerdict(sts(status), ctx(oldBroken)).state, 'pending');
});

test.run();
