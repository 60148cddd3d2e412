import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { driftFor, driftForObject } from '../../src/drift/compute.js';
import type { KubeObject } from '../../src/kube/objects.js';

const T0 = '2025-01-01T10:00:00Z';
const BEFORE = '2025-01-01T09:00:00Z';
const AFTER = '2025-01-01T11:00:00Z';

function deployment(overrides: { replicas?: number; env?: { name: string; value: string }[]; cpu?: string; labels?: Record<string, string> } = {}): KubeObject {
  const container: Record<string, unknown> = { name: 'web', image: 'nginx:1.27', resources: { requests: { cpu: overrides.cpu ?? '500m' } } };
  if (overrides.env) container.env = overrides.env;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', labels: overrides.labels ?? { app: 'web', tier: 'front' } },
    spec: {
      replicas: overrides.replicas ?? 2,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container] } },
    },
  };
}

const easternApply = (fieldsV1: unknown, time = T0) => ({ manager: 'eastern', operation: 'Apply', apiVersion: 'apps/v1', time, fieldsType: 'FieldsV1', fieldsV1 });

const easternDeploymentFields = (opts: { replicas?: boolean; tier?: boolean } = {}) => ({
  'f:metadata': { 'f:labels': { 'f:app': {}, ...(opts.tier === false ? {} : { 'f:tier': {} }) } },
  'f:spec': {
    ...(opts.replicas === false ? {} : { 'f:replicas': {} }),
    'f:selector': {},
    'f:template': {
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:containers': {
          'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:resources': { 'f:requests': { 'f:cpu': {} } } },
        },
      },
    },
  },
});

function withFields(object: KubeObject, managedFields: unknown[]): KubeObject {
  return { ...object, metadata: { ...object.metadata, managedFields } };
}

const drift = suite('drift of one object');

drift('a kubectl scale after the release shows up with the field, both values and the manager', () => {
  const live = withFields(deployment({ replicas: 5 }), [
    easternApply(easternDeploymentFields({ replicas: false })),
    { manager: 'kubectl-scale', operation: 'Update', apiVersion: 'apps/v1', time: AFTER, subresource: 'scale', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
    { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'apps/v1', time: AFTER, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': { '.': {}, 'f:deployment.kubernetes.io/revision': {} } } } },
    { manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'apps/v1', time: AFTER, subresource: 'status', fieldsType: 'FieldsV1', fieldsV1: { 'f:status': { 'f:replicas': {} } } },
  ]);
  const entries = driftForObject({ live, released: deployment({ replicas: 2 }) });
  assert.equal(entries, [
    { object: 'deployment/web', ref: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' }, path: 'spec.replicas', change: 'changed', managers: ['kubectl-scale'], released: 2, live: 5, time: AFTER },
  ]);
});

drift('an env var added with kubectl set env is one entry for the whole list element', () => {
  const live = withFields(deployment({ env: [{ name: 'LOG', value: 'debug' }] }), [
    easternApply(easternDeploymentFields()),
    {
      manager: 'kubectl-set', operation: 'Update', apiVersion: 'apps/v1', time: AFTER, fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:env': { '.': {}, 'k:{"name":"LOG"}': { '.': {}, 'f:name': {}, 'f:value': {} } } } } } } } },
    },
  ]);
  const entries = driftForObject({ live, released: deployment() });
  assert.is(entries.length, 1);
  assert.is(entries[0]?.path, 'spec.template.spec.containers[name=web].env[name=LOG]');
  assert.is(entries[0]?.change, 'added');
  assert.equal(entries[0]?.live, { name: 'LOG', value: 'debug' });
  assert.equal(entries[0]?.managers, ['kubectl-set']);
});

drift('writes before the last Eastern apply, by controllers, and server normalisation are not drift', () => {
  const live = withFields(deployment({ cpu: '500m' }), [
    { manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'apps/v1', time: BEFORE, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:note': {} } }, 'f:spec': { 'f:paused': {} } } },
    easternApply(easternDeploymentFields()),
    { manager: 'kube-scheduler', operation: 'Update', apiVersion: 'apps/v1', time: AFTER, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:priority': {} } } } } },
  ]);
  assert.equal(driftForObject({ live, released: deployment({ cpu: '0.5' }) }), []);
});

drift('a change by a manager in the same second as the apply still counts', () => {
  const live = withFields(deployment({ replicas: 3 }), [
    easternApply(easternDeploymentFields({ replicas: false })),
    { manager: 'kubectl-edit', operation: 'Update', apiVersion: 'apps/v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
  ]);
  assert.equal(driftForObject({ live, released: deployment() }).map((e) => `${e.path} ${e.managers.join()}`), ['spec.replicas kubectl-edit']);
});

drift('a field removed by someone else is reported removed, naming who wrote the object since', () => {
  const live = withFields(deployment({ labels: { app: 'web' } }), [
    easternApply(easternDeploymentFields({ tier: false })),
    { manager: 'kubectl-edit', operation: 'Update', apiVersion: 'apps/v1', time: AFTER, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:kubectl.kubernetes.io/last-applied-configuration': {} } } } },
  ]);
  const entries = driftForObject({ live, released: deployment() });
  assert.equal(entries.map((e) => [e.path, e.change, e.released, e.live, e.managers, e.inferred]), [
    ['metadata.labels.tier', 'removed', 'front', undefined, ['kubectl-edit'], true],
  ]);
});

drift('Secret values are masked: one entry per object with the number of keys', () => {
  const secret = (password: string, user: string): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, data: { password, user } });
  const live = withFields(secret('bmV3LXBhc3N3b3Jk', 'cm9vdA=='), [
    { manager: 'eastern', operation: 'Apply', apiVersion: 'v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } },
    { manager: 'kubectl-edit', operation: 'Update', apiVersion: 'v1', time: AFTER, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:password': {}, 'f:user': {} } } },
  ]);
  const entries = driftForObject({ live, released: secret('b2xkLXBhc3N3b3Jk', 'YWRtaW4=') });
  assert.equal(entries.map((e) => [e.object, e.path, e.masked, e.managers]), [['secret/db', 'data', '2 keys changed', ['kubectl-edit']]]);
  const text = JSON.stringify(entries);
  for (const value of ['bmV3LXBhc3N3b3Jk', 'cm9vdA==', 'b2xkLXBhc3N3b3Jk', 'YWRtaW4=']) assert.not.ok(text.includes(value), `leaked ${value}`);
});

drift('a Service port list matched by its keys even when the manifest omits protocol', () => {
  const svc = (targetPort: number): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort, protocol: 'TCP' }] } });
  const released: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } };
  const live = withFields(svc(9090), [
    { manager: 'eastern', operation: 'Apply', apiVersion: 'v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:selector': {}, 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {} } } } } },
    { manager: 'kubectl-patch', operation: 'Update', apiVersion: 'v1', time: AFTER, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { 'f:targetPort': {} } } } } },
  ]);
  const entries = driftForObject({ live, released });
  assert.equal(entries.map((e) => [e.path, e.released, e.live, e.managers]), [['spec.ports[port=80,protocol=TCP].targetPort', 8080, 9090, ['kubectl-patch']]]);
});

drift.run();

const project = suite('drift of a project');

project('objects of the release that are gone are missing; matching objects are clean', () => {
  const live = withFields(deployment(), [easternApply(easternDeploymentFields())]);
  const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } };
  const entries = driftFor([], [live], { revision: 3, time: T0, objects: [deployment(), cm] }, 'shop');
  assert.equal(entries.map((e) => [e.object, e.change, e.ref.namespace]), [['configmap/settings', 'missing', 'shop']]);
});

project('objects of the new manifest that Eastern applied before are checked even without a release entry', () => {
  const live = withFields(deployment({ replicas: 4 }), [
    easternApply(easternDeploymentFields({ replicas: false })),
    { manager: 'kubectl-scale', operation: 'Update', apiVersion: 'apps/v1', time: AFTER, subresource: 'scale', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
  ]);
  const foreign = withFields({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: 'shop' }, data: { a: '1' } }, [
    { manager: 'kubectl-edit', operation: 'Update', apiVersion: 'v1', time: AFTER, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } },
  ]);
  const desiredOther: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other' }, data: { a: '2' } };
  const entries = driftFor([deployment(), desiredOther], [live, foreign], undefined, 'shop');
  assert.equal(entries.map((e) => `${e.object} ${e.path} ${e.change} ${e.managers}`), ['deployment/web spec.replicas changed kubectl-scale']);
});

project.run();
