import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AGGREGATED_ACCEPT, Discovery, parseAggregated, parseLegacyGroups, parseResourceList } from '../../src/kube/discovery.js';

const aggregatedApis = {
  kind: 'APIGroupDiscoveryList',
  apiVersion: 'apidiscovery.k8s.io/v2',
  items: [
    {
      metadata: { name: 'apps' },
      versions: [{ version: 'v1', resources: [{ resource: 'deployments', responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' }, scope: 'Namespaced', verbs: ['get', 'patch'] }] }],
    },
    {
      metadata: { name: 'rbac.authorization.k8s.io' },
      versions: [{ version: 'v1', resources: [{ resource: 'clusterroles', responseKind: { kind: 'ClusterRole' }, scope: 'Cluster', verbs: ['get'] }] }],
    },
  ],
};
const aggregatedCore = {
  kind: 'APIGroupDiscoveryList',
  items: [{ metadata: {}, versions: [{ version: 'v1', resources: [{ resource: 'configmaps', responseKind: { kind: 'ConfigMap' }, scope: 'Namespaced', verbs: [] }] }] }],
};

test('reads aggregated discovery documents', () => {
  const { resources } = parseAggregated(aggregatedApis);
  assert.equal(resources.map((r) => `${r.group}/${r.version} ${r.kind} ${r.plural} ${r.namespaced}`), ['apps/v1 Deployment deployments true', 'rbac.authorization.k8s.io/v1 ClusterRole clusterroles false']);
});

test('one round trip on an aggregated cluster answers every lookup', async () => {
  const calls: string[] = [];
  const d = await Discovery.load(async (path, accept) => {
    calls.push(path);
    assert.is(accept, AGGREGATED_ACCEPT);
    return path === '/api' ? aggregatedCore : aggregatedApis;
  });
  assert.is((await d.resolve('apps/v1', 'Deployment'))?.plural, 'deployments');
  assert.is((await d.resolve('v1', 'ConfigMap'))?.namespaced, true);
  assert.is(await d.resolve('apps/v1beta1', 'Deployment'), undefined);
  assert.equal(await d.servedVersionsOf('Deployment'), ['apps/v1']);
  assert.equal(calls.sort(), ['/api', '/apis']);
});

test('falls back to legacy discovery, fetching only the group versions asked for', async () => {
  const calls: string[] = [];
  const docs: Record<string, unknown> = {
    '/api': { kind: 'APIVersions', versions: ['v1'] },
    '/apis': { kind: 'APIGroupList', groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }] }, { name: 'batch', versions: [{ groupVersion: 'batch/v1', version: 'v1' }] }] },
    '/apis/apps/v1': { kind: 'APIResourceList', groupVersion: 'apps/v1', resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true, verbs: [] }, { name: 'deployments/status', kind: 'Deployment', namespaced: true }] },
    '/apis/batch/v1': { kind: 'APIResourceList', resources: [{ name: 'jobs', kind: 'Job', namespaced: true }] },
    '/api/v1': { kind: 'APIResourceList', resources: [{ name: 'namespaces', kind: 'Namespace', namespaced: false }] },
  };
  const d = await Discovery.load(async (path) => {
    calls.push(path);
    return docs[path];
  });
  assert.is((await d.resolve('apps/v1', 'Deployment'))?.plural, 'deployments');
  assert.not.ok(calls.includes('/apis/batch/v1'), 'batch not fetched');
  assert.is(await d.resolve('nothere/v1', 'X'), undefined);
  assert.equal(await d.servedVersionsOf('Job'), ['batch/v1']);
});

test('subresources are not resources', () => {
  const list = parseResourceList('apps/v1', { resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true }, { name: 'deployments/scale', kind: 'Scale', namespaced: true }] });
  assert.equal(list.map((r) => r.plural), ['deployments']);
});


const res = (resource: string, kind: string, scope: string, extra: Record<string, unknown> = {}) =>
  ({ resource, responseKind: { group: '', version: '', kind }, scope, verbs: ['get', 'list'], ...extra });

test('preferred(): the first version of a group wins, resources only in older versions stay, with their kubectl names', async () => {
  const core = { kind: 'APIGroupDiscoveryList', items: [{ metadata: { name: '' }, versions: [{ version: 'v1', resources: [res('services', 'Service', 'Namespaced', { singularResource: 'service', shortNames: ['svc'] }), res('namespaces', 'Namespace', 'Cluster')] }] }] };
  const groups = {
    kind: 'APIGroupDiscoveryList',
    items: [{
      metadata: { name: 'autoscaling' },
      versions: [
        { version: 'v2', resources: [res('horizontalpodautoscalers', 'HorizontalPodAutoscaler', 'Namespaced', { shortNames: ['hpa'] })] },
        { version: 'v1', resources: [res('horizontalpodautoscalers', 'HorizontalPodAutoscaler', 'Namespaced'), res('oldonly', 'OldOnly', 'Namespaced')] },
      ],
    }],
  };
  const d = await Discovery.load(async (path) => (path === '/api' ? core : groups));
  assert.equal((await d.preferred()).map((r) => `${r.group}/${r.version} ${r.kind} ${r.namespaced} ${r.singular} ${r.shortNames.join('|')}`), [
    '/v1 Service true service svc',
    '/v1 Namespace false namespace ',
    'autoscaling/v2 HorizontalPodAutoscaler true horizontalpodautoscaler hpa',
    'autoscaling/v1 OldOnly true oldonly ',
  ]);
});

test('legacy discovery: preferredVersion first, subresources skipped', () => {
  assert.equal(parseLegacyGroups({ versions: ['v1'] }, { groups: [{ name: 'batch', versions: [{ version: 'v1beta1' }, { version: 'v1' }], preferredVersion: { version: 'v1' } }] }), [
    { group: '', versions: ['v1'] },
    { group: 'batch', versions: ['v1', 'v1beta1'] },
  ]);
  const list = parseResourceList('v1', { resources: [{ name: 'pods', kind: 'Pod', namespaced: true, verbs: ['list'], shortNames: ['po'] }, { name: 'pods/log', kind: 'Pod', namespaced: true, verbs: ['get'] }] });
  assert.equal(list.map((r) => `${r.plural} ${r.shortNames.join('|')}`), ['pods po']);
});

test('preferred() on a legacy cluster reads every group version and leaves out one that fails', async () => {
  const docs: Record<string, unknown> = {
    '/api': { kind: 'APIVersions', versions: ['v1'] },
    '/apis': { kind: 'APIGroupList', groups: [{ name: 'apps', versions: [{ version: 'v1' }], preferredVersion: { version: 'v1' } }, { name: 'metrics.k8s.io', versions: [{ version: 'v1beta1' }] }] },
    '/api/v1': { resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ['list'], shortNames: ['cm'] }] },
    '/apis/apps/v1': { resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true, verbs: ['list'], singularName: 'deployment' }] },
  };
  const d = await Discovery.load(async (path) => {
    if (!(path in docs)) throw new Error(`503 for ${path}`);
    return docs[path];
  });
  assert.equal((await d.preferred()).map((r) => `${r.group}/${r.version}/${r.kind}`), ['/v1/ConfigMap', 'apps/v1/Deployment']);
});

test.run();
