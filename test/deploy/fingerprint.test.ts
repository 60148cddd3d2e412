import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonical, desiredFingerprint, ownedFingerprint, provablyUnchanged, type Fingerprints } from '../../src/deploy/fingerprint.js';
import type { PlannedObject } from '../../src/deploy/plan.js';
import type { KubeObject } from '../../src/kube/objects.js';

test('canonical JSON sorts keys at every depth and leaves arrays in order', () => {
  assert.is(canonical({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } }), '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  assert.is(canonical({ a: 1, skip: undefined }), '{"a":1}');
  assert.is(canonical([undefined, null]), '[null,null]');
  assert.is(canonical('text'), '"text"');
  assert.is(canonical(undefined), 'null');
});

const deployment = (image: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
  spec: { template: { spec: { containers: [{ name: 'web', image }] } } },
});

test('the desired fingerprint ignores key order and sees every value', () => {
  const a = deployment('web:1');
  const b = { spec: a.spec, metadata: { labels: { app: 'web' }, namespace: 'shop', name: 'web' }, kind: 'Deployment', apiVersion: 'apps/v1' } as KubeObject;
  assert.is(desiredFingerprint(a), desiredFingerprint(b));
  assert.is.not(desiredFingerprint(a), desiredFingerprint(deployment('web:2')));
});

const entry = (over: Record<string, unknown> = {}) => ({ manager: 'eastern', operation: 'Apply', apiVersion: 'apps/v1', time: '2026-12-01T10:00:00Z', fieldsV1: { 'f:spec': { 'f:replicas': {} } }, ...over });
const live = (...managedFields: unknown[]): KubeObject => ({ ...deployment('web:1'), metadata: { name: 'web', namespace: 'shop', managedFields } as KubeObject['metadata'] });

test("the owned fingerprint is Eastern's one Apply entry: fields, version and time", () => {
  const base = ownedFingerprint(live(entry(), { manager: 'kube-controller-manager', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': {} } }));
  assert.ok(base);
  // Another manager's entry does not count; Eastern's time, fields or version do.
  assert.is(ownedFingerprint(live(entry())), base);
  assert.is.not(ownedFingerprint(live(entry({ time: '2026-12-01T10:05:00Z' }))), base);
  assert.is.not(ownedFingerprint(live(entry({ fieldsV1: { 'f:spec': {} } }))), base);
  assert.is.not(ownedFingerprint(live(entry({ apiVersion: 'apps/v1beta1' }))), base);
  // Nothing of Eastern's (or an Update by the name "eastern", e.g. kubectl edit --field-manager eastern) proves nothing.
  assert.is(ownedFingerprint(live()), undefined);
  assert.is(ownedFingerprint(live(entry({ operation: 'Update' }))), undefined);
  assert.is(ownedFingerprint(live(entry(), entry({ subresource: 'status' }))), base);
  assert.is(ownedFingerprint(live(entry(), entry({ apiVersion: 'apps/v1beta2' }))), undefined);
});

const planned = (object: KubeObject, viaCrd = false): PlannedObject => ({ object, key: `apps/Deployment/shop/${object.metadata.name}`, viaCrd } as unknown as PlannedObject);

test('an object is skipped only with a record, a live object and both fingerprints equal', () => {
  const desired = planned(deployment('web:1'));
  const current = live(entry());
  const recorded: Fingerprints = { [desired.key]: { desired: desiredFingerprint(desired.object), owned: ownedFingerprint(current) as string } };
  const liveMap = new Map([[desired.key, current]]);
  assert.equal([...provablyUnchanged([desired], liveMap, recorded)], [desired.key]);
  assert.is(provablyUnchanged([desired], liveMap, undefined).size, 0, 'no record');
  assert.is(provablyUnchanged([desired], new Map(), recorded).size, 0, 'deleted by hand');
  assert.is(provablyUnchanged([planned(deployment('web:2'))], liveMap, recorded).size, 0, 'desired content changed');
  assert.is(provablyUnchanged([desired], new Map([[desired.key, live(entry({ time: '2026-12-02T00:00:00Z' }))]]), recorded).size, 0, 'owned fields changed');
  assert.is(provablyUnchanged([planned(deployment('web:1'), true)], liveMap, recorded).size, 0, 'kind of a CRD in the same manifest');
  const crd = planned({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'web' } });
  const crdRecord: Fingerprints = { [crd.key]: { desired: desiredFingerprint(crd.object), owned: ownedFingerprint(current) as string } };
  assert.is(provablyUnchanged([crd], new Map([[crd.key, current]]), crdRecord).size, 0, 'CRDs are always applied');
});

test.run();
