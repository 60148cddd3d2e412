import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffObjects, formatObjectDiff, normalizeForDiff, showValue } from '../../src/deploy/diff.js';
import type { KubeObject } from '../../src/kube/objects.js';

function deployment(image: string, replicas = 2, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'app', resourceVersion: '10', generation: 3, uid: 'u1', managedFields: [{ manager: 'eastern' }], labels: { app: 'web' } },
    spec: {
      replicas,
      template: { spec: { containers: [{ name: 'web', image, env: [{ name: 'A', value: '1' }] }, { name: 'sidecar', image: 'proxy:1' }] } },
      ...extra,
    },
    status: { readyReplicas: 2 },
  };
}

test('server bookkeeping is not a difference', () => {
  const live = deployment('web:1');
  const desired = deployment('web:1');
  desired.metadata.resourceVersion = '11';
  desired.metadata.generation = 4;
  desired.metadata.managedFields = [{ manager: 'eastern', time: 'later' }];
  desired.status = { readyReplicas: 0 };
  assert.equal(diffObjects(live, desired).changes, []);
});

test('containers are compared by name, so the path names the container', () => {
  const d = diffObjects(deployment('web:1'), deployment('web:2'));
  assert.equal(d.changes, [{ path: 'spec.template.spec.containers[name=web].image', op: 'change', before: 'web:1', after: 'web:2' }]);
});

test('added, removed and changed fields each get a path', () => {
  const live = deployment('web:1', 2, { paused: true });
  const desired = deployment('web:1', 3, { minReadySeconds: 5 });
  desired.metadata.labels = { app: 'web', 'app.kubernetes.io/managed-by': 'eastern' };
  const d = diffObjects(live, desired);
  assert.equal(
    d.changes.map((c) => `${c.op} ${c.path}`),
    ['add metadata.labels["app.kubernetes.io/managed-by"]', 'add spec.minReadySeconds', 'remove spec.paused', 'change spec.replicas'],
  );
});

test('lists without names are compared by index', () => {
  const live: KubeObject = { apiVersion: 'v1', kind: 'X', metadata: { name: 'x' }, spec: { args: ['a', 'b'] } };
  const desired: KubeObject = { apiVersion: 'v1', kind: 'X', metadata: { name: 'x' }, spec: { args: ['a', 'c', 'd'] } };
  assert.equal(diffObjects(live, desired).changes.map((c) => `${c.op} ${c.path}`), ['change spec.args[1]', 'add spec.args[2]']);
});

test('Secret data is counted, never shown', () => {
  const live: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', labels: { a: '1' } }, data: { user: 'YWRtaW4=', password: 'b2xk', gone: 'eA==' } };
  const desired: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', labels: { a: '2' } }, data: { user: 'YWRtaW4=', password: 'bmV3', added: 'eQ==' } };
  const d = diffObjects(live, desired);
  assert.is(d.secretKeysChanged, 3);
  const text = formatObjectDiff(d).join('\n');
  assert.ok(text.includes('(3 keys changed)'));
  assert.ok(text.includes('metadata.labels.a'));
  for (const secret of ['b2xk', 'bmV3', 'eA==', 'eQ==', 'old', 'new']) assert.not.ok(text.includes(secret), `leaked ${secret}`);
});

test('stringData counts as the data it becomes', () => {
  const live: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: Buffer.from('same').toString('base64') } };
  const desired: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'same' } };
  assert.is(diffObjects(live, desired).secretKeysChanged, 0);
});

test('normalizing keeps the object itself untouched', () => {
  const live = deployment('web:1');
  normalizeForDiff(live);
  assert.is(live.metadata.resourceVersion, '10');
  assert.ok(live.status);
});

test('long and multi-line values are shortened', () => {
  assert.is(showValue('a\nb\nc'), '"a…" (3 lines)');
  assert.ok(showValue('x'.repeat(200)).length <= 71);
  assert.is(showValue(3), '3');
});

test.run();
