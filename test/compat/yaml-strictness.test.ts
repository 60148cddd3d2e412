// Eastern's "invalid YAML is an error" check must be at least as strict as the
// parsers that will read its output (issue 16, item 9): PyYAML (the Python tool's
// world) and go-yaml (kubectl and the API server, through sigs.k8s.io/yaml).
//
// - Random documents built from the fragments where js-yaml is laxer (tabs in every
//   position, anchors and aliases, YAML 1.1 line breaks, escapes, block scalars,
//   flow collections) are judged by the real PyYAML installed with the Python
//   eastern 5.0.0: whatever PyYAML refuses, validateManifest() (generate) and
//   parseManifest() (deploy) must refuse too, with a TemplateError.
// - Documents go-yaml refuses and js-yaml reads, as sigs.k8s.io/yaml v1.4.0 judged
//   them when this test was written (go-yaml is not run here: it would need a Go
//   build of its own), must be refused too.
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TemplateError } from '../../src/errors.js';
import { parseManifest, validateManifest } from '../../src/template/index.js';
import { pythonJsonLines } from './python-json-lines.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

/** PyYAML's verdict on each text, from one Python process. */
function pyyaml(texts: string[]): Promise<{ ok: boolean; error?: string }[]> {
  return pythonJsonLines('pyyaml_verdicts.py', texts);
}

/** How Eastern judges a rendered text: 'ok', or the error (which must be a TemplateError). */
function eastern(text: string, check: typeof validateManifest | typeof parseManifest): { ok: boolean; error?: unknown } {
  const lines = text.replace(/\n$/, '').split('\n');
  try {
    check({ text, sourceMap: lines.map((_, i) => ({ file: '/t/kubernetes.yaml', line: i + 1 })) }, '/t');
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

const indent = fc.constantFrom('', '  ', '    ');
const key = fc.constantFrom('a', 'b', 'c', 'data', 'name');
const tabby = fc.oneof({ weight: 6, arbitrary: fc.constant(' ') }, { weight: 1, arbitrary: fc.constantFrom('\t', ' \t', '\t ', '  ') });
const fragment: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom('', '  '), key, fc.constantFrom('v', '"w"', '1', '[a, b]', '"t\tu"', '|', '')).map(([i, k, v]) => `${i}${k}: ${v}`.trimEnd()) },
  fc.tuple(indent, key, tabby, fc.constantFrom('v', 'x y', '1', '"q"', "'s'", '"t\tu"', 'p\tq', '[1, 2]', '[1,\t2]', '{k: v}', '{k:\tv}', '~'))
    .map(([i, k, s, v]) => `${i}${k}:${s}${v}`),
  fc.tuple(indent, key, fc.constantFrom('|', '|-', '>', '|+', '|\t', '| # c', '|\t# c', '| # c\td', '|2'))
    .map(([i, k, h]) => `${i}${k}: ${h}`),
  fc.tuple(fc.constantFrom('', ' ', '  ', '    ', '      ', '\t', '  \t', '    \t'), fc.constantFrom('text', 'a\tb', '# not a comment', '\tx', ''))
    .map(([i, t]) => `${i}${t}`),
  fc.tuple(indent, fc.constantFrom('# c', '#\tc', '# c\td')).map(([i, c]) => `${i}${c}`),
  fc.constantFrom('\t# c', '\t', ' \t', '\t\t', '\tk: v', '\t- x', '---', '--- x', '...', '-\tx', '- x', '  - x', '- \tx'),
  fc.tuple(indent, key, fc.constantFrom('a', 'b'), fc.constantFrom('v', '"w"', '[1]', '')).map(([i, k, n, v]) => `${i}${k}: &${n} ${v}`),
  fc.tuple(indent, key, fc.constantFrom('a', 'b', 'é')).map(([i, k, n]) => `${i}${k}: *${n}`),
  fc.tuple(indent, key).map(([i, k]) => `${i}<<: *${k === 'a' ? 'a' : 'b'}`),
  fc.tuple(indent, key, fc.constantFrom('x\u2028y', '"x\u0085y"', "'x\u2029'", '"x\\/y"', '"x\\\\/y"', '"x\\ty"'))
    .map(([i, k, v]) => `${i}${k}: ${v}`),
  fc.tuple(indent, key, fc.constantFrom('v\t# c', '"v"\t', 'v\t', '"v" # c\t')).map(([i, k, v]) => `${i}${k}: ${v}`),
);
const document = fc.array(fragment, { minLength: 1, maxLength: 6 }).map((lines) => `${lines.join('\n')}\n`);

const strictness = suite('YAML check: at least as strict as PyYAML and go-yaml');

strictness(`random documents (${RUNS}, seed ${SEED}; FUZZ_SEED to repeat): whatever PyYAML refuses, generate and deploy refuse`, async () => {
  const texts = fc.sample(document, { numRuns: RUNS, seed: SEED });
  const verdicts = await pyyaml(texts);
  let refused = 0;
  let accepted = 0;
  texts.forEach((text, i) => {
    const py = verdicts[i] as { ok: boolean; error?: string };
    for (const [name, check] of [['validateManifest', validateManifest], ['parseManifest', parseManifest]] as const) {
      const e = eastern(text, check);
      if (!e.ok) {
        assert.instance(e.error, TemplateError, `${name} threw something else than a TemplateError for ${JSON.stringify(text)}: ${String(e.error)}`);
      }
      if (!py.ok) {
        assert.not.ok(e.ok, `PyYAML refuses ${JSON.stringify(text)} (${py.error}), but ${name} accepts it`);
      }
    }
    if (py.ok) accepted++;
    else refused++;
  });
  if (process.env.FUZZ_STATS) process.stderr.write(`yaml strictness: PyYAML refused ${refused}, accepted ${accepted}\n`);
  // The generator must produce both kinds, or the property says little.
  assert.ok(refused > RUNS / 10 && accepted > RUNS / 10, `PyYAML refused ${refused} and accepted ${accepted} of ${RUNS}`);
});

// js-yaml reads these; sigs.k8s.io/yaml v1.4.0 (go-yaml v2, as kubectl and the API server) refused each.
const GO_YAML_REFUSES: Record<string, string> = {
  'a tab-led comment line after a block scalar': 'a: |\n  x\n\t# c\nb: 1\n',
  'a tab-led comment line at the top level': 'a: 1\n\t# c\n',
  'a whitespace-only line with a tab': 'a: 1\n\t\nb: 2\n',
  'spaces then a tab on a blank line': 'a:\n  b: 1\n  \t\n  c: 2\n',
  'a tab-led line before the document': '\t\na: 1\n',
  'a tab-led flow mapping': '\t{a: 1}\n',
  'a tab-led plain scalar': '\ta\n',
  'a tab-led blank line after a folded scalar': 'a: >\n  x\n\t\n',
  'a NEL inside a plain scalar': 'a: x\u0085y\n',
  'a key of 1,100 characters': `${'k'.repeat(1100)}: 1\n`,
  'a quoted key of 1,100 characters': `"${'k'.repeat(1100)}": 1\n`,
  'an anchor name with a non-ASCII letter': 'a: &é 1\nb: *é\n',
  'the YAML 1.2 escape \\/': 'a: "x\\/y"\n',
};

for (const [what, text] of Object.entries(GO_YAML_REFUSES)) {
  strictness(`go-yaml refuses ${what}: so do generate and deploy`, () => {
    for (const check of [validateManifest, parseManifest]) {
      const e = eastern(text, check);
      assert.not.ok(e.ok, `${check.name} accepts ${JSON.stringify(text)}`);
      assert.instance(e.error, TemplateError);
    }
  });
}

strictness.run();
