import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { load } from 'js-yaml';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exportFiles, exportStream, fileNames, objectYaml, previouslyExported, sortObjects, topLevelTemplate } from '../../src/export/files.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { parseManifest, render } from '../../src/template/index.js';

const cm = (name: string, data: Record<string, string> = { a: '1' }): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
const deploy = (name: string): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec: { replicas: 1 } });
const svc = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80 }] } });

/** Writes the export into a folder and renders its kubernetes.yaml with the real template engine. */
function renderExport(objects: KubeObject[], namespace = 'target'): unknown[] {
  const dir = mkdtempSync(join(tmpdir(), 'eastern-export-'));
  try {
    for (const f of exportFiles(objects)) writeFileSync(join(dir, f.path), f.contents);
    const rendered = render({ file: join(dir, 'kubernetes.yaml'), variables: { NAMESPACE: namespace }, root: dir, cwd: dir });
    return parseManifest(rendered, dir).map((d) => d.value);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const files = suite('export files');

files('one file per object named kind-name.yaml, in apply order, and a top-level template loading each', () => {
  const out = exportFiles([deploy('web'), cm('settings'), svc('web')]);
  assert.equal(out.map((f) => f.path), ['configmap-settings.yaml', 'service-web.yaml', 'deployment-web.yaml', 'kubernetes.yaml']);
  const top = out[3]?.contents ?? '';
  assert.ok(top.endsWith('# load! configmap-settings.yaml\n---\n# load! service-web.yaml\n---\n# load! deployment-web.yaml\n'), top);
  assert.equal(load(out[0]?.contents ?? ''), cm('settings'));
});

files('the folder renders back to exactly the exported objects', () => {
  const objects = [deploy('web'), cm('settings'), svc('web')];
  assert.equal(renderExport(objects), sortObjects(objects));
});

files('${VAR} and $${VAR} in values survive rendering, and a value cannot load a file', () => {
  const tricky = cm('scripts', {
    'start.sh': '#!/bin/sh\n# load! /etc/passwd\necho ${HOME} $${LITERAL} $$${X}\n',
    'plain': '${NAMESPACE}',
  });
  const yaml = objectYaml(tricky);
  assert.not.match(yaml, /^[ \t]*#[ \t]*load!/m);
  assert.equal(renderExport([tricky]), [tricky]);
});

files('any string data round-trips through export and render (property)', () => {
  const text = fc.string({ unit: fc.constantFrom('$', '{', '}', 'A', '_', '#', ' ', '\n', 'l', 'o', 'a', 'd', '!', '?', ':', '-', '"', "'", '\t') , maxLength: 40 });
  fc.assert(
    fc.property(fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9.]{0,8}$/), text, { maxKeys: 3 }), (data) => {
      const object = cm('prop', { ...data });
      assert.equal(renderExport([object]), [object]);
    }),
    { numRuns: 100 },
  );
});

files('kinds served by two groups get the group in the file name', () => {
  const a: KubeObject = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web' } };
  const b: KubeObject = { apiVersion: 'example.com/v1', kind: 'Certificate', metadata: { name: 'web' } };
  assert.equal(fileNames([a, b, cm('x')]), ['certificate.cert-manager.io-web.yaml', 'certificate.example.com-web.yaml', 'configmap-x.yaml']);
});

files('stdout stream joins documents with ---', () => {
  const text = exportStream([svc('b'), cm('a')]);
  assert.is(text, `${objectYaml(cm('a'))}---\n${objectYaml(svc('b'))}`);
});

files('sorting is deterministic whatever the input order', () => {
  const objects = [svc('b'), deploy('z'), cm('b'), cm('a'), deploy('a'), svc('a')];
  const expected = sortObjects(objects).map((o) => `${o.kind}/${o.metadata.name}`);
  assert.equal(expected, ['ConfigMap/a', 'ConfigMap/b', 'Service/a', 'Service/b', 'Deployment/a', 'Deployment/z']);
  assert.equal(sortObjects([...objects].reverse()).map((o) => `${o.kind}/${o.metadata.name}`), expected);
});

files('a previous export is recognised by its top-level template, other files are not', () => {
  assert.equal(previouslyExported(topLevelTemplate(['a.yaml', 'b.yaml'])), ['a.yaml', 'b.yaml']);
  assert.is(previouslyExported('# load! a.yaml\n'), undefined);
});

files.run();
