import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { DriftEntry } from '../../src/drift/compute.js';
import { formatDriftSection, formatEntry, formatProjectLine, projectState } from '../../src/drift/format.js';
import { baselineHead, manifestObjects, normalizeReleased } from '../../src/drift/project.js';
import type { ReleaseHead } from '../../src/deploy/release.js';

const entry = (over: Partial<DriftEntry>): DriftEntry => ({
  object: 'deployment/web', ref: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' }, path: 'spec.replicas', change: 'changed', managers: ['kubectl-scale'], released: 2, live: 5, ...over,
});

const format = suite('drift output');

format('an entry names object, field, both values and the manager', () => {
  assert.is(formatEntry(entry({})), 'deployment/web spec.replicas: 2 → 5 (by kubectl-scale)');
  assert.is(formatEntry(entry({ change: 'added', released: undefined, live: 'debug', path: 'x', managers: ['kubectl-set'] })), 'deployment/web x: (not set) → "debug" (by kubectl-set)');
  assert.is(formatEntry(entry({ managers: ['kubectl-edit'], inferred: true, change: 'removed', live: undefined })), 'deployment/web spec.replicas: 2 → (not set) (probably by kubectl-edit)');
  assert.is(formatEntry(entry({ object: 'secret/db', path: 'data', masked: '2 keys changed', released: undefined, live: undefined, managers: ['kubectl-edit'] })), 'secret/db data: 2 keys changed (by kubectl-edit)');
  assert.is(formatEntry(entry({ change: 'missing', path: '', managers: [] })), 'deployment/web: missing (deleted since the release)');
  assert.is(formatEntry(entry({ released: undefined, live: 4 })), 'deployment/web spec.replicas: now 4 (by kubectl-scale)');
});

format('long values are shortened', () => {
  const text = formatEntry(entry({ live: 'x'.repeat(200) }));
  assert.ok(text.length < 160, text);
  assert.match(text, /…/);
});

format('the diff section is empty without drift, and counts fields otherwise', () => {
  assert.is(formatDriftSection([]), '');
  assert.is(formatDriftSection([entry({})], 3), 'drift: 1 field changed in the cluster since revision 3, not by Eastern:\n  deployment/web spec.replicas: 2 → 5 (by kubectl-scale)\n');
});

format('one line per project: ok, drifted, missing', () => {
  const base = { namespace: 'shop', project: 'web', revision: 4 };
  assert.is(formatProjectLine({ ...base, state: 'ok', entries: [] }), 'shop/web: ok (revision 4)');
  const entries = [entry({}), entry({ path: 'spec.template.spec.containers[name=web].image', managers: ['kubectl-set'] }), entry({ object: 'configmap/settings', change: 'missing', path: '', managers: [] })];
  assert.is(projectState(entries), 'drifted');
  assert.is(formatProjectLine({ ...base, state: projectState(entries), entries }),
    'shop/web: drifted: 1 object (deployment/web spec.replicas by kubectl-scale, deployment/web spec.template.spec.containers[name=web].image by kubectl-set); missing: configmap/settings (revision 4)');
  const gone = [entry({ change: 'missing', path: '', managers: [] })];
  assert.is(projectState(gone), 'missing');
  assert.is(formatProjectLine({ ...base, state: 'missing', entries: gone }), 'shop/web: missing: deployment/web (revision 4)');
});

format.run();

const release = suite('reading a release for drift');

release('manifest text becomes objects, Lists flattened, non-objects ignored', () => {
  const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# comment only\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: b\n';
  assert.equal(manifestObjects(text).map((o) => `${o.kind}/${o.metadata.name}`), ['ConfigMap/a', 'Service/b']);
});

release('a stored manifest reads with the scalars a deploy sent: 0755 is the 493 the server holds, not 755 (no false drift)', () => {
  const [cm] = manifestObjects('apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  volumes:\n    - name: s\n      secret:\n        defaultMode: 0755\n        optional: yes\n');
  assert.equal((cm as any).spec.volumes[0].secret, { defaultMode: 493, optional: true });
});

release('Secret stringData is compared as the data the server stores', () => {
  const s = normalizeReleased({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'eA==' }, stringData: { b: 'hello' } });
  assert.equal((s as any).data, { a: 'eA==', b: 'aGVsbG8=' });
  assert.is((s as any).stringData, undefined);
});

release('the baseline is the newest release that is not still being deployed', () => {
  const head = (revision: number, outcome: string) => ({ name: `h${revision}`, info: { revision, outcome } }) as unknown as ReleaseHead;
  assert.is(baselineHead([head(5, 'pending'), head(4, 'failed'), head(3, 'superseded')])?.info.revision, 4);
  assert.is(baselineHead([head(1, 'pending')]), undefined);
});

release.run();
