import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Discovery, type ApiResource } from '../../src/kube/discovery.js';
import { collectObjects, crdDefinitions, placeObjects } from '../../src/deploy/plan.js';
import type { ManifestDocument } from '../../src/template/types.js';

const r = (group: string, version: string, kind: string, plural: string, namespaced = true): ApiResource => ({ group, version, kind, plural, singular: kind.toLowerCase(), shortNames: [], namespaced, verbs: [] });
const discovery = Discovery.fromResources([
  r('', 'v1', 'ConfigMap', 'configmaps'),
  r('', 'v1', 'Namespace', 'namespaces', false),
  r('apps', 'v1', 'Deployment', 'deployments'),
  r('networking.k8s.io', 'v1', 'Ingress', 'ingresses'),
  r('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  r('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false),
]);

let line = 0;
function doc(value: unknown, file = '/p/web/kubernetes.yaml'): ManifestDocument {
  line += 10;
  return { index: line / 10 - 1, outputLine: line, source: { file, line }, value };
}
const format = (loc: { file: string; line: number }) => `${loc.file.replace('/p/', '')}:${loc.line}`;
const cm = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra }, data: {} });
const place = (docs: ManifestDocument[]) => placeObjects(collectObjects(docs, format).drafts, { namespace: 'app', project: 'web', discovery, clusterName: 'kube1' });

test('objects get the target namespace and both Eastern labels; their own labels stay', async () => {
  line = 0;
  const { objects, problems } = await place([doc(cm('a', { labels: { tier: 'x' } }))]);
  assert.equal(problems, []);
  assert.is(objects[0]!.object.metadata.namespace, 'app');
  assert.equal(objects[0]!.object.metadata.labels, { tier: 'x', 'app.kubernetes.io/managed-by': 'eastern', 'eastern.io/project': 'web' });
  assert.is(objects[0]!.location, 'web/kubernetes.yaml:10');
});

test('cluster-scoped objects get no namespace', async () => {
  line = 0;
  const { objects } = await place([doc({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r', namespace: 'app' } })]);
  assert.is(objects[0]!.object.metadata.namespace, undefined);
  assert.is(objects[0]!.resource.namespaced, false);
});

test('every problem is reported with its template file:line, not just the first', async () => {
  line = 0;
  const docs = [
    doc(cm('ok')),
    doc('just a string'),
    doc({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }),
    doc(cm('elsewhere', { namespace: 'other' })),
    doc({ apiVersion: 'extensions/v1beta1', kind: 'Ingress', metadata: { name: 'old' } }),
    doc({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    doc(cm('ok')),
  ];
  const collected = collectObjects(docs, format);
  const placed = await placeObjects(collected.drafts, { namespace: 'app', project: 'web', discovery, clusterName: 'kube1' });
  const all = [...collected.problems, ...placed.problems];
  assert.is(all.length, 6, all.join('\n'));
  assert.match(all.join('\n'), /web\/kubernetes.yaml:20: document 2 is not a Kubernetes object/);
  assert.match(all.join('\n'), /web\/kubernetes.yaml:30: ConfigMap has no metadata.name/);
  assert.match(all.join('\n'), /web\/kubernetes.yaml:40: ConfigMap\/elsewhere names namespace "other" but this deploy targets "app"/);
  assert.match(all.join('\n'), /web\/kubernetes.yaml:50: Ingress\/old: extensions\/v1beta1 Ingress is not served by cluster kube1; it serves Ingress as networking.k8s.io\/v1/);
  assert.match(all.join('\n'), /web\/kubernetes.yaml:60: Widget\/w: example.com\/v1 Widget is not served by cluster kube1, in any version/);
  assert.match(all.join('\n'), /web\/kubernetes.yaml:70: ConfigMap\/ok is defined twice \(first at web\/kubernetes.yaml:10\)/);
});

test('a namespace equal to the target is accepted', async () => {
  line = 0;
  const { problems } = await place([doc(cm('a', { namespace: 'app' }))]);
  assert.equal(problems, []);
});

test('kind: List is flattened, each item located at the list', async () => {
  line = 0;
  const { objects } = await place([doc({ apiVersion: 'v1', kind: 'List', items: [cm('one'), cm('two')] })]);
  assert.equal(objects.map((o) => o.object.metadata.name), ['one', 'two']);
  assert.equal(objects.map((o) => o.location), ['web/kubernetes.yaml:10', 'web/kubernetes.yaml:10']);
});

test('custom resources whose CRD is in the same manifest are accepted and marked', async () => {
  line = 0;
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: { group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets' }, versions: [{ name: 'v1', served: true, storage: true }] },
  };
  const docs = [doc(crd), doc({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })];
  assert.equal([...crdDefinitions(collectObjects(docs, format).drafts).keys()], ['example.com/v1|Widget']);
  const { objects, problems } = await place(docs);
  assert.equal(problems, []);
  assert.is(objects[1]!.viaCrd, true);
  assert.is(objects[1]!.object.metadata.namespace, 'app');
  assert.is(objects[1]!.resource.plural, 'widgets');
});

test('the manifest documents are not modified', async () => {
  line = 0;
  const value = cm('a');
  await place([doc(value)]);
  assert.equal(value.metadata, { name: 'a' });
});

// Discovery lives as long as the process (the agent runs for weeks): a miss asks again once.
function growingCluster() {
  const calls: string[] = [];
  const state = { widgets: false };
  const group = (name: string, resources: unknown[]) => ({ metadata: { name }, versions: [{ version: 'v1', resources }] });
  const fetch = async (path: string) => {
    calls.push(path);
    if (path === '/api') return { kind: 'APIGroupDiscoveryList', items: [group('', [{ resource: 'configmaps', responseKind: { kind: 'ConfigMap' }, scope: 'Namespaced', verbs: [] }])] };
    const items = [
      group('apps', [{ resource: 'deployments', responseKind: { kind: 'Deployment' }, scope: 'Namespaced', verbs: [] }]),
      group('apiextensions.k8s.io', [{ resource: 'customresourcedefinitions', responseKind: { kind: 'CustomResourceDefinition' }, scope: 'Cluster', verbs: [] }]),
    ];
    if (state.widgets) items.push(group('example.com', [{ resource: 'widgets', responseKind: { kind: 'Widget' }, scope: 'Namespaced', verbs: [] }]));
    return { kind: 'APIGroupDiscoveryList', items };
  };
  return { calls, state, fetch };
}
const widget = (name: string) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name } });

test('a kind the cluster started serving after discovery was loaded is found by one refresh', async () => {
  line = 0;
  const cluster = growingCluster();
  const d = await Discovery.load(cluster.fetch);
  cluster.state.widgets = true; // e.g. a CRD installed by someone else since
  const { objects, problems } = await placeObjects(collectObjects([doc(widget('w')), doc(cm('c'))], format).drafts, { namespace: 'app', project: 'web', discovery: d, clusterName: 'kube1' });
  assert.equal(problems, []);
  assert.is(objects[0]!.resource.plural, 'widgets');
  assert.equal(cluster.calls, ['/api', '/apis', '/api', '/apis']);
});

test('a kind that stays unserved: one refresh for the whole manifest, then the error', async () => {
  line = 0;
  const cluster = growingCluster();
  const d = await Discovery.load(cluster.fetch);
  const { problems } = await placeObjects(collectObjects([doc(widget('a')), doc(widget('b'))], format).drafts, { namespace: 'app', project: 'web', discovery: d, clusterName: 'kube1' });
  assert.is(problems.length, 2);
  assert.match(problems[0]!, 'example.com/v1 Widget is not served by cluster kube1');
  assert.is(cluster.calls.length, 4, 'loaded once, refreshed once');
});

test('no miss, or only kinds of a CRD in the same manifest: no refresh', async () => {
  line = 0;
  const cluster = growingCluster();
  const d = await Discovery.load(cluster.fetch);
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: { group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets' }, versions: [{ name: 'v1', served: true }] },
  };
  const place = (docs: ManifestDocument[]) => placeObjects(collectObjects(docs, format).drafts, { namespace: 'app', project: 'web', discovery: d, clusterName: 'kube1' });
  assert.equal((await place([doc(cm('c')), doc({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } })])).problems, []);
  const withCrd = await place([doc(crd), doc(widget('w'))]);
  assert.equal(withCrd.problems, []);
  assert.is(withCrd.objects[1]!.viaCrd, true);
  assert.is(cluster.calls.length, 2, 'discovery was only loaded');
});

test.run();
