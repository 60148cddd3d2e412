// Migration on the local clusters: a namespace deployed with plain kubectl (no
// Eastern) on kube1 is exported, reviewed with `eastern diff` against kube2,
// deployed there with `eastern deploy`, compared object by object, and exported
// again from kube2 to the very same files.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanObject } from '../../src/export/clean.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { createNamespace, deleteNamespace, eastern, getJson, kubectl, repoRoot, show, uniqueName, waitFor } from './kube-helpers.js';

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

const migrate = suite('migrating a kubectl-deployed namespace from kube1 to kube2');

migrate.before(async () => {
  await createNamespace('kube1', source);
  await kubectl('kube1', ['apply', '-n', source, '-f', fixture]);
  // Let the controllers make their children (ReplicaSets, Pods, EndpointSlices): the export must leave them out.
  await kubectl('kube1', ['rollout', 'status', '-n', source, 'deployment/shop', '--timeout=90s']);
  await waitFor('EndpointSlices of Service shop', async () => (await getJson('kube1', ['endpointslices', '-n', source])).items.length > 0);
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
async function cleaned(context: 'kube1' | 'kube2', namespace: string, kind: string, name: string): Promise<KubeObject> {
  return cleanObject(await getJson(context, [kind, name, '-n', namespace]));
}

migrate('the objects in kube2 are the objects of kube1 (after cleaning both sides)', async () => {
  const pairs: [string, string][] = [
    ['deployment', 'shop'], ['service', 'shop'], ['service', 'shop-nodeport'], ['service', 'shop-headless'], ['configmap', 'shop-settings'],
    ['statefulset', 'cache'], ['cronjob', 'shop-report'], ['horizontalpodautoscaler', 'shop-cache'], ['networkpolicy', 'shop'], ['ingress', 'shop'],
    ['role', 'shop-reader'], ['rolebinding', 'shop-reader'], ['serviceaccount', 'shop'], ['poddisruptionbudget', 'shop'],
  ];
  for (const [kind, name] of pairs) {
    const a = await cleaned('kube1', source, kind, name);
    const b = await cleaned('kube2', target, kind, name);
    assert.equal(b, a, `${kind}/${name} differs between kube1 and kube2`);
  }
  // And the raw specs agree on what matters, defaults included.
  const d1 = await getJson('kube1', ['deployment', 'shop', '-n', source]);
  const d2 = await getJson('kube2', ['deployment', 'shop', '-n', target]);
  assert.equal(d2.spec.template.spec.containers, d1.spec.template.spec.containers);
  const c1 = await getJson('kube1', ['configmap', 'shop-settings', '-n', source]);
  const c2 = await getJson('kube2', ['configmap', 'shop-settings', '-n', target]);
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
