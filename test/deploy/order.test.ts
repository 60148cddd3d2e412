import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LAST_TIER, applyTiers, deleteTiers, tierOf } from '../../src/deploy/order.js';

const kinds = (tiers: { kind: string }[][]) => tiers.map((t) => t.map((o) => o.kind));

test('namespaces and CRDs come before RBAC, config, services and workloads', () => {
  const order = ['Namespace', 'CustomResourceDefinition', 'ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap', 'Service', 'Deployment', 'HorizontalPodAutoscaler', 'Ingress'];
  for (let i = 1; i < order.length; i++) {
    assert.ok(tierOf(order[i - 1]!) < tierOf(order[i]!), `${order[i - 1]} before ${order[i]}`);
  }
});

test('StorageClass precedes PersistentVolume precedes PersistentVolumeClaim precedes workloads', () => {
  assert.ok(tierOf('StorageClass') < tierOf('PersistentVolume'));
  assert.ok(tierOf('PersistentVolume') < tierOf('PersistentVolumeClaim'));
  assert.ok(tierOf('PersistentVolumeClaim') < tierOf('StatefulSet'));
});

test('unknown kinds (custom resources) go last', () => {
  assert.is(tierOf('Certificate'), LAST_TIER);
  assert.ok(tierOf('Ingress') < LAST_TIER);
});

test('groups objects by tier, keeping manifest order inside a tier', () => {
  const objects = [
    { kind: 'Deployment', n: 1 },
    { kind: 'Widget', n: 2 },
    { kind: 'ConfigMap', n: 3 },
    { kind: 'StatefulSet', n: 4 },
    { kind: 'Secret', n: 5 },
    { kind: 'Namespace', n: 6 },
  ];
  assert.equal(kinds(applyTiers(objects, (o) => o.kind)), [['Namespace'], ['ConfigMap', 'Secret'], ['Deployment', 'StatefulSet'], ['Widget']]);
});

test('deletion runs the tiers in reverse', () => {
  const objects = [{ kind: 'Namespace' }, { kind: 'Deployment' }, { kind: 'ConfigMap' }];
  assert.equal(kinds(deleteTiers(objects, (o) => o.kind)), [['Deployment'], ['ConfigMap'], ['Namespace']]);
});

test.run();
