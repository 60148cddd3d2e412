import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AGGREGATED_ACCEPT, Discovery, parseAggregated, parseResourceList } from '../../src/kube/discovery.js';

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
  const resources = parseAggregated(aggregatedApis);
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

test.run();
