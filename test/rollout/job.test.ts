import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { jobVerdict } from '../../src/rollout/job.js';
import type { Job } from '../../src/rollout/objects.js';
import { emptyContext } from '../../src/rollout/verdict.js';
import { crashLooping, pod, T0, waiting } from './fixtures.js';

function job(status: NonNullable<Job['status']>, spec: NonNullable<Job['spec']> = {}): Job {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'ns', uid: 'job-uid', generation: 1 }, spec, status };
}
const cond = (type: string, reason?: string, message?: string) => ({ type, status: 'True', ...(reason && { reason }), ...(message && { message }) });
const podOf = (name: string, extra: Parameters<typeof pod>[1] = {}) => pod(name, { owner: 'job-uid', ownerKind: 'Job', ...extra });

const test = suite('job rule');

test('Complete succeeds', () => {
  const v = jobVerdict(job({ succeeded: 1, conditions: [cond('Complete')] }), emptyContext());
  assert.is(v.state, 'succeeded');
  assert.is(v.message, 'completed (1 pod succeeded)');
});

test('SuccessCriteriaMet succeeds, even before the succeeded count is updated', () => {
  const v = jobVerdict(job({ succeeded: 0, conditions: [cond('SuccessCriteriaMet')] }), emptyContext());
  assert.is(v.state, 'succeeded');
  assert.is(v.message, 'completed');
});

test('Failed fails with reason, message and the failed pods', () => {
  const pods = [podOf('migrate-a', { phase: 'Failed', containers: [{ name: 'app', state: { terminated: { exitCode: 3 } } }] })];
  const v = jobVerdict(job({ failed: 1, conditions: [cond('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')] }), emptyContext({ pods }));
  assert.is(v.state, 'failed');
  assert.is(v.message, 'BackoffLimitExceeded: Job has reached the specified backoff limit (0/1 completed, 1 failed)');
  assert.equal(v.pods.map((p) => p.name), ['migrate-a']);
  assert.match(v.reasons[0] ?? '', 'exited with code 3');
});

test('FailureTarget fails before Failed is set', () => {
  assert.is(jobVerdict(job({ conditions: [cond('FailureTarget', 'BackoffLimitExceeded')] }), emptyContext()).state, 'failed');
});

test('a False condition does not count', () => {
  assert.is(jobVerdict(job({ active: 1, conditions: [{ type: 'Failed', status: 'False' }] }), emptyContext()).state, 'pending');
});

test('running: counts and pending', () => {
  const v = jobVerdict(job({ active: 1 }, { completions: 2 }), emptyContext({ pods: [podOf('m-1', { ready: true })] }));
  assert.is(v.state, 'pending');
  assert.is(v.message, '0/2 completed, 1 running');
});

test('a running pod is just running (Job pods need no readiness)', () => {
  const v = jobVerdict(job({ active: 1 }), emptyContext({ pods: [podOf('m-1', { ready: false })] }));
  assert.equal(v.reasons, ['pod m-1 Running']);
});

test('a crash-looping attempt is left to backoffLimit', () => {
  const v = jobVerdict(job({ active: 1 }), emptyContext({ now: T0 + 60_000, pods: [podOf('m-1', { containers: [crashLooping()] })] }));
  assert.is(v.state, 'pending');
  assert.match(v.reasons[0] ?? '', 'crash-looping');
});

test('an image that cannot be pulled fails the job after the grace', () => {
  const pods = [podOf('m-1', { phase: 'Pending', containers: [waiting('ImagePullBackOff')] })];
  assert.is(jobVerdict(job({ active: 1 }), emptyContext({ now: T0 + 10_000, pods })).state, 'pending');
  const v = jobVerdict(job({ active: 1 }), emptyContext({ now: T0 + 31_000, pods }));
  assert.is(v.state, 'failed');
  assert.is(v.message, 'its pod cannot start');
});

test('a suspended job waits and says so', () => {
  assert.match(jobVerdict(job({}, { suspend: true }), emptyContext()).message, 'suspended');
});

test.run();
