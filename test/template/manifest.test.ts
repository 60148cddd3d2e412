// parseManifest(): documents with their first content line and template location;
// invalid YAML reported at the template line that produced it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TemplateError } from '../../src/errors.js';
import { parseManifest, render } from '../../src/template/index.js';
import { memFs } from './mem-fs.js';

const P = '/repo/app';

function rendered(entries: Record<string, string>) {
  return render({ file: `${P}/kubernetes.yaml`, variables: { NAMESPACE: 'prod' }, cwd: P, fs: memFs(entries) });
}

function failure(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (error) {
    assert.instance(error, TemplateError);
    return error as TemplateError;
  }
  assert.unreachable('expected a TemplateError');
  throw new Error('unreachable');
}

const docs = suite('parseManifest: documents');

docs('gives each document its first content line and the template location of that line', () => {
  const r = rendered({
    [`${P}/kubernetes.yaml`]: '# a comment\n\nkind: A\n---\n# load! b.yaml\n---\n---\n\n# only a comment\n---   # marker comment\nkind: D\n',
    [`${P}/b.yaml`]: '# heading\nkind: B\n---\nkind: C\n',
  });
  const parsed = parseManifest(r, P);
  assert.equal(parsed.map((d) => d.value), [{ kind: 'A' }, { kind: 'B' }, { kind: 'C' }, { kind: 'D' }]);
  assert.equal(parsed.map((d) => d.index), [0, 1, 2, 3]);
  assert.equal(parsed.map((d) => d.outputLine), [3, 6, 8, 14]);
  assert.equal(parsed.map((d) => `${d.source.file.replace(`${P}/`, '')}:${d.source.line}`), [
    'kubernetes.yaml:3', 'b.yaml:2', 'b.yaml:4', 'kubernetes.yaml:11',
  ]);
  assert.is(parsed[1]?.source.via?.line, 5, 'the partial document keeps its include chain');
  // outputLine really is the line of the document's first key in the text.
  const lines = r.text.split('\n');
  for (const d of parsed) assert.match(lines[d.outputLine - 1] ?? '', /^kind: /);
});

docs('an empty rendering has no documents', () => {
  assert.equal(parseManifest({ text: '', sourceMap: [] }, P), []);
  assert.equal(parseManifest(rendered({ [`${P}/kubernetes.yaml`]: '# load? none.yaml\n---\n' }), P), []);
});

docs('a document end marker (...) closes a document', () => {
  const parsed = parseManifest(rendered({ [`${P}/kubernetes.yaml`]: 'kind: A\n...\n---\nkind: B\n' }), P);
  assert.equal(parsed.map((d) => [d.value, d.outputLine]), [[{ kind: 'A' }, 1], [{ kind: 'B' }, 4]]);
});

const invalid = suite('parseManifest: invalid YAML');

invalid('names the partial file:line that produced the bad output line, with the include chain', () => {
  const r = rendered({
    [`${P}/kubernetes.yaml`]: 'kind: A\n---\nkind: B\ndata:\n  # load! parts/data.yaml\n',
    [`${P}/parts/data.yaml`]: 'a: "1"\nb: "2"\nc: x: y\n',
  });
  const e = failure(() => parseManifest(r, P));
  assert.match(e.message, /^parts\/data\.yaml:3: /);
  assert.ok(e.detailLines.some((d) => d.includes('kubernetes.yaml:5')), e.detailLines.join('\n'));
  assert.ok(e.detailLines.some((d) => d.includes('rendered line 7')), e.detailLines.join('\n'));
});

invalid('a duplicated key is invalid YAML, reported at the duplicate', () => {
  const r = rendered({ [`${P}/kubernetes.yaml`]: 'data:\n  a: "1"\n  # load! more.yaml\n', [`${P}/more.yaml`]: 'b: "2"\na: "3"\n' });
  const e = failure(() => parseManifest(r, P));
  assert.match(e.message, /^more\.yaml:2: /);
});

invalid('tabs used as indentation are reported at their source line', () => {
  const r = rendered({ [`${P}/kubernetes.yaml`]: 'data:\n\t# load! more.yaml\n', [`${P}/more.yaml`]: 'a: 1\nb: 2\n' });
  const e = failure(() => parseManifest(r, P));
  assert.match(e.message, /^more\.yaml:1: /);
});

docs.run();
invalid.run();
