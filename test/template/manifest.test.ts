// parseManifest(): documents with their first content line and template location;
// invalid YAML reported at the template line that produced it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TemplateError } from '../../src/errors.js';
import { parseManifest, render, validateManifest } from '../../src/template/index.js';
import { MAX_OBJECT_BYTES } from '../../src/template/manifest.js';
import { MAX_ALIAS_BYTES, MAX_ALIAS_NODES } from '../../src/template/yaml-rules.js';
import { memFs } from './mem-fs.js';

const P = '/repo/app';

function rendered(entries: Record<string, string>, variables: Record<string, string> = {}) {
  return render({ file: `${P}/kubernetes.yaml`, variables: { NAMESPACE: 'prod', ...variables }, cwd: P, fs: memFs(entries) });
}

/** Both checks (generate's and deploy's) fail the same way; parseManifest's error is returned. */
function bothFail(r: ReturnType<typeof rendered>): TemplateError {
  const validated = failure(() => validateManifest(r, P));
  const parsed = failure(() => parseManifest(r, P));
  assert.is(validated.message, parsed.message);
  return parsed;
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

invalid('a tab where PyYAML and kubectl refuse it is reported at its source line; in quotes, block text and comments it is fine', () => {
  const ok = rendered({ [`${P}/kubernetes.yaml`]: 'a: "x\ty"\nb: |\n  make:\n  \techo hi\nc: 1 # note\there\n' });
  assert.equal(parseManifest(ok, P).map((d) => d.value), [{ a: 'x\ty', b: 'make:\n\techo hi\n', c: 1 }]);
  validateManifest(ok, P);
  const e = bothFail(rendered({ [`${P}/kubernetes.yaml`]: 'a: |\n  x\n# load! more.yaml\n', [`${P}/more.yaml`]: 'b: 1\n\t# c\n' }));
  assert.match(e.message, /^more\.yaml:2: the rendered template is not valid YAML: a tab leads a line/);
  const sep = bothFail(rendered({ [`${P}/kubernetes.yaml`]: 'a:\tb\n' }));
  assert.match(sep.message, /^kubernetes\.yaml:1: .*a tab separates tokens/);
  assert.ok(sep.detailLines.includes('rendered line 1, column 3: "a:\\tb"'), sep.detailLines.join('\n'));
  // A document of comments only is still read by PyYAML and kubectl.
  const blank = bothFail(rendered({ [`${P}/kubernetes.yaml`]: 'a: 1\n---\n\t# only a comment\n' }));
  assert.match(blank.message, /^kubernetes\.yaml:3: /);
});

invalid('an anchor defined twice, an anchor name PyYAML cannot read, a YAML 1.1 line break, the \\/ escape', () => {
  assert.match(bothFail(rendered({ [`${P}/kubernetes.yaml`]: 'a: &x 1\nb: &x 2\n' })).message, /^kubernetes\.yaml:2: .*the anchor "&x" is defined twice/);
  // js-yaml reads the same scalar twice when an anchor precedes it; that is one anchor, not two.
  assert.equal(parseManifest(rendered({ [`${P}/kubernetes.yaml`]: 'a: &x 1\nb: *x\nc: &y [1]\nd: *y\n' }), P)[0]?.value, { a: 1, b: 1, c: [1], d: [1] });
  assert.match(bothFail(rendered({ [`${P}/kubernetes.yaml`]: 'a: &é 1\n' })).message, /anchor name "é"/);
  assert.match(bothFail(rendered({ [`${P}/kubernetes.yaml`]: 'a: "x\u2028y"\n' })).message, /U\+2028 is a line break/);
  assert.match(bothFail(rendered({ [`${P}/kubernetes.yaml`]: 'a: "x\\/y"\n' })).message, /the escape "\\\/"/);
  assert.equal(parseManifest(rendered({ [`${P}/kubernetes.yaml`]: 'a: "x\\\\/y"\n' }), P)[0]?.value, { a: 'x\\/y' });
});

invalid('"..." before any document, or content after "..." without "---", is invalid (PyYAML)', () => {
  assert.match(bothFail(rendered({ [`${P}/kubernetes.yaml`]: '# head\n...\na: 1\n' })).message, /^kubernetes\.yaml:2: .*before any document/);
  assert.match(bothFail(rendered({ [`${P}/kubernetes.yaml`]: 'a: 1\n...\nb: 2\n' })).message, /^kubernetes\.yaml:3: .*without a "---" first/);
  assert.equal(parseManifest(rendered({ [`${P}/kubernetes.yaml`]: 'a: 1\n...\n...\n---\nb: 2\n...\n' }), P).map((d) => d.value), [{ a: 1 }, { b: 2 }]);
});

invalid('a merge key must name a mapping for generate too (PyYAML and kubectl refuse a list of scalars)', () => {
  assert.match(bothFail(rendered({ [`${P}/kubernetes.yaml`]: 'a: &a [1]\nb:\n  <<: *a\n' })).message, /^kubernetes\.yaml:3: /);
});

const limits = suite('parseManifest: aliases and object size (refused before any request)');

function lol(levels: number, width: number): string {
  const lines = [`l0: &l0 [${Array(width).fill('"lol"').join(',')}]`];
  for (let i = 1; i <= levels; i++) lines.push(`l${i}: &l${i} [${Array(width).fill(`*l${i - 1}`).join(',')}]`);
  return `${lines.join('\n')}\n`;
}

limits('nine nested levels of aliases (a 420-byte "billion laughs") fail fast at the alias that expands, in the partial', () => {
  const r = rendered({ [`${P}/kubernetes.yaml`]: 'kind: ConfigMap\ndata:\n  # load! bomb.yaml\n', [`${P}/bomb.yaml`]: lol(8, 9) });
  const started = process.hrtime.bigint();
  const e = bothFail(r);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.match(e.message, /^bomb\.yaml:9: the rendered template is refused: aliases would add 4[0-9,]+ nodes \(about 2\.\d GiB as JSON\)/);
  assert.match(e.message, /"\*l7" here copies 48,427,561/);
  assert.ok(e.detailLines.includes('included from kubernetes.yaml:3'), e.detailLines.join('\n'));
  assert.match(e.fix ?? '', /load it with a partial/);
  // Not a timing assertion: expanding would take gigabytes; measuring never expands.
  assert.ok(ms < 5000, `took ${ms} ms`);
});

limits(`aliases may add up to ${MAX_ALIAS_NODES.toLocaleString('en')} nodes and ${MAX_ALIAS_BYTES / 1024 / 1024} MiB; merge keys count too`, () => {
  // 3 levels of 9: aliases add 9×10 + 9×91 + 9×820 = 8,289 nodes, under the bound.
  const small = parseManifest(rendered({ [`${P}/kubernetes.yaml`]: lol(3, 9) }), P);
  assert.is((small[0]?.value as { l3: unknown[] }).l3.length, 9);
  // 3 levels of 10: 10×11 + 10×111 + 10×1,111 = 12,330 nodes: refused.
  assert.match(bothFail(rendered({ [`${P}/kubernetes.yaml`]: lol(3, 10) })).message, /aliases would add 12,330 nodes/);
  // Few nodes but many bytes: a 300 KiB string used four times.
  const big = `s: &s "${'x'.repeat(300 * 1024)}"\nt: [*s, *s, *s, *s]\n`;
  assert.match(bothFail(rendered({ [`${P}/kubernetes.yaml`]: big })).message, /aliases would add 4 nodes \(about 1\.2 MiB as JSON\)/);
  // 60 merges of a map of 50 lists of 3: each copies 201 nodes (js-yaml's own bound, 10,000 merged keys, is not reached).
  const merge = `base: &b {${Array.from({ length: 50 }, (_, i) => `k${i}: [x, y, z]`).join(', ')}}\n${Array.from({ length: 60 }, (_, i) => `m${i}: {<<: *b}`).join('\n')}\n`;
  assert.match(bothFail(rendered({ [`${P}/kubernetes.yaml`]: merge })).message, /aliases would add 12,060 nodes/);
});

limits('an alias inside the node it names (an infinite document) is refused, not followed', () => {
  const e = bothFail(rendered({ [`${P}/kubernetes.yaml`]: 'a: &a\n  b: *a\n' }));
  assert.match(e.message, /^kubernetes\.yaml:2: the rendered template is refused: the alias "\*a" is inside the node it names/);
});

limits(`an object larger than ${MAX_OBJECT_BYTES / 1024 / 1024} MiB as JSON (the API server's request limit) is refused at its first line`, () => {
  const line = `  k: "${'x'.repeat(1000)}"`;
  const big = ['kind: ConfigMap', 'data:', ...Array.from({ length: 3300 }, (_, i) => line.replace('k:', `k${i}:`))].join('\n');
  const e = failure(() => parseManifest(rendered({ [`${P}/kubernetes.yaml`]: `a: 1\n---\n${big}\n` }), P));
  assert.match(e.message, /^kubernetes\.yaml:3: this object is about 3\.\d MiB as JSON, more than the 3 MiB the Kubernetes API server accepts/);
  assert.match(e.fix ?? '', /split its data over several objects/);
  // Just under the limit: accepted.
  const fits = ['kind: ConfigMap', 'data:', ...Array.from({ length: 3000 }, (_, i) => line.replace('k:', `k${i}:`))].join('\n');
  assert.is(parseManifest(rendered({ [`${P}/kubernetes.yaml`]: fits }), P).length, 1);
});

const secrets = suite('errors about rendered output never show a secret');

secrets('invalid YAML in a Secret shows the file:line, the key and the problem, not the value (nor in the parser message kept for --verbose)', () => {
  const r = rendered({
    [`${P}/kubernetes.yaml`]: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  user: app\n  # load! password.yaml\n',
    [`${P}/password.yaml`]: 'password: hunter2XYZ: x\n',
  });
  const e = bothFail(r);
  const text = `${e.describe()}\n${String((e.cause as Error | undefined)?.message ?? '')}`;
  assert.not.ok(text.includes('hunter2'), text);
  assert.match(e.message, /^password\.yaml:1: the rendered template is not valid YAML: bad indentation/);
  assert.ok(e.detailLines.includes('rendered line 7, column 23: "  password: ********"'), e.detailLines.join('\n'));
  assert.is(e.cause, undefined, 'js-yaml\'s own message quotes the neighbouring lines');
});

secrets('the reason does not quote a Secret\'s text either (an alias or a tag written where a value should be)', () => {
  for (const value of ['*hunter2XYZ', '!hunter2XYZ x', '!<hunter2XYZ> x']) {
    const e = bothFail(rendered({ [`${P}/kubernetes.yaml`]: `apiVersion: v1\nkind: "Secret"\ndata:\n  password: ${value}\n` }));
    assert.not.ok(e.describe().includes('hunter2'), e.describe());
  }
  const flow = bothFail(rendered({ [`${P}/kubernetes.yaml`]: '{apiVersion: v1, kind: Secret, data: {password: *hunter2XYZ}}\n' }));
  assert.not.ok(flow.describe().includes('hunter2'), flow.describe());
});

secrets('in any document, the value of a secret-looking variable is masked wherever it shows; others stay visible', () => {
  const r = rendered({ [`${P}/kubernetes.yaml`]: 'kind: ConfigMap\ndata:\n  url: https://${HOST}\n  auth: Bearer ${API_TOKEN}: x\n' }, { API_TOKEN: 'tok-123', HOST: 'example.org' });
  const e = bothFail(r);
  assert.not.ok(e.describe().includes('tok-123'), e.describe());
  // The column is the rendered line's own; the line is shown masked.
  assert.ok(e.detailLines.includes('rendered line 4, column 23: "  auth: Bearer ********: x"'), e.detailLines.join('\n'));
  assert.is(e.cause, undefined);
  // Without a secret on the lines, the parser's message (with its neighbouring lines) stays for --verbose.
  const plain = bothFail(rendered({ [`${P}/kubernetes.yaml`]: 'kind: ConfigMap\ndata:\n  url: https://${HOST}: x\n' }, { API_TOKEN: 'tok-123', HOST: 'example.org' }));
  assert.ok(plain.detailLines.some((d) => d.includes('example.org')));
  assert.instance(plain.cause, Error);
});

secrets('property: no Secret value and no secret variable value in any error text', () => {
  const broken = ['{{', ': x', '*alias', '!tag x', '"unclosed', 'a: b: c', '- x', '\tindented', '&a x\n  y: *a'];
  for (const [i, bad] of broken.entries()) {
    const secret = `S3cr3t-${i}`;
    for (const where of ['stringData', 'data']) {
      const r = rendered({ [`${P}/kubernetes.yaml`]: `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n${where}:\n  k: ${secret}${bad}\n  v: ${secret}\n` });
      for (const check of [validateManifest, parseManifest]) {
        try {
          check(r, P);
        } catch (error) {
          assert.instance(error, TemplateError);
          const e = error as TemplateError;
          const text = `${e.describe()}\n${(e.cause as Error | undefined)?.message ?? ''}\n${(e.cause as Error | undefined)?.stack ?? ''}`;
          assert.not.ok(text.includes('S3cr3t'), `${JSON.stringify(bad)}: ${text}`);
        }
      }
    }
    const v = rendered({ [`${P}/kubernetes.yaml`]: `kind: ConfigMap\ndata:\n  k: \${DB_PASSWORD}${bad}\n` }, { DB_PASSWORD: secret });
    try {
      parseManifest(v, P);
    } catch (error) {
      const e = error as TemplateError;
      const text = `${e.describe()}\n${(e.cause as Error | undefined)?.stack ?? ''}`;
      assert.not.ok(text.includes('S3cr3t'), `${JSON.stringify(bad)}: ${text}`);
    }
  }
});

docs.run();
invalid.run();
limits.run();
secrets.run();
