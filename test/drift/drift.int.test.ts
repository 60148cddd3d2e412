// Drift on a local cluster: a project deployed with Eastern, then changed the way
// kubectl scale / set env / annotate / patch / delete change it (as a person with
// `kubectl edit` or a web console would: the same requests and field managers, sent
// through Eastern's access layer, no kubectl needed), must show up in `eastern drift`
// with the field and the field manager — and no Secret value may ever be printed.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { client, patchAs, scaleLikeKubectl } from '../kube/helpers.js';
import { createNamespace, deleteNamespace, eastern, repoRoot, show, uniqueName } from '../export/kube-helpers.js';

const project = join(repoRoot, 'test', 'drift', 'fixtures', 'drift-app', 'kubernetes.yaml');
const ns = uniqueName('drift');
const ORIGINAL = 'drift-original-password';
const CHANGED = 'drift-changed-password';
const SECRET_TEXTS = [ORIGINAL, CHANGED, Buffer.from(ORIGINAL).toString('base64'), Buffer.from(CHANGED).toString('base64')];

function assertNoSecret(text: string): void {
  for (const s of SECRET_TEXTS) assert.not.ok(text.includes(s), `a Secret value was printed: ${s}`);
}

const web = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' };

const drift = suite('drift after an Eastern deploy (kube2)');

drift.before(async () => {
  await createNamespace('kube2', ns);
  const r = await eastern(['deploy', project, ns, '-c', 'kube2', '--timeout', '120']);
  if (r.code !== 0) throw new Error(`setup deploy failed\n${show(r)}`);
});

drift.after(async () => {
  await deleteNamespace('kube2', ns);
});

drift('right after the deploy the project is ok, and the drift gate passes', async () => {
  const r = await eastern(['drift', ns, '-c', 'kube2', '--exit-code']);
  assert.is(r.code, 0, show(r));
  assert.is(r.stdout.trim(), `${ns}/drift-app: ok (revision 1)`);
});

drift('eastern diff reports no drift right after the deploy', async () => {
  const r = await eastern(['diff', project, ns, '-c', 'kube2', '--output', 'json', '--exit-code']);
  assert.is(r.code, 0, show(r));
  assert.equal(JSON.parse(r.stdout).drift, { revision: 1, entries: [] });
});

drift('a field someone else added is drift in eastern diff (text, JSON, and the --exit-code gate)', async () => {
  // kubectl annotate deployment/web note=hand-made --field-manager console-edit
  await patchAs('kube2', 'console-edit', web, { metadata: { annotations: { note: 'hand-made' } } });
  const json = await eastern(['diff', project, ns, '-c', 'kube2', '--output', 'json', '--exit-code']);
  assert.is(json.code, 1, show(json));
  const report = JSON.parse(json.stdout);
  assert.is(report.summary.change ?? 0, 0, json.stdout);
  assert.equal(report.drift.entries.map((e: any) => [e.object, e.path, e.managers, e.live]), [['deployment/web', 'metadata.annotations.note', ['console-edit'], 'hand-made']]);
  const text = await eastern(['diff', project, ns, '-c', 'kube2']);
  assert.is(text.code, 0, show(text));
  assert.match(text.stdout, /drift: 1 field changed in the cluster since revision 1, not by Eastern:\n  deployment\/web metadata.annotations.note: \(not set\) → "hand-made" \(by console-edit\)/);
});

drift('kubectl scale, set env and patches show up per field, naming the manager', async () => {
  // kubectl scale deployment/web --replicas=3
  await scaleLikeKubectl('kube2', ns, 'web', 3);
  // kubectl set env deployment/web EXTRA=on: the strategic merge patch kubectl 1.33 sends, as manager kubectl-set
  await patchAs('kube2', 'kubectl-set', web, {
    spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ '$setElementOrder/env': [{ name: 'MODE' }, { name: 'EXTRA' }], env: [{ name: 'EXTRA', value: 'on' }], name: 'web' }] } } },
  }, { type: 'strategic' });
  // kubectl patch --type merge --field-manager …
  await patchAs('kube2', 'console-edit', { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' }, { data: { mode: 'debug' } });
  await patchAs('kube2', 'kubectl-edit', { apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'db' }, { data: { password: Buffer.from(CHANGED).toString('base64') } });

  const json = await eastern(['drift', ns, '-c', 'kube2', '--output', 'json', '--exit-code']);
  assert.is(json.code, 1, show(json));
  assertNoSecret(json.stdout + json.stderr);
  const [p] = JSON.parse(json.stdout).projects;
  assert.is(p.project, 'drift-app');
  assert.is(p.state, 'drifted');
  const byPath = new Map<string, any>(p.entries.map((e: any) => [`${e.object} ${e.path}`, e]));
  const replicas = byPath.get('deployment/web spec.replicas');
  assert.ok(replicas, `no replicas entry in ${json.stdout}`);
  assert.is(replicas.released, 2);
  assert.is(replicas.live, 3);
  assert.match(replicas.managers[0], /^kubectl/);
  const env = byPath.get('deployment/web spec.template.spec.containers[name=web].env[name=EXTRA]');
  assert.ok(env, `no env entry in ${json.stdout}`);
  assert.equal(env.managers, ['kubectl-set']);
  assert.equal(env.live, { name: 'EXTRA', value: 'on' });
  const mode = byPath.get('configmap/settings data.mode');
  assert.equal([mode?.released, mode?.live, mode?.managers], ['normal', 'debug', ['console-edit']]);
  const secret = byPath.get('secret/db data');
  assert.equal([secret?.masked, secret?.managers, 'live' in (secret ?? {}), 'released' in (secret ?? {})], ['1 key changed', ['kubectl-edit'], false, false]);
  assert.is(p.entries.length, 5, json.stdout);

  // The deploy would now conflict with those fields: the diff is refused and says who changed what.
  const diff = await eastern(['diff', project, ns, '-c', 'kube2']);
  assert.is(diff.code, 1, show(diff));
  assertNoSecret(diff.stdout + diff.stderr);
  assert.match(diff.stderr, /configmap\/settings data.mode: "normal" → "debug" \(by console-edit\)/);
  assert.match(diff.stderr, /secret\/db data: 1 key changed \(by kubectl-edit\)/);
  assert.match(diff.stderr, /conflict/);

  const text = await eastern(['drift', ns, '-c', 'kube2', '-v']);
  assert.is(text.code, 0, show(text));
  assertNoSecret(text.stdout + text.stderr);
  const [line, ...details] = text.stdout.trim().split('\n');
  assert.is(line, `${ns}/drift-app: drifted: 3 objects (configmap/settings data.mode by console-edit, secret/db data by kubectl-edit, deployment/web metadata.annotations.note by console-edit, … (2 more)) (revision 1)`);
  assert.ok(details.some((d) => /^ {2}deployment\/web spec.replicas: 2 → 3 \(by kubectl/.test(d)), text.stdout);
  assert.ok(details.some((d) => d.includes('configmap/settings data.mode: "normal" → "debug" (by console-edit)')), text.stdout);
  assert.ok(details.some((d) => d.includes('secret/db data: 1 key changed (by kubectl-edit)')), text.stdout);
});

drift('an object deleted behind Eastern\'s back is reported missing', async () => {
  // kubectl delete service/web
  assert.ok(await (await client('kube2')).delete({ apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'web' }), 'service/web was there to delete');
  const r = await eastern(['drift', ns, '-c', 'kube2', '--exit-code']);
  assert.is(r.code, 1, show(r));
  assert.match(r.stdout, /; missing: service\/web \(revision 1\)$/m);
});

drift('without namespaces, every namespace with releases is checked', async () => {
  const r = await eastern(['drift', '-c', 'kube2']);
  assert.is(r.code, 0, show(r));
  assert.match(r.stdout, new RegExp(`^${ns}/drift-app: drifted`, 'm'));
});

drift.run();
