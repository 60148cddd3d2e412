import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { legacyGroupVersions, parseAggregatedDiscovery, parseResourceList, servedResources } from '../../src/export/discovery.js';

const res = (resource: string, kind: string, scope: string, extra: Record<string, unknown> = {}) =>
  ({ resource, responseKind: { group: '', version: '', kind }, scope, verbs: ['get', 'list'], ...extra });

const aggregatedCore = {
  kind: 'APIGroupDiscoveryList',
  items: [{ metadata: { name: '' }, versions: [{ version: 'v1', resources: [res('services', 'Service', 'Namespaced', { singularResource: 'service', shortNames: ['svc'] }), res('namespaces', 'Namespace', 'Cluster')] }] }],
};
const aggregatedGroups = {
  kind: 'APIGroupDiscoveryList',
  items: [
    {
      metadata: { name: 'autoscaling' },
      versions: [
        { version: 'v2', resources: [res('horizontalpodautoscalers', 'HorizontalPodAutoscaler', 'Namespaced', { shortNames: ['hpa'] })] },
        { version: 'v1', resources: [res('horizontalpodautoscalers', 'HorizontalPodAutoscaler', 'Namespaced'), res('oldonly', 'OldOnly', 'Namespaced')] },
      ],
    },
  ],
};

const discovery = suite('discovery of exportable resources');

discovery('aggregated discovery: the first (preferred) version of a group wins, resources only in older versions stay', () => {
  const out = parseAggregatedDiscovery(aggregatedCore, aggregatedGroups);
  assert.equal(out.map((r) => `${r.group}/${r.version} ${r.kind} ${r.namespaced} ${(r.shortNames ?? []).join('|')}`), [
    '/v1 Service true svc',
    '/v1 Namespace false ',
    'autoscaling/v2 HorizontalPodAutoscaler true hpa',
    'autoscaling/v1 OldOnly true ',
  ]);
});

discovery('legacy discovery: preferredVersion first, subresources skipped', () => {
  assert.equal(legacyGroupVersions({ versions: ['v1'] }, { groups: [{ name: 'batch', versions: [{ version: 'v1beta1' }, { version: 'v1' }], preferredVersion: { version: 'v1' } }] }), [
    { group: '', versions: ['v1'] },
    { group: 'batch', versions: ['v1', 'v1beta1'] },
  ]);
  const list = parseResourceList('', 'v1', { resources: [{ name: 'pods', kind: 'Pod', namespaced: true, verbs: ['list'], shortNames: ['po'] }, { name: 'pods/log', kind: 'Pod', namespaced: true, verbs: ['get'] }] });
  assert.equal(list.map((r) => r.name), ['pods']);
});

discovery('servedResources falls back to legacy documents and ignores a group that fails', async () => {
  const docs: Record<string, unknown> = {
    '/api': { kind: 'APIVersions', versions: ['v1'] },
    '/apis': { kind: 'APIGroupList', groups: [{ name: 'apps', versions: [{ version: 'v1' }], preferredVersion: { version: 'v1' } }, { name: 'metrics.k8s.io', versions: [{ version: 'v1beta1' }] }] },
    '/api/v1': { resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ['list'], shortNames: ['cm'] }] },
    '/apis/apps/v1': { resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true, verbs: ['list'], singularName: 'deployment' }] },
  };
  const out = await servedResources(async (path) => {
    if (!(path in docs)) throw new Error(`503 for ${path}`);
    return docs[path];
  });
  assert.equal(out.map((r) => `${r.group}/${r.version}/${r.kind}`), ['/v1/ConfigMap', 'apps/v1/Deployment']);
});

discovery.run();
