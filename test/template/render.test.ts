// render(): text, source map, files and root, on an in-memory file tree.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TemplateError } from '../../src/errors.js';
import { MAX_DEPTH, render, type RenderOptions, type SourceLocation } from '../../src/template/index.js';
import { memFs, type MemEntry } from './mem-fs.js';

const P = '/repo/app';

function run(entries: Record<string, MemEntry>, extra: Partial<RenderOptions> = {}, gitDirs: string[] = []) {
  const fs = memFs(entries, gitDirs);
  const rendered = render({ file: `${P}/kubernetes.yaml`, variables: { NAMESPACE: 'prod' }, cwd: P, fs, ...extra });
  return { ...rendered, fs };
}

function fails(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (error) {
    assert.instance(error, TemplateError, `expected a TemplateError, got ${String(error)}`);
    return error as TemplateError;
  }
  throw new assert.Assertion({ message: 'expected render to throw', operator: 'throws', expects: 'throw', actual: 'returned', generated: false });
}

const at = (loc: SourceLocation | undefined) => {
  const parts: string[] = [];
  for (let l = loc; l; l = l.via) parts.push(`${l.file.replace(`${P}/`, '')}:${l.line}`);
  return parts.join(' < ');
};

const sourceMap = suite('render: source map');

sourceMap('maps every output line to the template line it came from, through the include chain', () => {
  const r = run({
    [`${P}/kubernetes.yaml`]: 'kind: ConfigMap\ndata:\n  # load! parts/a.yaml\nend: true\n',
    [`${P}/parts/a.yaml`]: 'a: 1\n# load! b.yaml\nc: 3\n',
    [`${P}/parts/b.yaml`]: 'b: 2\n',
  });
  assert.is(r.text, 'kind: ConfigMap\ndata:\n  a: 1\n  b: 2\n  c: 3\nend: true\n');
  assert.equal(r.sourceMap.toArray().map(at), [
    'kubernetes.yaml:1',
    'kubernetes.yaml:2',
    'parts/a.yaml:1 < kubernetes.yaml:3',
    'parts/b.yaml:1 < parts/a.yaml:2 < kubernetes.yaml:3',
    'parts/a.yaml:3 < kubernetes.yaml:3',
    'kubernetes.yaml:4',
  ]);
});

sourceMap('has one entry per output line, also after trimmed trailing lines and removed empty partials', () => {
  const r = run({
    [`${P}/kubernetes.yaml`]: 'a: 1\n# load! empty.yaml\n# load! trailing.yaml\n\n\n',
    [`${P}/empty.yaml`]: '\n\n',
    [`${P}/trailing.yaml`]: 'b: 2\n\n\n',
  });
  assert.is(r.text, 'a: 1\nb: 2\n');
  assert.is(r.sourceMap.length, r.text.split('\n').length - 1);
  assert.equal(r.sourceMap.toArray().map(at), ['kubernetes.yaml:1', 'trailing.yaml:1 < kubernetes.yaml:3']);
});

sourceMap('maps the load? fallback comment to the directive', () => {
  const r = run({ [`${P}/kubernetes.yaml`]: 'a: 1\n  # load? x-${NAMESPACE}.yaml, y.yaml\n' });
  // The list as typed, substituted, a space added after each comma: the Python tool's text.
  assert.is(r.text, 'a: 1\n  # Cannot load x-prod.yaml,  y.yaml\n');
  assert.equal(r.sourceMap.toArray().map(at), ['kubernetes.yaml:1', 'kubernetes.yaml:2']);
});

sourceMap('is empty for an empty template', () => {
  const r = run({ [`${P}/kubernetes.yaml`]: '' });
  assert.is(r.text, '');
  assert.equal(r.sourceMap.toArray(), []);
});

const files = suite('render: files and root');

files('lists every file read once, top-level first, as real paths', () => {
  const r = run({
    [`${P}/kubernetes.yaml`]: '# load! a.yaml\n# load! link.yaml\n# load! a.yaml\n',
    [`${P}/a.yaml`]: 'a: 1\n',
    [`${P}/link.yaml`]: { symlink: 'real/b.yaml' },
    [`${P}/real/b.yaml`]: 'b: 2\n',
  });
  assert.equal(r.files, [`${P}/kubernetes.yaml`, `${P}/a.yaml`, `${P}/real/b.yaml`]);
  assert.is(r.text, 'a: 1\nb: 2\na: 1\n');
});

files('the root is the git work tree above the template, else the template folder, else --root', () => {
  const entries = { [`${P}/kubernetes.yaml`]: 'a: 1\n' };
  assert.is(run(entries, {}, ['/repo']).root, '/repo');
  assert.is(run(entries).root, P);
  assert.is(run(entries, { root: '/repo' }).root, '/repo');
  assert.is(run(entries, { root: '..' }).root, '/repo', '--root is relative to cwd');
});

files('a partial outside the default root is rejected, and allowed under a wider --root', () => {
  const entries = { [`${P}/kubernetes.yaml`]: '# load! ../shared/a.yaml\n', '/repo/shared/a.yaml': 'a: 1\n' };
  const e = fails(() => run(entries));
  assert.match(e.message, /kubernetes\.yaml:1/);
  assert.is(run(entries, { root: '/repo' }).text, 'a: 1\n');
});

files('a symlink whose target leaves the root is rejected even though the link is inside', () => {
  const e = fails(() => run({
    [`${P}/kubernetes.yaml`]: '# load? link.yaml\n',
    [`${P}/link.yaml`]: { symlink: '../secret.yaml' },
    '/repo/secret.yaml': 'password: x\n',
  }));
  assert.match(e.message, /secret\.yaml/);
});

files('an absolute candidate is rejected even when the file exists inside the root', () => {
  const e = fails(() => run({ [`${P}/kubernetes.yaml`]: '# load? /repo/app/a.yaml\n', [`${P}/a.yaml`]: 'a: 1\n' }));
  assert.match(e.message, /absolute/);
});

files('an --root that does not contain the template is an error', () => {
  fails(() => run({ [`${P}/kubernetes.yaml`]: 'a: 1\n', '/other/x.yaml': 'x: 1\n' }, { root: '/other' }));
});

const errors = suite('render: errors');

errors('an unreadable partial names the directive and the reason', () => {
  const e = fails(() => run({
    [`${P}/kubernetes.yaml`]: 'a: 1\n  # load! parts/locked.yaml\n',
    [`${P}/parts/locked.yaml`]: { readError: 'EACCES' },
  }));
  assert.match(e.message, /kubernetes\.yaml:2/);
  assert.match(e.message, /parts\/locked\.yaml/);
  assert.match(e.message, /permission denied/);
  assert.is(e.exitCode, 1);
});

errors('an unreadable top-level template is a TemplateError too', () => {
  const e = fails(() => run({ [`${P}/kubernetes.yaml`]: { readError: 'EACCES' } }));
  assert.match(e.message, /kubernetes\.yaml/);
});

errors('a file-system error while checking a candidate (other than "missing") is an ordinary error at the directive', () => {
  const e = fails(() => run({
    [`${P}/kubernetes.yaml`]: 'a: 1\n# load! locked/x.yaml\n',
    [`${P}/locked/x.yaml`]: { statError: 'EACCES' },
  }));
  assert.match(e.message, /^kubernetes\.yaml:2: cannot check "locked\/x\.yaml" \(locked\/x\.yaml\): permission denied/);
  const io = fails(() => run({ [`${P}/kubernetes.yaml`]: '# load? x.yaml\n', [`${P}/x.yaml`]: { statError: 'EIO' } }));
  assert.match(io.message, /^kubernetes\.yaml:1: cannot check "x\.yaml"/);
});

errors('messages never show the value of a secret-looking variable (the release-record rule)', () => {
  const variables = { NAMESPACE: 'prod', DB_PASSWORD: 'hunter2', API_TOKEN: '/etc/tok' };
  for (const template of ['# load! conf-${DB_PASSWORD}.yaml\n', '# load! ${API_TOKEN}\n', '# load! ../${DB_PASSWORD}/x.yaml\n', '# load! d-${DB_PASSWORD}\n']) {
    const e = fails(() => run({ [`${P}/kubernetes.yaml`]: template, [`${P}/d-hunter2/x`]: 'x: 1\n' }, { variables }));
    const text = e.describe();
    assert.not.ok(text.includes('hunter2') || text.includes('/etc/tok'), text);
    assert.match(text, /\*{8}/);
  }
});

errors('a candidate that is neither file nor folder (FIFO, socket) is rejected without reading it', () => {
  const r = () => run({ [`${P}/kubernetes.yaml`]: '# load! pipe.yaml\n', [`${P}/pipe.yaml`]: { other: true } });
  fails(r);
});

errors(`nesting is allowed to depth ${MAX_DEPTH} and rejected beyond`, () => {
  const chain = (depth: number) => {
    const entries: Record<string, MemEntry> = { [`${P}/kubernetes.yaml`]: '# load! d1.yaml\n' };
    for (let i = 1; i <= depth; i++) entries[`${P}/d${i}.yaml`] = i < depth ? `l${i}: 1\n# load! d${i + 1}.yaml\n` : `l${i}: end\n`;
    return entries;
  };
  const ok = run(chain(MAX_DEPTH));
  assert.is(ok.sourceMap.length, MAX_DEPTH);
  assert.is(ok.sourceMap.at(MAX_DEPTH - 1)?.file, `${P}/d${MAX_DEPTH}.yaml`);
  const e = fails(() => run(chain(MAX_DEPTH + 1)));
  assert.match(e.message, new RegExp(String(MAX_DEPTH)));
});

errors('a cycle names every step and ends with the file loaded again', () => {
  const e = fails(() => run({
    [`${P}/kubernetes.yaml`]: 'x: 1\n# load! a.yaml\n',
    [`${P}/a.yaml`]: '# load! b.yaml\n',
    [`${P}/b.yaml`]: 'b: 1\n\n# load! a.yaml\n',
  }));
  assert.match(e.message, 'kubernetes.yaml:2 → a.yaml:1 → b.yaml:3 → a.yaml');
});

errors('an undefined variable names file:line:column and the include chain; --allow-undefined warns instead', () => {
  const entries = { [`${P}/kubernetes.yaml`]: 'a: 1\n# load! p.yaml\n', [`${P}/p.yaml`]: 'b: x-${NOPE}\n' };
  const e = fails(() => run(entries));
  assert.match(e.message, 'p.yaml:1:6');
  assert.match(e.message, 'NOPE');
  assert.ok(e.detailLines.some((d) => d.includes('kubernetes.yaml:2')), e.detailLines.join('\n'));

  const warnings: string[] = [];
  const r = run(entries, { allowUndefined: true, onWarning: (m) => warnings.push(m) });
  assert.is(r.text, 'a: 1\nb: x-${NOPE}\n');
  assert.is(warnings.length, 1);
  assert.match(warnings[0] ?? '', 'p.yaml:1:6');
});

errors('a variable value with a line break is rejected before anything is read', () => {
  const fs = memFs({ [`${P}/kubernetes.yaml`]: 'a: ${X}\n' });
  const e = fails(() => render({ file: `${P}/kubernetes.yaml`, variables: { NAMESPACE: 'p', X: 'a\nb' }, cwd: P, fs }));
  assert.match(e.message, 'X');
  assert.is(fs.reads.size, 0);
});

errors('variables that are not used still may not hold line breaks', () => {
  fails(() => run({ [`${P}/kubernetes.yaml`]: 'a: 1\n' }, { variables: { NAMESPACE: 'p', UNUSED: 'x\r' } }));
});

const text = suite('render: text');

text('CRLF input gives LF output and candidates never keep a CR', () => {
  const r = run({ [`${P}/kubernetes.yaml`]: 'a: 1\r\n# load! b.yaml\r\n', [`${P}/b.yaml`]: 'b: 2\r\n' });
  assert.is(r.text, 'a: 1\nb: 2\n');
});

text('a lone CR is a line break (as for Python and YAML): directives after it load, the output has LF only', () => {
  const r = run({ [`${P}/kubernetes.yaml`]: 'a: 1\r# load! b.yaml\rc: 3\r', [`${P}/b.yaml`]: 'b: 2\r\r' });
  assert.is(r.text, 'a: 1\nb: 2\nc: 3\n');
  assert.equal(r.sourceMap.toArray().map(at), ['kubernetes.yaml:1', 'b.yaml:1 < kubernetes.yaml:2', 'kubernetes.yaml:3']);
});

text('candidates are trimmed again after substitution (Python whitespace), and one that is empty either way is ignored', () => {
  const entries = { [`${P}/kubernetes.yaml`]: '# load? ${E}, ${P},\n# load? ${E}\n', [`${P}/p.yaml`]: 'p: 1\n' };
  const r = run(entries, { variables: { NAMESPACE: 'prod', P: '\u00a0p.yaml\u3000', E: '' } });
  assert.is(r.text, 'p: 1\n# Cannot load \n');
  const e = fails(() => run({ [`${P}/kubernetes.yaml`]: '# load! ${E}\n' }, { variables: { NAMESPACE: 'prod', E: ' ' } }));
  assert.match(e.message, /kubernetes\.yaml:1: load! names no file/);
});

text('a variable value that looks like a directive is inert', () => {
  const r = run({ [`${P}/kubernetes.yaml`]: '${V}\n', [`${P}/x.yaml`]: 'loaded: true\n' }, { variables: { NAMESPACE: 'p', V: '# load! x.yaml' } });
  assert.is(r.text, '# load! x.yaml\n');
  assert.equal(r.files, [`${P}/kubernetes.yaml`]);
});

text('variables in candidates are substituted before resolving; a comma in a value stays in one path', () => {
  const entries = { [`${P}/kubernetes.yaml`]: '# load? ${F}\n', [`${P}/a.yaml`]: 'a: 1\n' };
  assert.is(run(entries, { variables: { NAMESPACE: 'p', F: 'a.yaml' } }).text, 'a: 1\n');
  assert.is(run(entries, { variables: { NAMESPACE: 'p', F: 'a.yaml, b.yaml' } }).text, '# Cannot load a.yaml,  b.yaml\n');
});

text('indent of tabs and spaces prefixes non-empty loaded lines only', () => {
  const r = run({ [`${P}/kubernetes.yaml`]: 'k: |\n  \t# load! p.txt\n', [`${P}/p.txt`]: 'one\n\n  two\n' });
  assert.is(r.text, 'k: |\n  \tone\n\n  \t  two\n');
});

sourceMap.run();
files.run();
errors.run();
text.run();
