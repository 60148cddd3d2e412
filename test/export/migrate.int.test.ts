// Migration on the local clusters: a namespace deployed with plain `kubectl apply`
// (no Eastern; written here through the API the way kubectl writes it) on kube1 is
// exported, reviewed with `eastern diff` against kube2, deployed there with
// `eastern deploy`, compared object by object, and exported again from kube2 to the
// very same files.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanObject } from '../../src/export/clean.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { client, get } from '../kube/helpers.js';
import { createLikeKubectlApply, createNamespace, deleteNamespace, eastern, getObject, repoRoot, show, uniqueName, waitFor } from './kube-helpers.js';

const fixture = join(repoRoot, 'test', 'export', 'fixtures', 'plain-app.yaml');
const SECRET_VALUE = 's3cr3t-migration-value';
const SECRET_B64 = Buffer.from(SECRET_VALUE).toString('base64');

const source = uniqueName('mig-src');
const target = uniqueName('mig-dst');
const work = mkdtempSync(join(tmpdir(), 'eastern-migrate-'));
// The folder name is the project name of the deploy: lower-case, like a real one.
const first = join(work, 'one', 'shop');
const second = join(work, 'two', 'shop');

const EXPECTED_FILES = [
  'configmap-shop-settings.yaml', 'cronjob-shop-report.yaml', 'deployment-shop.yaml', 'horizontalpodautoscaler-shop-cache.yaml',
  'ingress-shop.yaml', 'kubernetes.yaml', 'networkpolicy-shop.yaml', 'poddisruptionbudget-shop.yaml', 'role-shop-reader.yaml',
  'rolebinding-shop-reader.yaml', 'service-shop-headless.yaml', 'service-shop-nodeport.yaml', 'service-shop.yaml',
  'serviceaccount-shop.yaml', 'statefulset-cache.yaml',
];

/**
 * What `kubectl rollout status` waits for: the controller has seen the latest spec,
 * every replica is updated and available, and no old replica is left.
 */
async function rolledOut(context: 'kube1' | 'kube2', namespace: string, name: string): Promise<boolean> {
  const d = await get(context, 'apps/v1', 'Deployment', namespace, name) as any;
  if (!d) return false;
  const s = d.status ?? {};
  const progressing = (s.conditions ?? []).find((c: any) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') throw new Error(`deployment ${name} exceeded its progress deadline`);
  const updated = s.updatedReplicas ?? 0;
  return (s.observedGeneration ?? 0) >= d.metadata.generation && updated >= (d.spec.replicas ?? 1) && (s.replicas ?? 0) <= updated && (s.availableReplicas ?? 0) >= updated;
}

const migrate = suite('migrating a kubectl-deployed namespace from kube1 to kube2');

migrate.before(async () => {
  await createNamespace('kube1', source);
  await createLikeKubectlApply('kube1', source, fixture);
  // Let the controllers make their children (ReplicaSets, Pods, EndpointSlices): the export must leave them out.
  await waitFor('Deployment shop rolled out', () => rolledOut('kube1', source, 'shop'), 90_000);
  const c = await client('kube1');
  await waitFor('EndpointSlices of Service shop', async () => (await c.list('discovery.k8s.io/v1', 'EndpointSlice', { namespace: source })).items.length > 0);
});

migrate.after(async () => {
  await deleteNamespace('kube1', source);
  await deleteNamespace('kube2', target);
  rmSync(work, { recursive: true, force: true });
});

migrate('export writes one clean file per object and a top-level template; Secrets stay out', async () => {
  const r = await eastern(['export', source, '-c', 'kube1', '--out', first]);
  assert.is(r.code, 0, show(r));
  assert.equal(readdirSync(first).sort(), EXPECTED_FILES);
  const all = EXPECTED_FILES.map((f) => readFileSync(join(first, f), 'utf8')).join('\n');
  for (const noise of ['uid:', 'resourceVersion', 'managedFields', 'creationTimestamp', 'status:', 'clusterIP: 10.', 'last-applied-configuration', 'nodePort', 'terminationMessagePath', 'namespace:']) {
    assert.not.ok(all.includes(noise), `"${noise}" left in the export`);
  }
  assert.ok(all.includes('clusterIP: None'), 'the headless Service must stay headless');
  assert.not.ok(all.includes(SECRET_B64) || all.includes(SECRET_VALUE), 'a Secret value was exported without --include-secrets');
  assert.match(r.stderr, /exported 14 objects/);
  assert.match(r.stderr, /1 Secrets \(add --include-secrets\)/);
});

migrate('stdout export without --include-secrets holds no Secret; with it, the Secret is there', async () => {
  const plain = await eastern(['export', source, '-c', 'kube1']);
  assert.is(plain.code, 0, show(plain));
  assert.not.match(plain.stdout, /kind: Secret/);
  assert.not.ok(plain.stdout.includes(SECRET_B64));
  assert.is(plain.stdout.split(/^---$/m).length, 14);
  const withSecrets = await eastern(['export', source, '-c', 'kube1', '--kinds', 'secret', '--include-secrets']);
  assert.is(withSecrets.code, 0, show(withSecrets));
  assert.match(withSecrets.stdout, /^kind: Secret$/m);
  assert.ok(withSecrets.stdout.includes(SECRET_B64));
  assert.not.match(withSecrets.stdout, /service-account-token/);
});

migrate('--kinds and --selector narrow the export', async () => {
  const r = await eastern(['export', source, '-c', 'kube1', '--kinds', 'deploy,svc', '-l', 'app=shop', '--output', 'json']);
  assert.is(r.code, 0, show(r));
  const list = JSON.parse(r.stdout);
  assert.equal(list.items.map((o: KubeObject) => `${o.kind}/${o.metadata.name}`), ['Service/shop', 'Deployment/shop']);
  const bad = await eastern(['export', source, '-c', 'kube1', '--kinds', 'widgets']);
  assert.is(bad.code, 64, show(bad));
  assert.match(bad.stderr, /"widgets" is not a namespaced kind/);
});

migrate('eastern diff against kube2 reviews the import: everything would be created', async () => {
  const r = await eastern(['diff', join(first, 'kubernetes.yaml'), target, '-c', 'kube2', '--output', 'json']);
  assert.is(r.code, 0, show(r));
  const text = r.stdout;
  for (const name of ['Deployment', 'Service', 'ConfigMap', 'StatefulSet', 'CronJob']) assert.ok(text.includes(name), `diff does not mention ${name}\n${text}`);
});

migrate('eastern deploy of the exported folder to kube2 succeeds', async () => {
  const r = await eastern(['deploy', join(first, 'kubernetes.yaml'), target, '-c', 'kube2', '--timeout', '120']);
  assert.is(r.code, 0, show(r));
});

/** What a person wrote: the cleaned object without metadata bookkeeping. */
async function cleaned(context: 'kube1' | 'kube2', namespace: string, apiVersion: string, kind: string, name: string): Promise<KubeObject> {
  return cleanObject(await getObject(context, apiVersion, kind, namespace, name));
}

migrate('the objects in kube2 are the objects of kube1 (after cleaning both sides)', async () => {
  // Each kind at the version its group prefers on both clusters (what `kubectl get` reads).
  const objects: [string, string, string][] = [
    ['apps/v1', 'Deployment', 'shop'], ['v1', 'Service', 'shop'], ['v1', 'Service', 'shop-nodeport'], ['v1', 'Service', 'shop-headless'],
    ['v1', 'ConfigMap', 'shop-settings'], ['apps/v1', 'StatefulSet', 'cache'], ['batch/v1', 'CronJob', 'shop-report'],
    ['autoscaling/v2', 'HorizontalPodAutoscaler', 'shop-cache'], ['networking.k8s.io/v1', 'NetworkPolicy', 'shop'], ['networking.k8s.io/v1', 'Ingress', 'shop'],
    ['rbac.authorization.k8s.io/v1', 'Role', 'shop-reader'], ['rbac.authorization.k8s.io/v1', 'RoleBinding', 'shop-reader'], ['v1', 'ServiceAccount', 'shop'],
    ['policy/v1', 'PodDisruptionBudget', 'shop'],
  ];
  for (const [apiVersion, kind, name] of objects) {
    const a = await cleaned('kube1', source, apiVersion, kind, name);
    const b = await cleaned('kube2', target, apiVersion, kind, name);
    assert.equal(b, a, `${kind}/${name} differs between kube1 and kube2`);
  }
  // And the raw specs agree on what matters, defaults included.
  const d1 = await getObject('kube1', 'apps/v1', 'Deployment', source, 'shop');
  const d2 = await getObject('kube2', 'apps/v1', 'Deployment', target, 'shop');
  assert.equal(d2.spec.template.spec.containers, d1.spec.template.spec.containers);
  const c1 = await getObject('kube1', 'v1', 'ConfigMap', source, 'shop-settings');
  const c2 = await getObject('kube2', 'v1', 'ConfigMap', target, 'shop-settings');
  assert.equal(c2.data, c1.data);
  assert.match(c2.data['start.sh'], /\$\{HOME\} with \$\$\{LITERAL\}/);
});

migrate('exporting the migrated copy from kube2 gives the same files (idempotent)', async () => {
  const r = await eastern(['export', target, '-c', 'kube2', '--out', second]);
  assert.is(r.code, 0, show(r));
  assert.equal(readdirSync(second).sort(), EXPECTED_FILES);
  for (const f of EXPECTED_FILES) assert.fixture(readFileSync(join(second, f), 'utf8'), readFileSync(join(first, f), 'utf8'));
  assert.match(r.stderr, /Eastern records/, 'the release records of the deploy must be left out');
});

migrate('re-exporting into an earlier export folder refreshes it; a foreign folder is refused', async () => {
  const again = await eastern(['export', source, '-c', 'kube1', '--out', first, '--kinds', 'deployment,service']);
  assert.is(again.code, 0, show(again));
  assert.equal(readdirSync(first).sort(), ['deployment-shop.yaml', 'kubernetes.yaml', 'service-shop-headless.yaml', 'service-shop-nodeport.yaml', 'service-shop.yaml']);
  const refused = await eastern(['export', source, '-c', 'kube1', '--out', repoRoot]);
  assert.is(refused.code, 1, show(refused));
  assert.match(refused.stderr, /is not empty and does not hold an earlier export/);
});

migrate.run();
