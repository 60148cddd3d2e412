import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { allDoomed, describePod, diagnosePod, summarize } from '../../src/rollout/doomed-pod.js';
import { crashLooping, pod, running, T0, waiting } from './fixtures.js';

const at = (seconds: number) => ({ now: T0 + seconds * 1000, imagePullGraceMs: 30_000 });

const test = suite('doomed pod');

test('a running, ready pod is fine', () => {
  const d = diagnosePod(pod('web-1', { ready: true }), at(1));
  assert.is(d.doomed, false);
  assert.is(d.ready, true);
  assert.is(d.summary, 'Ready');
});

test('a crash-looping container dooms the pod at once and asks for the previous log', () => {
  const d = diagnosePod(pod('web-1', { containers: [crashLooping('app', 4)] }), at(2));
  assert.is(d.doomed, true);
  // The Kubernetes reason is named: it is what people search for.
  assert.match(d.summary, 'container app is crash-looping: CrashLoopBackOff (last exit code 1, 4 restarts)');
  assert.is(d.containers[0]?.previousLog, true);
  assert.is(d.containers[0]?.hasLog, true);
});

test('an OOMKilled crash loop says so', () => {
  const c = crashLooping();
  c.lastState = { terminated: { exitCode: 137, reason: 'OOMKilled' } };
  assert.match(diagnosePod(pod('web-1', { containers: [c] }), at(2)).summary, 'OOMKilled');
});

test('a crash-looping init container dooms the pod', () => {
  const d = diagnosePod(pod('web-1', { init: [crashLooping('migrate', 2)], containers: [waiting('PodInitializing')] }), at(2));
  assert.is(d.doomed, true);
  assert.match(d.summary, 'init container migrate is crash-looping');
});

test('ImagePullBackOff is not fatal within the grace and says when to look again', () => {
  const d = diagnosePod(pod('web-1', { phase: 'Pending', containers: [waiting('ImagePullBackOff', 'Back-off pulling image "x"')] }), at(10));
  assert.is(d.doomed, false);
  assert.is(d.recheckAt, T0 + 30_000);
  assert.match(d.summary, 'cannot pull image example/app:1 (ImagePullBackOff');
});

test('ErrImagePull past the grace dooms the pod', () => {
  const d = diagnosePod(pod('web-1', { phase: 'Pending', containers: [waiting('ErrImagePull', 'not found')] }), at(31));
  assert.is(d.doomed, true);
  assert.is(d.recheckAt, undefined);
  assert.is(d.containers[0]?.hasLog, false);
});

test('the image-pull grace is counted from the pod start and is configurable', () => {
  const p = pod('web-1', { phase: 'Pending', startTime: T0 + 20_000, containers: [waiting('ImagePullBackOff')] });
  assert.is(diagnosePod(p, at(31)).doomed, false);
  assert.is(diagnosePod(p, { now: T0 + 25_000, imagePullGraceMs: 5_000 }).doomed, true);
});

test('CreateContainerConfigError and InvalidImageName are fatal at once', () => {
  for (const reason of ['CreateContainerConfigError', 'InvalidImageName']) {
    const d = diagnosePod(pod('web-1', { phase: 'Pending', containers: [waiting(reason, 'secret "db" not found')] }), at(1));
    assert.is(d.doomed, true, reason);
    assert.match(d.summary, reason);
  }
});

test('ContainerCreating is progress, not doom', () => {
  const d = diagnosePod(pod('web-1', { phase: 'Pending', containers: [waiting('ContainerCreating')] }), at(100));
  assert.is(d.doomed, false);
  assert.is(d.summary, 'container app ContainerCreating');
});

test('a Failed pod is doomed, an Evicted one is not', () => {
  const failedPod = diagnosePod(pod('web-1', { phase: 'Failed', containers: [{ name: 'app', state: { terminated: { exitCode: 2 } } }] }), at(5));
  assert.is(failedPod.doomed, true);
  assert.match(failedPod.summary, 'Failed: container app exited with code 2');
  const evicted = diagnosePod(pod('web-2', { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }), at(5));
  assert.is(evicted.doomed, false);
  assert.match(evicted.summary, 'removed by its node (Evicted: The node was low on resource: memory.)');
  assert.is(diagnosePod(pod('web-3', { phase: 'Failed', reason: 'OutOfcpu' }), at(5)).doomed, false);
});

test('an unschedulable pod carries the scheduler message', () => {
  const d = diagnosePod(pod('web-1', { phase: 'Pending', unschedulable: '0/3 nodes are available: 3 Insufficient cpu.' }), at(5));
  assert.is(d.doomed, false);
  assert.is(d.unschedulable, '0/3 nodes are available: 3 Insufficient cpu.');
  assert.is(describePod(d), 'pod web-1 Pending: 0/3 nodes are available: 3 Insufficient cpu.');
});

test('a running container that is not ready is named', () => {
  const d = diagnosePod(pod('web-1', { containers: [running('app', false)] }), at(5));
  assert.is(d.summary, 'container app is running but not ready');
  assert.is(describePod(d), 'pod web-1: container app is running but not ready');
});

test('an unready pod whose containers are ready says why (node not ready, readiness gate)', () => {
  const p = pod('web-1', { containers: [running('app', true)] });
  p.status!.conditions = [{ type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: 'corresponding condition of pod readiness gate "lb" does not exist.' }];
  assert.is(diagnosePod(p, at(5)).summary, 'Running, not ready (ReadinessGatesNotReady: corresponding condition of pod readiness gate "lb" does not exist.)');
});

test('allDoomed needs at least one pod, and all of them doomed', () => {
  const bad = diagnosePod(pod('web-1', { containers: [crashLooping()] }), at(1));
  const good = diagnosePod(pod('web-2', { ready: true }), at(1));
  assert.is(allDoomed([]), undefined);
  assert.is(allDoomed([bad, good]), undefined);
  assert.equal(allDoomed([bad]), ['pod web-1: container app is crash-looping: CrashLoopBackOff (last exit code 1, 3 restarts)']);
});

test('summarize groups pods with the same problem, whatever their restart counts', () => {
  const a = diagnosePod(pod('web-1', { containers: [crashLooping('app', 3)] }), at(1));
  const b = diagnosePod(pod('web-2', { containers: [crashLooping('app', 5)] }), at(1));
  const c = diagnosePod(pod('web-3', { containers: [crashLooping('app', 1)] }), at(1));
  const lines = summarize([a, b, c]);
  assert.is(lines.length, 1);
  assert.match(lines[0] ?? '', /^3 pods \(web-1, web-2, …\): container app is crash-looping/);
});

test.run();
