import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isEasternRecord, writeExport } from '../../src/export/collect.js';
import { exportFiles } from '../../src/export/files.js';
import type { KubeObject } from '../../src/kube/objects.js';

const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: name } });

const write = suite('writing an export folder');
let dir = '';
write.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'eastern-write-'));
});
write.after.each(() => rmSync(dir, { recursive: true, force: true }));

write('creates the folder and every file', () => {
  const target = join(dir, 'nested', 'shop');
  writeExport(target, exportFiles([cm('a'), cm('b')]));
  assert.equal(readdirSync(target).sort(), ['configmap-a.yaml', 'configmap-b.yaml', 'kubernetes.yaml']);
  assert.match(readFileSync(join(target, 'configmap-b.yaml'), 'utf8'), /name: b/);
});

write('refreshes an earlier export: files of objects that are gone are removed, others untouched', () => {
  writeExport(dir, exportFiles([cm('a'), cm('b')]));
  writeFileSync(join(dir, 'NOTES.md'), 'review notes');
  const { removed } = writeExport(dir, exportFiles([cm('a'), cm('c')]));
  assert.equal(removed, ['configmap-b.yaml']);
  assert.equal(readdirSync(dir).sort(), ['NOTES.md', 'configmap-a.yaml', 'configmap-c.yaml', 'kubernetes.yaml']);
});

write('refuses a non-empty folder that is not an earlier export, and writes nothing', () => {
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'kubernetes.yaml'), '# load! app.yaml\n');
  assert.throws(() => writeExport(dir, exportFiles([cm('a')])), /is not empty and does not hold an earlier export/);
  assert.not.ok(existsSync(join(dir, 'configmap-a.yaml')));
  assert.is(readFileSync(join(dir, 'kubernetes.yaml'), 'utf8'), '# load! app.yaml\n');
});

write.run();

const records = suite('Eastern records');

records('release heads, chunks and locks are Eastern\'s; a user Secret or ConfigMap is not', () => {
  assert.ok(isEasternRecord({ apiVersion: 'v1', kind: 'Secret', type: 'eastern.io/release', metadata: { name: 'eastern.release.web.v1' } }));
  assert.ok(isEasternRecord({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'x', labels: { 'app.kubernetes.io/managed-by': 'eastern', 'eastern.io/lock-of': 'web' } } }));
  assert.not.ok(isEasternRecord({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { 'app.kubernetes.io/managed-by': 'eastern', 'eastern.io/project': 'web' } } }));
  assert.not.ok(isEasternRecord({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'x' } }));
});

records.run();
