// parseDirective(): which raw lines are directives (section 2 of the spec).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDirective } from '../../src/template/index.js';

const directives: [string, { indent: string; required: boolean; candidates: string[] }][] = [
  ['# load! a.yaml', { indent: '', required: true, candidates: ['a.yaml'] }],
  ['#load! a.yaml', { indent: '', required: true, candidates: ['a.yaml'] }],
  ['#   load? a.yaml', { indent: '', required: false, candidates: ['a.yaml'] }],
  ['    # load? a.yaml', { indent: '    ', required: false, candidates: ['a.yaml'] }],
  ['\t  # load! a.yaml', { indent: '\t  ', required: true, candidates: ['a.yaml'] }],
  ['  # load!\ta.yaml', { indent: '  ', required: true, candidates: ['a.yaml'] }],
  ['# load!', { indent: '', required: true, candidates: [] }],
  ['# load?   ', { indent: '', required: false, candidates: [] }],
  ['# load! a.yaml,b.yaml', { indent: '', required: true, candidates: ['a.yaml', 'b.yaml'] }],
  ['# load!  , a.yaml ,, b-${NAMESPACE}.yaml ,  ', { indent: '', required: true, candidates: ['a.yaml', 'b-${NAMESPACE}.yaml'] }],
  ['# load! with space.yaml', { indent: '', required: true, candidates: ['with space.yaml'] }],
];

const notDirectives = [
  'key: v # load! a.yaml',
  '# load!a.yaml',
  '#load?a.yaml',
  '# load a.yaml',
  '# loading! a.yaml',
  '# LOAD! a.yaml',
  '## load! a.yaml',
  '# x load! a.yaml',
  '- # load! a.yaml',
  '"# load! a.yaml"',
  '${INDENT}# load! a.yaml',
  'load! a.yaml',
  '',
];

for (const [line, expected] of directives) {
  test(`directive: ${JSON.stringify(line)}`, () => {
    const parsed = parseDirective(line);
    assert.ok(parsed);
    const { offsets, plain, ...rest } = parsed;
    assert.equal(rest, expected);
    assert.is(plain, !line.includes('${'), 'plain: no candidate holds a variable');
    // Each offset points at its candidate in the raw line (used for error columns).
    assert.equal(offsets.map((o, i) => line.slice(o, o + (parsed.candidates[i] ?? '').length)), parsed.candidates);
  });
}

for (const line of notDirectives) {
  test(`not a directive: ${JSON.stringify(line)}`, () => {
    assert.is(parseDirective(line), undefined);
  });
}

test.run();
