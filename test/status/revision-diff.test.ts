// Differences between two rendered manifests: field by field, scripts line by line,
// and never a Secret value.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffRevisions, textDiff } from '../../src/status/revision-diff.js';

const PASSWORD_1 = 'first-password-value';
const PASSWORD_2 = 'second-password-value';
const manifest = (tag: string, password: string, script: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers: [{name: web, image: "nginx:${tag}"}]
---
apiVersion: v1
kind: Secret
metadata: {name: db}
stringData: {password: ${password}, user: app}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: files}
data:
  start.sh: |
${script.split('\n').map((l) => `    ${l}`).join('\n')}
${extra}`;

test('changed fields, a changed script line by line, and Secret data as a count', () => {
  const before = manifest('1.0', PASSWORD_1, 'echo one\necho two\necho three');
  const after = manifest('1.1', PASSWORD_2, 'echo one\necho 2\necho three');
  const diff = diffRevisions(before, after);
  assert.is(diff.unchanged, 0);
  const byObject = Object.fromEntries(diff.changes.map((c) => [c.object, c]));
  assert.equal(byObject['deployment/web']!.lines, ['~ spec.template.spec.containers[name=web].image: "nginx:1.0" → "nginx:1.1"']);
  assert.equal(byObject['secret/db']!.lines, ['~ data: (1 key changed)']);
  assert.equal(byObject['configmap/files']!.lines, ['~ data["start.sh"]:', '    - echo two', '    + echo 2']);
  const text = JSON.stringify(diff);
  for (const secret of [PASSWORD_1, PASSWORD_2, Buffer.from(PASSWORD_2).toString('base64')]) assert.not.ok(text.includes(secret), secret);
});

test('added objects in full (a Secret without its values), removed ones by name', () => {
  const before = manifest('1.0', PASSWORD_1, 'x', '---\napiVersion: v1\nkind: Service\nmetadata: {name: old}\n');
  const after = manifest('1.0', PASSWORD_1, 'x', `---\napiVersion: v1\nkind: Secret\nmetadata: {name: api}\ndata: {token: ${Buffer.from(PASSWORD_2).toString('base64')}}\n`);
  const diff = diffRevisions(before, after);
  assert.is(diff.unchanged, 3);
  const added = diff.changes.find((c) => c.object === 'secret/api')!;
  assert.is(added.change, 'added');
  assert.ok(added.lines.includes('+ data: (1 key, values not shown)'), added.lines.join('\n'));
  assert.ok(added.lines.includes('+ kind: Secret'));
  assert.equal(diff.changes.find((c) => c.object === 'service/old'), { object: 'service/old', change: 'removed', lines: [] });
  assert.not.ok(JSON.stringify(diff).includes(Buffer.from(PASSWORD_2).toString('base64')));
});

test('textDiff keeps the order of removed and added lines', () => {
  assert.equal(textDiff('a\nb\nc', 'a\nc\nd'), ['- b', '+ d']);
  assert.equal(textDiff('same', 'same'), []);
});

test.run();
