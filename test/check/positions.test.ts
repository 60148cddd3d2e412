// The template line of a field: keys in block and flow style, list items, List
// items, fields in partials (with the include chain), and the nearest existing
// parent for a field that is missing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fieldLocator } from '../../src/check/positions.js';
import { project, rendered } from './helpers.js';

const t = suite('check positions');

function locator(files: Record<string, string>) {
  const m = rendered(project(files));
  const locate = fieldLocator({ text: m.text, sourceMap: m.sourceMap!, documents: m.documents });
  return (doc: number, path: (string | number)[]) => {
    const { location } = locate(doc, path);
    const chain: string[] = [];
    for (let via = location.via; via; via = via.via) chain.push(`${via.file.split('/').pop()}:${via.line}`);
    return [`${location.file.split('/').pop()}:${location.line}`, ...chain].join(' < ');
  };
}

t('block and flow keys, list items and missing fields', () => {
  const at = locator({
    'kubernetes.yaml': `# a comment first
apiVersion: v1
kind: Pod
metadata: {name: p, labels: {a: b}}
spec:
  containers:
    - name: one
      image: x:1
    -
      name: two
      command:
        - sh
        - -c
      args: [a, b]
`,
  });
  assert.is(at(0, []), 'kubernetes.yaml:2');
  assert.is(at(0, ['kind']), 'kubernetes.yaml:3');
  assert.is(at(0, ['metadata', 'labels', 'a']), 'kubernetes.yaml:4');
  assert.is(at(0, ['spec', 'containers', 0]), 'kubernetes.yaml:7');
  assert.is(at(0, ['spec', 'containers', 0, 'image']), 'kubernetes.yaml:8');
  assert.is(at(0, ['spec', 'containers', 1, 'name']), 'kubernetes.yaml:10');
  assert.is(at(0, ['spec', 'containers', 1, 'command', 1]), 'kubernetes.yaml:13');
  assert.is(at(0, ['spec', 'containers', 1, 'args', 1]), 'kubernetes.yaml:14');
  // Missing: the deepest part that exists.
  assert.is(at(0, ['spec', 'containers', 0, 'resources', 'requests']), 'kubernetes.yaml:7');
  assert.is(at(0, ['spec', 'replicas']), 'kubernetes.yaml:5');
});

t('later documents, List items, and fields that come from partials', () => {
  const at = locator({
    'kubernetes.yaml': `apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
apiVersion: v1
kind: List
items:
  # load! items.yaml
`,
    'items.yaml': `- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: b
    # load! labels.yaml
`,
    'labels.yaml': `labels:
  team: x
`,
  });
  assert.is(at(1, ['items', 0, 'kind']), 'items.yaml:2 < kubernetes.yaml:8');
  assert.is(at(1, ['items', 0, 'metadata', 'labels', 'team']), 'labels.yaml:2 < items.yaml:5 < kubernetes.yaml:8');
  assert.is(at(1, []), 'kubernetes.yaml:5');
});

t('a block scalar and a multi-line plain scalar do not shift later keys', () => {
  const at = locator({
    'kubernetes.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: scripts
  annotations:
    note: this is
      continued here
data:
  start.sh: |
    #!/bin/sh
    echo hi
  other: x
`,
  });
  assert.is(at(0, ['metadata', 'annotations', 'note']), 'kubernetes.yaml:6');
  assert.is(at(0, ['data', 'other']), 'kubernetes.yaml:12');
  assert.is(at(0, ['data', 'start.sh']), 'kubernetes.yaml:9');
});

t.run();
