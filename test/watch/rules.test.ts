// The watchman's rules: one finding per pod, Job or node, with grace periods for
// states that may still pass.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_THRESHOLDS } from '../../src/fleet/notify.js';
import type { Pod } from '../../src/rollout/objects.js';
import { jobFinding, nodeFinding, podFinding, podHealthy } from '../../src/watch/rules.js';

const T0 = Date.parse('2026-12-04T10:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const t = DEFAULT_THRESHOLDS;

function pod(status: NonNullable<Pod['status']>, created = 0): Pod {
  return { metadata: { name: 'web-1', namespace: 'shop', creationTimestamp: at(created) }, status: { startTime: at(created), ...status } };
}
const container = (c: Record<string, unknown>) => ({ name: 'app', image: 'shop/web:1', ...c });

test('CrashLoopBackOff, with the last exit code and the restart count', () => {
  const f = podFinding(pod({ phase: 'Running', containerStatuses: [container({ restartCount: 7, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 2, finishedAt: at(50) } } })] }), T0 + 60_000, t);
  assert.is(f?.reason, 'CrashLoopBackOff');
  assert.is(f?.restarts, 7);
  assert.is(f?.container, 'app');
  assert.is(f?.previousLog, true);
  assert.match(f!.detail, 'last exit code 2');
});

test('OOMKilled wins over the crash loop it causes; a recent OOM kill of a running container too', () => {
  const oom = { terminated: { reason: 'OOMKilled', exitCode: 137, finishedAt: at(50) } };
  assert.is(podFinding(pod({ phase: 'Running', containerStatuses: [container({ restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: oom })] }), T0 + 60_000, t)?.reason, 'OOMKilled');
  assert.is(podFinding(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [container({ restartCount: 1, ready: true, state: { running: {} }, lastState: oom })] }), T0 + 60_000, t)?.reason, 'OOMKilled');
  // An OOM kill long ago, the container healthy since: nothing to say.
  assert.is(podFinding(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [container({ restartCount: 1, ready: true, state: { running: {} }, lastState: oom })] }), T0 + 3_600_000, t), undefined);
});

test('image pull failures only after the grace period', () => {
  const p = pod({ phase: 'Pending', containerStatuses: [container({ state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } } })] });
  assert.is(podFinding(p, T0 + (t.imagePullGraceSeconds - 1) * 1000, t), undefined);
  const f = podFinding(p, T0 + (t.imagePullGraceSeconds + 1) * 1000, t);
  assert.is(f?.reason, 'ImagePullBackOff');
  assert.match(f!.detail, 'shop/web:1');
});

test('CreateContainerConfigError at once', () => {
  const f = podFinding(pod({ phase: 'Pending', containerStatuses: [container({ state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "db" not found' } } })] }), T0 + 1000, t);
  assert.is(f?.reason, 'CreateContainerConfigError');
  assert.match(f!.detail, 'secret "db" not found');
});

test('Failed and Evicted pods', () => {
  assert.is(podFinding(pod({ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }), T0, t)?.reason, 'Evicted');
  const failed = podFinding(pod({ phase: 'Failed', containerStatuses: [container({ state: { terminated: { exitCode: 1 } } })] }), T0, t);
  assert.is(failed?.reason, 'PodFailed');
  assert.match(failed!.detail, 'exit code 1');
  assert.is(podFinding(pod({ phase: 'Succeeded' }), T0, t), undefined);
});

test('Pending and not Ready only past their thresholds', () => {
  const pending = pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.' }] });
  assert.is(podFinding(pending, T0 + (t.pendingSeconds - 1) * 1000, t), undefined);
  const f = podFinding(pending, T0 + (t.pendingSeconds + 1) * 1000, t);
  assert.is(f?.reason, 'Unschedulable');
  assert.match(f!.detail, 'Insufficient cpu');
  const unready = pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: at(100) }], containerStatuses: [container({ ready: false, state: { running: {} } })] });
  assert.is(podFinding(unready, T0 + (100 + t.notReadySeconds - 1) * 1000, t), undefined);
  assert.is(podFinding(unready, T0 + (100 + t.notReadySeconds + 1) * 1000, t)?.reason, 'NotReady');
});

test('restarting repeatedly: enough restarts, the last one recent', () => {
  const running = (restarts: number, last: number) => pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [container({ ready: true, restartCount: restarts, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: at(last) } } })] });
  assert.is(podFinding(running(t.restarts, 100), T0 + 120_000, t)?.reason, 'RestartingRepeatedly');
  assert.is(podFinding(running(t.restarts - 1, 100), T0 + 120_000, t), undefined, 'too few restarts');
  assert.is(podFinding(running(t.restarts, 100), T0 + (100 + t.restartWindowSeconds + 1) * 1000, t), undefined, 'the last restart is old');
});

test('a terminating pod says nothing; healthy means Running and Ready, or Succeeded', () => {
  const p = pod({ phase: 'Failed' });
  p.metadata!.deletionTimestamp = at(1);
  assert.is(podFinding(p, T0, t), undefined);
  assert.ok(podHealthy(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] })));
  assert.ok(podHealthy(pod({ phase: 'Succeeded' })));
  assert.not.ok(podHealthy(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] })));
});

test('failed Jobs and NotReady nodes', () => {
  const job = jobFinding({ status: { failed: 4, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }] } });
  assert.is(job?.reason, 'JobFailed');
  assert.match(job!.detail, 'BackoffLimitExceeded');
  assert.is(jobFinding({ status: { conditions: [{ type: 'Complete', status: 'True' }] } }), undefined);
  const node = { metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', lastTransitionTime: at(0) }] } };
  assert.is(nodeFinding(node, T0 + (t.nodeNotReadySeconds - 1) * 1000, t), undefined);
  assert.is(nodeFinding(node, T0 + (t.nodeNotReadySeconds + 1) * 1000, t)?.reason, 'NodeNotReady');
});

test.run();
