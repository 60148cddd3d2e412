// parseDirective(): which raw lines are directives (section 2 of the spec, with
// the Python tool's whitespace: str.isspace around the `#`).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDirective } from '../../src/template/index.js';

const directives: [string, { indent: string; required: boolean; candidates: string[]; list: string }][] = [
  ['# load! a.yaml', { indent: '', required: true, candidates: ['a.yaml'], list: 'a.yaml' }],
  ['#load! a.yaml', { indent: '', required: true, candidates: ['a.yaml'], list: 'a.yaml' }],
  ['#   load? a.yaml', { indent: '', required: false, candidates: ['a.yaml'], list: 'a.yaml' }],
  ['    # load? a.yaml', { indent: '    ', required: false, candidates: ['a.yaml'], list: 'a.yaml' }],
  ['\t  # load! a.yaml', { indent: '\t  ', required: true, candidates: ['a.yaml'], list: 'a.yaml' }],
  ['  # load!\ta.yaml', { indent: '  ', required: true, candidates: ['a.yaml'], list: 'a.yaml' }],
  ['# load!', { indent: '', required: true, candidates: [], list: '' }],
  ['# load?   ', { indent: '', required: false, candidates: [], list: '' }],
  ['# load! a.yaml,b.yaml', { indent: '', required: true, candidates: ['a.yaml', 'b.yaml'], list: 'a.yaml,b.yaml' }],
  ['# load!  , a.yaml ,, b-${NAMESPACE}.yaml ,  ', { indent: '', required: true, candidates: ['a.yaml', 'b-${NAMESPACE}.yaml'], list: ' , a.yaml ,, b-${NAMESPACE}.yaml ,' }],
  ['# load! with space.yaml', { indent: '', required: true, candidates: ['with space.yaml'], list: 'with space.yaml' }],
  // Python's whitespace (str.isspace) between `#` and the keyword, before the `#`, and trimmed off candidates.
  ['#\u00a0load! a.yaml', { indent: '', required: true, candidates: ['a.yaml'], list: 'a.yaml' }],
  ['#\u3000\u2003 load? a.yaml', { indent: '', required: false, candidates: ['a.yaml'], list: 'a.yaml' }],
  ['#\u0085load! a.yaml', { indent: '', required: true, candidates: ['a.yaml'], list: 'a.yaml' }],
  ['#\u001cload! a.yaml', { indent: '', required: true, candidates: ['a.yaml'], list: 'a.yaml' }],
  ['\u00a0 # load! a.yaml', { indent: '\u00a0 ', required: true, candidates: ['a.yaml'], list: 'a.yaml' }],
  ['# load! \u00a0a.yaml\u2009, b.yaml\u3000', { indent: '', required: true, candidates: ['a.yaml', 'b.yaml'], list: '\u00a0a.yaml\u2009, b.yaml' }],
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
  // Only a space (or, in Eastern, a tab) ends the keyword: in Python the command would be "load!\u00a0a.yaml".
  '# load!\u00a0a.yaml',
  // U+FEFF (a byte-order mark) is not whitespace in Python.
  '#\ufeffload! a.yaml',
  '\ufeff# load! a.yaml',
  // U+200B is not whitespace either.
  '#\u200bload! a.yaml',
];

for (const [line, expected] of directives) {
  test(`directive: ${JSON.stringify(line)}`, () => {
    const parsed = parseDirective(line);
    assert.ok(parsed);
    const { offsets, plain, listOffset, ...rest } = parsed;
    assert.equal(rest, expected);
    assert.is(plain, !line.includes('${'), 'plain: no candidate holds a variable');
    // Each offset points at its candidate in the raw line (used for error columns).
    assert.equal(offsets.map((o, i) => line.slice(o, o + (parsed.candidates[i] ?? '').length)), parsed.candidates);
    assert.is(line.slice(listOffset, listOffset + parsed.list.length), parsed.list);
  });
}

for (const line of notDirectives) {
  test(`not a directive: ${JSON.stringify(line)}`, () => {
    assert.is(parseDirective(line), undefined);
  });
}

test.run();
