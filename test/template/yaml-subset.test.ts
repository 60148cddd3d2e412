// isCertainlyValidYaml(): the fast check that lets `eastern generate` skip js-yaml.
// It may say "not sure" as often as it likes, but must never vouch for a document
// that js-yaml (or the stricter readers' rules on top of it) rejects; the property
// test below hunts for such a document.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import yaml from 'js-yaml';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TemplateError } from '../../src/errors.js';
import { parseManifest, render, validateManifest } from '../../src/template/index.js';
import { LONG_KEY, loadStrict } from '../../src/template/yaml-rules.js';
import { isCertainlyValidYaml } from '../../src/template/yaml-subset.js';
import { memFs } from './mem-fs.js';

const certified = (text: string) => {
  const lines = text.split('\n');
  return isCertainlyValidYaml(lines, 0, lines.length);
};

/** js-yaml accepts it, and so do the stricter readers' rules (yaml-rules.ts) that validation adds. */
const jsYamlAccepts = (text: string) => {
  try {
    loadStrict(yaml, text, { schema: yaml.FAILSAFE_SCHEMA }, text.split('\n').some((l) => l.length >= LONG_KEY));
    return true;
  } catch {
    return false;
  }
};

const shapes = suite('yaml subset: what it vouches for');

shapes('the shapes Kubernetes manifests are made of', () => {
  const docs = [
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  labels:\n    app.kubernetes.io/name: web\ndata:\n  key: "value with spaces"\n',
    '---\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: "registry/web:1.0"\n        args:\n        - --port=80\n        - -v\n        env:\n        - name: A\n          value: \'it\'\'s\'\n        resources: {}\n      volumes: []\n',
    'command: ["/bin/sh", "-c", \'echo it\'\'s\']\nargs: [--port=80, a.b/c, $(VAR)]\nempty: [ ]\n',
    'kind: List\nitems:\n  - a\n  - - nested\n    - seq\n  - key: v  # trailing comment\n    other: http://example.com/a#b\n# a comment\n\nend:\n',
    '--- # a marker comment\nkey:\n  -\n    a: 1\n  - b: 2\n',
    'data:\n  start.sh: |\n    #!/bin/sh\n    set -eu: x\n\n      indented: more\n    exec "$@"\n  folded: >-\n    one\n    two\n  list:\n  - |\n    item text\n# comment\nend: 1\n',
  ];
  for (const doc of docs) {
    assert.ok(jsYamlAccepts(doc), `js-yaml accepts:\n${doc}`);
    assert.ok(certified(doc), `certified:\n${doc}`);
  }
});

shapes('every document of the examples renders to text it vouches for', () => {
  const examples = join(process.cwd(), 'examples');
  let documents = 0;
  for (const project of readdirSync(examples).filter((p) => existsSync(join(examples, p, 'kubernetes.yaml')))) {
    const r = render({ file: join(examples, project, 'kubernetes.yaml'), variables: { NAMESPACE: 'production', IMAGE_TAG: '1.0' } });
    const starts = r.lines.flatMap((l, i) => (/^---(\s|$)/.test(l) ? [i] : []));
    const bounds = [0, ...starts, r.lines.length];
    for (let k = 0; k + 1 < bounds.length; k++) {
      const text = r.lines.slice(bounds[k], bounds[k + 1]).join('\n');
      if (!/^\s*[^\s#-]/m.test(text)) continue;
      documents++;
      assert.ok(isCertainlyValidYaml(r.lines, bounds[k] as number, bounds[k + 1] as number), `${project}, document ${k}:\n${text}`);
    }
  }
  assert.ok(documents >= 4, `examples have documents (${documents})`);
});

shapes('is not sure about invalid YAML', () => {
  const invalid = [
    'a: 1\na: 2\n', // duplicate key
    'a: 1\n  b: 2\n', // bad indentation
    'a: b: c\n',
    'a: "open\n',
    "a: 'open\n",
    'a:\n\tb: 1\n',
    'a: 1\n- b\n',
    '- a\nb: 1\n',
    'a:\n  - x\n b: 1\n',
    'a: "x" y\n',
    'a: [] x\n',
    'a: [x, y\n',
    'a: ["x", y] z\n',
    'key: value:\n',
    'a: |\n    text\n  more\n', // less indented than the text, more than the key
    'a: |\n  text\n b: 1\n',
  ];
  for (const doc of invalid) {
    assert.not.ok(jsYamlAccepts(doc), `js-yaml rejects:\n${doc}`);
    assert.not.ok(certified(doc), `not certified:\n${doc}`);
  }
});

shapes('leaves valid YAML outside its shapes to js-yaml', () => {
  for (const doc of ['a: |2\n    text\n', 'a: [x: 1]\n', 'a: {x: 1}\n', 'a: &x 1\nb: *x\n', 'a: "\\u00e9"\n', 'a: é\n', 'a: plain\n  continued\n', '? complex\n: key\n', 'just a scalar\n']) {
    assert.ok(jsYamlAccepts(doc), `js-yaml accepts:\n${doc}`);
    assert.not.ok(certified(doc), `not certified:\n${doc}`);
  }
});

const property = suite('yaml subset: never vouches for what js-yaml rejects');

// Lines from the shapes it knows and from near misses, at indentations that may or
// may not fit: the generated documents are often valid and often not.
const KEYS = ['a', 'b', 'name', 'app.kubernetes.io/name', '1', 'x-y'];
const VALUES = ['', ' |', ' >-', ' |+ # c', ' |2', ' ["sh", "-c"]', " [a, 'b c']", ' [a,b]', ' [a, ]', ' [a b]', ' [a: b]', ' [a, [b]]', ' ["x]', ' [-x, .y]', ' [ ]', ' v', ' "q"', " 'it''s'", ' []', ' {}', ' -1', ' --flag', ' a:b', ' a: b', ' "x" y', ' # c', ' v # c', ' v#c', ' http://h/p', " 'x", ' "x', ' |', ' [a]', ' &a v', ' *a', ' ~', ' ./x', ' $(V)', ':', ' :x', ' ?', ' -', ' é'];
const content = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES)).map(([k, v]) => `${k}:${v}`) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('- ', '- - ', '-  '), fc.constantFrom(...KEYS, 'item', '"q"')).map(([d, k]) => `${d}${k}`) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('- ', '- - '), fc.constantFrom(...KEYS), fc.constantFrom(...VALUES)).map(([d, k, v]) => `${d}${k}:${v}`) },
  { weight: 1, arbitrary: fc.constantFrom('-', '- |', '- >', '# comment', '', '   ', 'scalar', '#!/bin/sh', 'x: y: z', '{ "json": 1 }', '---', '...', 'a :b', '\tb: 1', 'key:value', 'a:\tb', '\t# c', 'a: &x v', 'b: *x', 'a: "x\\/y"', 'a: x\u2028y') },
);
const line = fc.tuple(fc.constantFrom(0, 0, 1, 2, 2, 3, 4, 4, 6), content).map(([n, c]) => ' '.repeat(n) + c);
const documents = fc.array(line, { minLength: 1, maxLength: 12 }).map((lines) => lines.join('\n'));

property('js-yaml loads every certified document', () => {
  let vouched = 0;
  let rejected = 0;
  fc.assert(
    fc.property(documents, (doc) => {
      const ok = jsYamlAccepts(doc);
      if (!ok) rejected++;
      if (!certified(doc)) return true;
      vouched++;
      return ok;
    }),
    { numRuns: Number(process.env.YAML_SUBSET_RUNS ?? 20_000) },
  );
  // The property means something only if both kinds of documents occur.
  assert.ok(vouched > 1000, `certified documents: ${vouched}`);
  assert.ok(rejected > 1000, `documents js-yaml rejects: ${rejected}`);
});

const validate = suite('validateManifest');

const P = '/repo/app';
const rendered = (entries: Record<string, string>) =>
  render({ file: `${P}/kubernetes.yaml`, variables: { NAMESPACE: 'prod' }, cwd: P, fs: memFs(entries) });

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.instance(error, TemplateError);
    return (error as TemplateError).message;
  }
  assert.unreachable('expected a TemplateError');
  return '';
}

validate('reports invalid YAML exactly as parseManifest does, at the template line', () => {
  for (const bad of ['kind: A\n---\ndata:\n  # load! part.yaml\n', 'kind: A\n---\ndata: [unclosed\n  # load! part.yaml\n']) {
    const r = rendered({ [`${P}/kubernetes.yaml`]: bad, [`${P}/part.yaml`]: 'a: 1\n a: 2\n' });
    const m = message(() => validateManifest(r, P));
    assert.is(m, message(() => parseManifest(r, P)));
    assert.match(m, /^(part|kubernetes)\.yaml:\d+: the rendered template is not valid YAML/);
  }
});

validate('accepts valid documents that need js-yaml (block scalars, flow collections, anchors)', () => {
  const r = rendered({ [`${P}/kubernetes.yaml`]: 'kind: A\ndata:\n  script: |\n    echo ${NAMESPACE}\n  list: [a, b]\n---\nbase: &b x\ncopy: *b\n' });
  validateManifest(r, P);
  assert.is(parseManifest(r, P).length, 2);
});

shapes.run();
property.run();
validate.run();
