// `eastern agent manifest` against a real API server: every object passes a
// server-side dry run, and once the RBAC is applied the agent's ServiceAccount can do
// exactly what deploys need, where deploys may go (SubjectAccessReview).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { agentManifest } from '../../src/agent/manifest.js';
import { parseAgent } from '../../src/fleet/schema.js';
import type { KubeClient } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { adminClient, uniqueName } from './int-helpers.js';

type Obj = Record<string, any>;

const agentName = uniqueName('rbac');
const home = uniqueName('eastern-home');
const allowedA = uniqueName('allowed-a');
const allowedB = uniqueName('allowed-b');
const other = uniqueName('other');

function manifest(namespaces: string[]) {
  const document = {
    name: agentName,
    environments: ['qa'],
    kubernetes: { namespaces },
    jenkins: { url: 'https://jenkins.example.com/', user: 'u', passwordEnv: 'JENKINS_TOKEN' },
    swarm: { jar: '/opt/swarm/swarm-client.jar', user: 'eastern-build' },
  };
  const { objects } = agentManifest({ agent: parseAgent(JSON.stringify(document), `agents/${agentName}.yaml`), document, image: 'eastern-agent:test' });
  // Each test run lives in its own namespace instead of the shared "eastern".
  return objects
    .filter((o) => !(o.kind === 'Namespace'))
    .map((o) => {
      const copy = structuredClone(o) as Obj;
      if (copy.metadata.namespace === 'eastern') copy.metadata.namespace = home;
      for (const s of copy.subjects ?? []) if (s.namespace === 'eastern') s.namespace = home;
      return copy;
    });
}

async function can(client: KubeClient, verb: string, resource: { group?: string; resource: string; namespace?: string; subresource?: string; name?: string }): Promise<boolean> {
  const review = await client.create({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: {},
    spec: {
      user: `system:serviceaccount:${home}:eastern-agent-${agentName}`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${home}`, 'system:authenticated'],
      resourceAttributes: { verb, group: resource.group ?? '', resource: resource.resource, namespace: resource.namespace, subresource: resource.subresource, name: resource.name },
    },
  } as unknown as KubeObject);
  return (review as unknown as { status?: { allowed?: boolean } }).status?.allowed === true;
}

async function canUrl(client: KubeClient, path: string): Promise<boolean> {
  const review = await client.create({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: {},
    spec: { user: `system:serviceaccount:${home}:eastern-agent-${agentName}`, groups: ['system:serviceaccounts'], nonResourceAttributes: { path, verb: 'get' } },
  } as unknown as KubeObject);
  return (review as unknown as { status?: { allowed?: boolean } }).status?.allowed === true;
}

let client: KubeClient;
const created: Obj[] = [];

test.before(async () => {
  client = await adminClient('kube2');
  for (const ns of [home, allowedA, allowedB, other]) {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } as KubeObject);
  }
});

test.after(async () => {
  for (const o of created.reverse()) {
    await client.delete({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace }).catch(() => undefined);
  }
  for (const ns of [home, allowedA, allowedB, other]) await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns }).catch(() => undefined);
});

test('every object of the manifest passes a server-side dry run', async () => {
  for (const o of manifest([allowedA, allowedB])) {
    const res = await client.apply(o as KubeObject, { dryRun: true });
    assert.ok(res.status >= 200 && res.status < 300, `${o.kind} ${o.metadata.name}: ${res.status}`);
  }
});

test('with a literal allow-list the ServiceAccount deploys in those namespaces only', async () => {
  for (const o of manifest([allowedA, allowedB])) {
    if (o.kind === 'Deployment' || o.kind === 'ConfigMap') continue;
    await client.apply(o as KubeObject);
    created.push(o);
  }
  // RBAC is evaluated on the next request; a short retry covers the informer delay.
  for (let i = 0; i < 50 && !(await can(client, 'patch', { group: 'apps', resource: 'deployments', namespace: allowedA })); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(await can(client, 'patch', { group: 'apps', resource: 'deployments', namespace: allowedA }), 'apply a Deployment where allowed');
  assert.ok(await can(client, 'create', { resource: 'secrets', namespace: allowedB }), 'write release records');
  assert.ok(await can(client, 'update', { group: 'coordination.k8s.io', resource: 'leases', namespace: allowedB }), 'hold the lock');
  assert.ok(await can(client, 'get', { resource: 'pods', subresource: 'log', namespace: allowedA }), 'read failing pods\' logs');
  assert.ok(await can(client, 'watch', { resource: 'events', namespace: allowedA }));
  assert.ok(await can(client, 'get', { resource: 'namespaces', name: allowedA }));
  assert.ok(await canUrl(client, '/version'));
  assert.ok(await canUrl(client, '/apis/apps/v1'));

  assert.not.ok(await can(client, 'patch', { group: 'apps', resource: 'deployments', namespace: other }), 'no rights outside the allow-list');
  assert.not.ok(await can(client, 'create', { resource: 'secrets', namespace: 'kube-system' }));
  assert.not.ok(await can(client, 'get', { resource: 'namespaces', name: other }));
  assert.not.ok(await can(client, 'create', { resource: 'namespaces' }), 'literal lists: namespaces are created beforehand');
  assert.not.ok(await can(client, 'delete', { resource: 'namespaces', name: allowedA }));
  assert.not.ok(await can(client, 'create', { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: allowedA }), 'no RBAC escalation');
  assert.not.ok(await can(client, 'delete', { group: 'apps', resource: 'replicasets', namespace: allowedA }));
});

test.run();
