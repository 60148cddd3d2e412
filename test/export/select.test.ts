import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { planExport, summarizeSkipped } from '../../src/export/plan.js';
import { parseKinds, selectResources, type ApiResource } from '../../src/export/select.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { liveDeployment } from './live-objects.js';

const r = (group: string, version: string, kind: string, plural: string, extra: Partial<ApiResource> = {}): ApiResource =>
  ({ group, version, kind, plural, namespaced: true, verbs: ['create', 'get', 'list', 'watch'], singular: kind.toLowerCase(), shortNames: [], ...extra });

const discovered: ApiResource[] = [
  r('', 'v1', 'ConfigMap', 'configmaps', { shortNames: ['cm'] }),
  r('', 'v1', 'Event', 'events', { shortNames: ['ev'] }),
  r('events.k8s.io', 'v1', 'Event', 'events'),
  r('', 'v1', 'Endpoints', 'endpoints', { shortNames: ['ep'] }),
  r('', 'v1', 'Pod', 'pods', { shortNames: ['po'] }),
  r('', 'v1', 'Service', 'services', { shortNames: ['svc'] }),
  r('', 'v1', 'Binding', 'bindings', { verbs: ['create'] }),
  r('', 'v1', 'Namespace', 'namespaces', { namespaced: false }),
  r('apps', 'v1', 'Deployment', 'deployments', { shortNames: ['deploy'] }),
  r('apps', 'v1', 'ControllerRevision', 'controllerrevisions'),
  r('coordination.k8s.io', 'v1', 'Lease', 'leases'),
  r('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices'),
  r('authorization.k8s.io', 'v1', 'LocalSubjectAccessReview', 'localsubjectaccessreviews', { verbs: ['create'] }),
];

const kinds = suite('which kinds are exported');

kinds('every namespaced listable kind except the generated ones, sorted by group and kind', () => {
  assert.equal(selectResources(discovered).map((x) => `${x.group}/${x.kind}`), ['/ConfigMap', '/Pod', '/Service', 'apps/Deployment']);
});

kinds('--kinds matches kinds, plurals, short names and kind.group, case-insensitively', () => {
  assert.equal(selectResources(discovered, parseKinds('Deployment,svc configmaps')).map((x) => x.kind), ['ConfigMap', 'Service', 'Deployment']);
  assert.equal(selectResources(discovered, ['deployment.apps']).map((x) => x.kind), ['Deployment']);
  assert.equal(selectResources(discovered, ['events']).map((x) => x.group), ['']);
  assert.equal(selectResources(discovered, ['events.events.k8s.io']).map((x) => x.group), ['events.k8s.io']);
});

kinds('an unknown kind is a usage error that lists what exists', () => {
  try {
    selectResources(discovered, ['deployment', 'widgets']);
    assert.unreachable('should have thrown');
  } catch (error: any) {
    assert.is(error.exitCode, 64);
    assert.match(error.message, /"widgets" is not a namespaced kind/);
    assert.match(error.fix, /configmap, pod, service, deployment/);
  }
});

kinds.run();

const objects = suite('which objects are exported');

const owned = (kind: string, name: string, ownerKind: string): KubeObject => ({
  apiVersion: kind === 'ReplicaSet' ? 'apps/v1' : 'v1', kind,
  metadata: { name, ownerReferences: [{ apiVersion: 'apps/v1', kind: ownerKind, name: 'web', uid: 'x', controller: true }] },
});

objects('controllers\' children, cluster-made objects and Secrets are skipped, with reasons', () => {
  const listed: KubeObject[] = [
    liveDeployment(),
    owned('ReplicaSet', 'web-5d8f', 'Deployment'),
    owned('Pod', 'web-5d8f-abcde', 'ReplicaSet'),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': 'x' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, type: 'Opaque', data: { p: 'cGFzcw==' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-token' }, type: 'kubernetes.io/service-account-token', data: { token: 'eA==' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'going', deletionTimestamp: '2025-01-01T00:00:00Z' } },
  ];
  const plan = planExport(listed);
  assert.equal(plan.objects.map((o) => `${o.kind}/${o.metadata.name}`), ['Deployment/web', 'ConfigMap/settings', 'ServiceAccount/app']);
  assert.equal(plan.skipped.map((s) => `${s.object}: ${s.reason}`), [
    'replicaset/web-5d8f: created by Deployment/web',
    'pod/web-5d8f-abcde: created by ReplicaSet/web',
    'configmap/kube-root-ca.crt: cluster CA bundle, created in every namespace',
    'serviceaccount/default: default ServiceAccount, created in every namespace',
    'secret/db: Secret (use --include-secrets)',
    'secret/app-token: service-account token',
    'configmap/going: being deleted',
  ]);
  assert.is(summarizeSkipped(plan.skipped), '2 made by controllers, 2 made by the cluster, 1 Secrets (add --include-secrets), 1 service-account tokens, 1 being deleted');
  const withSecrets = planExport(listed, { includeSecrets: true });
  assert.equal(withSecrets.objects.filter((o) => o.kind === 'Secret').map((o) => [o.metadata.name, (o as any).type, (o as any).data]), [['db', undefined, { p: 'cGFzcw==' }]]);
});

objects('claims of StatefulSets, finished Jobs and Eastern records are skipped; HPA targets lose replicas', () => {
  const listed: KubeObject[] = [
    { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { replicas: 2, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }] } },
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data-db-0' }, spec: {} },
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data-db-x' }, spec: {} },
    { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'done' }, spec: {}, status: { conditions: [{ type: 'Complete', status: 'True' }] } },
    { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'running' }, spec: {}, status: { active: 1 } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'record', labels: { 'eastern.io/release': 'x' } } },
    { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'db' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' }, maxReplicas: 4 } },
  ];
  const plan = planExport(listed, { isEasternRecord: (o) => o.metadata.labels?.['eastern.io/release'] !== undefined });
  assert.equal(plan.objects.map((o) => `${o.kind}/${o.metadata.name}`), ['StatefulSet/db', 'PersistentVolumeClaim/data-db-x', 'Job/running', 'HorizontalPodAutoscaler/db']);
  assert.is((plan.objects[0] as any).spec.replicas, undefined);
  assert.equal(plan.skipped.map((s) => s.reason), [
    'claim of StatefulSet/db, recreated from its volumeClaimTemplates',
    'finished Job (name --kinds job to include)',
    'Eastern release record or lock',
  ]);
  const named = planExport(listed, { namedKinds: new Set(['job']) });
  assert.ok(named.objects.some((o) => o.metadata.name === 'done'));
});

objects.run();
