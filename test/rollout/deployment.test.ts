import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deploymentVerdict, newReplicaSet } from '../../src/rollout/deployment.js';
import { emptyContext } from '../../src/rollout/verdict.js';
import { crashLooping, deployment, pod, replicaSet, T0, waiting } from './fixtures.js';

const ctx = (extra: Parameters<typeof emptyContext>[0] = {}) => emptyContext({ now: T0 + 5_000, ...extra });
const test = suite('deployment rule');

test('complete when updated = available = replicas = desired for this generation', () => {
  const v = deploymentVerdict(deployment(), ctx({ replicaSets: [replicaSet('2', 'new', 3)] }));
  assert.is(v.state, 'succeeded');
  assert.is(v.message, '3/3 pods available');
});

test('waits while the controller has not observed the new generation', () => {
  const v = deploymentVerdict(deployment({ generation: 3, observedGeneration: 2 }), ctx());
  assert.is(v.state, 'pending');
  assert.match(v.message, 'generation 3');
});

test('in progress: counts the new pods available', () => {
  const v = deploymentVerdict(deployment({ updated: 3, available: 1, total: 3 }), ctx({
    replicaSets: [replicaSet('1', 'old', 0), replicaSet('2', 'new', 1)],
    pods: [pod('web-a', { owner: 'new', ready: true }), pod('web-b', { owner: 'new', phase: 'Pending', unschedulable: '0/3 nodes are available: 3 Insufficient cpu.' })],
  }));
  assert.is(v.state, 'pending');
  assert.is(v.message, '1/3 new pods available');
  assert.equal(v.reasons, ['pod web-b Pending: 0/3 nodes are available: 3 Insufficient cpu.']);
});

test('waits for old replicas to go, like kubectl, unless told not to', () => {
  const d = deployment({ updated: 3, available: 3, total: 4 });
  const waiting = deploymentVerdict(d, ctx());
  assert.is(waiting.state, 'pending');
  assert.match(waiting.message, '1 old pod still running');
  assert.is(deploymentVerdict(d, ctx({ waitForOldReplicas: false })).state, 'succeeded');
});

test('not all replicas updated yet', () => {
  const v = deploymentVerdict(deployment({ updated: 1, available: 3, total: 4 }), ctx());
  assert.is(v.state, 'pending');
  assert.match(v.message, '1/3 pods updated');
});

test('ProgressDeadlineExceeded fails with the condition message', () => {
  const v = deploymentVerdict(deployment({ available: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-new" has timed out progressing.' }] }), ctx());
  assert.is(v.state, 'failed');
  assert.match(v.message, 'progress deadline exceeded: ReplicaSet "web-new" has timed out progressing.');
});

test('fails as soon as every new pod crash-loops', () => {
  const v = deploymentVerdict(deployment({ available: 0 }), ctx({
    replicaSets: [replicaSet('2', 'new')],
    pods: [pod('web-a', { owner: 'new', containers: [crashLooping()] }), pod('web-b', { owner: 'new', containers: [crashLooping('app', 1)] })],
  }));
  assert.is(v.state, 'failed');
  assert.is(v.message, 'all 2 new pods are failing (CrashLoopBackOff)');
  assert.equal(v.pods.map((p) => p.name), ['web-a', 'web-b']);
  assert.match(v.reasons[0] ?? '', 'crash-looping');
});

test('one healthy new pod keeps it pending', () => {
  const v = deploymentVerdict(deployment({ available: 1 }), ctx({
    replicaSets: [replicaSet('2', 'new', 1)],
    pods: [pod('web-a', { owner: 'new', containers: [crashLooping()] }), pod('web-b', { owner: 'new', ready: true })],
  }));
  assert.is(v.state, 'pending');
  assert.match(v.reasons[0] ?? '', 'pod web-a: container app is crash-looping');
});

test('crash-looping pods of the OLD ReplicaSet do not fail the rollout', () => {
  const v = deploymentVerdict(deployment({ available: 0, total: 4, updated: 1 }), ctx({
    replicaSets: [replicaSet('1', 'old'), replicaSet('2', 'new')],
    pods: [pod('old-a', { owner: 'old', containers: [crashLooping()] }), pod('new-a', { owner: 'new', phase: 'Pending', containers: [waiting('ContainerCreating')] })],
  }));
  assert.is(v.state, 'pending');
});

test('terminating pods do not count as new pods', () => {
  const v = deploymentVerdict(deployment({ available: 0 }), ctx({
    replicaSets: [replicaSet('2', 'new')],
    pods: [pod('web-a', { owner: 'new', containers: [crashLooping()], deleting: true })],
  }));
  assert.is(v.state, 'pending');
});

test('image pull failures fail only after the grace, and the verdict says when to recheck', () => {
  const rs = replicaSet('2', 'new');
  const pods = [pod('web-a', { owner: 'new', phase: 'Pending', containers: [waiting('ImagePullBackOff')] })];
  const early = deploymentVerdict(deployment({ replicas: 1, available: 0 }), ctx({ replicaSets: [rs], pods, now: T0 + 10_000 }));
  assert.is(early.state, 'pending');
  assert.is(early.recheckAt, T0 + 30_000);
  const late = deploymentVerdict(deployment({ replicas: 1, available: 0 }), ctx({ replicaSets: [rs], pods, now: T0 + 30_000 }));
  assert.is(late.state, 'failed');
  assert.is(late.message, 'its new pod is failing (ImagePullBackOff)');
});

test('CreateContainerConfigError fails at once', () => {
  const v = deploymentVerdict(deployment({ replicas: 1, available: 0 }), ctx({
    replicaSets: [replicaSet('2', 'new')],
    pods: [pod('web-a', { owner: 'new', phase: 'Pending', containers: [waiting('CreateContainerConfigError', 'secret "db" not found')] })],
  }));
  assert.is(v.state, 'failed');
  assert.match(v.reasons[0] ?? '', 'secret "db" not found');
});

test('the new ReplicaSet is the one with the deployment revision, owned by it', () => {
  const d = deployment({ revision: '5' });
  assert.is(newReplicaSet(d, [replicaSet('4', 'a'), replicaSet('5', 'b'), replicaSet('5', 'c', 0, 'other-uid')])?.metadata?.uid, 'b');
  assert.is(newReplicaSet(d, [replicaSet('4', 'a')]), undefined);
});

test('ReplicaFailure (quota, admission) is named while waiting', () => {
  const v = deploymentVerdict(deployment({ available: 0, updated: 0, conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "web-x" is forbidden: exceeded quota' }] }), ctx());
  assert.is(v.state, 'pending');
  assert.match(v.reasons[0] ?? '', 'FailedCreate: pods "web-x" is forbidden: exceeded quota');
});

test('zero replicas is complete once observed', () => {
  assert.is(deploymentVerdict(deployment({ replicas: 0 }), ctx()).state, 'succeeded');
});

test('a paused deployment is accepted without waiting', () => {
  const v = deploymentVerdict(deployment({ paused: true, available: 0, updated: 0 }), ctx());
  assert.is(v.state, 'succeeded');
  assert.match(v.message, 'paused');
});

test.run();
