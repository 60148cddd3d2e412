// The error a finished deploy ends with: only the reasons, one line per failed
// object. Events and log tails were already logged by the rollout watcher; they
// must not be printed a second time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ExitCode, RolloutFailedError, RolloutTimeoutError } from '../../src/errors.js';
import { reportError, type DeployReport } from '../../src/deploy/deploy.js';
import type { RolloutResult } from '../../src/rollout/index.js';

const noise = ['events of pod web-1:', '  Warning BackOff: Back-off restarting failed container', 'log of pod web-1 container app (last 25 lines):', '  | panic: boom'];

function failure(kind: string, name: string, reason: string, source?: string): RolloutResult['failures'][number] {
  return { target: { apiVersion: 'apps/v1', kind, name, namespace: 'ns', ...(source && { source }) }, reason, details: noise };
}

function report(outcome: DeployReport['outcome'], failures: RolloutResult['failures'], extra: Partial<DeployReport> = {}): DeployReport {
  return {
    project: 'web',
    namespace: 'ns',
    context: 'kube1',
    revision: 4,
    outcome,
    objects: [],
    pruned: [],
    durationMs: 1,
    rollout: { outcome: outcome === 'deployed' ? 'succeeded' : outcome, summary: 'the watcher summary', failures, objects: [], elapsedMs: 1 },
    ...extra,
  };
}

test('a deployed report is no error', () => {
  assert.is(reportError(report('deployed', [])), undefined);
});

test('one failed object: its reason is the message, with the template line; no events or logs', () => {
  const error = reportError(report('failed', [failure('Deployment', 'web', 'container app is in CrashLoopBackOff', 'kubernetes.yaml:3')]))!;
  assert.instance(error, RolloutFailedError);
  assert.is(error.exitCode, ExitCode.rolloutFailed);
  assert.is(error.message, 'revision 4 of web failed to roll out: Deployment/web (kubernetes.yaml:3): container app is in CrashLoopBackOff');
  assert.equal(error.detailLines, []);
  const text = error.describe();
  for (const line of noise) assert.not.match(text, line.trim());
  assert.is(text.split('\n').filter((l) => l.includes('CrashLoopBackOff')).length, 1, 'the reason once');
});

test('several failed objects: a count, then one line each', () => {
  const error = reportError(report('failed', [failure('Deployment', 'web', 'crash', 'a.yaml:1'), failure('StatefulSet', 'db', 'image pull', 'a.yaml:20')]))!;
  assert.is(error.message, 'revision 4 of web failed to roll out: 2 objects failed');
  assert.equal(error.detailLines, ['Deployment/web (a.yaml:1): crash', 'StatefulSet/db (a.yaml:20): image pull']);
  assert.not.match(error.describe(), 'panic: boom');
});

test('a timeout: exit 2, the same shape', () => {
  const error = reportError(report('timeout', [failure('Deployment', 'web', 'timed out after 5s: 1/2 pods available')]))!;
  assert.instance(error, RolloutTimeoutError);
  assert.is(error.exitCode, ExitCode.timeout);
  assert.is(error.message, 'revision 4 of web did not finish rolling out in time: Deployment/web: timed out after 5s: 1/2 pods available');
  assert.equal(error.detailLines, []);
});

test('a rollback done by --rollback-on-failure is one more line', () => {
  const error = reportError(report('failed', [failure('Deployment', 'web', 'crash')], { rollback: { revision: 5, of: 3, outcome: 'deployed' } }))!;
  assert.equal(error.detailLines, ['rolled back to revision 3 as revision 5: succeeded']);
  assert.match(error.fix ?? '', 'deploy again');
  assert.not.match(error.fix ?? '', 'eastern rollback');
});

test('no per-object failures (e.g. the watcher gave only a summary): the summary is the message', () => {
  const error = reportError(report('failed', []))!;
  assert.is(error.message, 'revision 4 of web failed to roll out: the watcher summary');
  assert.match(error.fix ?? '', 'eastern rollback web ns');
});

test.run();
