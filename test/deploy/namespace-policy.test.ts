// The agent's namespace allow-list inside the engine: objects that would be written
// outside it are refused before anything is written, each named by its template line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ValidationError } from '../../src/errors.js';
import type { KubeClient } from '../../src/kube/client.js';
import { prepare, type ManifestInput } from '../../src/deploy/deploy.js';
import { Discovery, type ApiResource } from '../../src/kube/discovery.js';
import { parseManifest } from '../../src/template/index.js';

const r = (group: string, kind: string, plural: string, namespaced = true): ApiResource => ({ group, version: 'v1', kind, plural, singular: kind.toLowerCase(), shortNames: [], namespaced, verbs: [] });
const discovery = Discovery.fromResources([r('', 'ConfigMap', 'configmaps'), r('', 'Namespace', 'namespaces', false), r('rbac.authorization.k8s.io', 'ClusterRole', 'clusterroles', false)]);
// prepare() reads only discovery and the context name from the client.
const client = { discovery: async () => discovery, target: { context: 'kube1' } } as unknown as KubeClient;

function manifest(text: string): ManifestInput {
  const lines = text.replace(/\n$/, '').split('\n');
  const sourceMap = lines.map((_, i) => ({ file: '/p/web/kubernetes.yaml', line: i + 1 }));
  return { text, documents: parseManifest({ text, sourceMap }, '/p'), format: (loc) => `web/kubernetes.yaml:${loc.line}` };
}
const allowed = (ns: string) => ns === 'app' || ns.startsWith('team-');

const ok = manifest('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n');

test('objects inside the allow-list pass', async () => {
  const objects = await prepare(client, ok, 'app', 'web', { namespaceAllowed: allowed });
  assert.equal(objects.map((o) => `${o.object.kind}/${o.object.metadata.namespace ?? '-'}`), ['ConfigMap/app', 'ClusterRole/-']);
});

test('a Namespace object outside the allow-list is refused with its template line', async () => {
  const m = manifest('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-system\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n');
  try {
    await prepare(client, m, 'app', 'web', { namespaceAllowed: allowed });
    assert.unreachable('should refuse');
  } catch (error) {
    assert.instance(error, ValidationError);
    assert.equal((error as ValidationError).problems, ['web/kubernetes.yaml:6: Namespace/kube-system is a namespace that is not allowed here']);
    assert.match((error as Error).message, 'nothing was applied');
  }
});

test('a target namespace outside the allow-list is refused', async () => {
  try {
    await prepare(client, ok, 'kube-system', 'web', { namespaceAllowed: allowed });
    assert.unreachable('should refuse');
  } catch (error) {
    assert.instance(error, ValidationError);
    assert.equal((error as ValidationError).problems, ['the target namespace "kube-system" is not allowed here']);
  }
});

test('an object naming another namespace is refused either way (with or without a policy)', async () => {
  const m = manifest('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: kube-system\n');
  for (const policy of [{}, { namespaceAllowed: allowed }]) {
    try {
      await prepare(client, m, 'app', 'web', policy);
      assert.unreachable('should refuse');
    } catch (error) {
      assert.instance(error, ValidationError);
      assert.match((error as ValidationError).problems.join('\n'), 'web/kubernetes.yaml:1: ConfigMap/a names namespace "kube-system" but this deploy targets "app"');
    }
  }
});

test('without a policy, Namespace objects and any target are accepted (the CLI)', async () => {
  const m = manifest('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-system\n');
  const objects = await prepare(client, m, 'elsewhere', 'web');
  assert.is(objects.length, 1);
});

test.run();
