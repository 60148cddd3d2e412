// nodeFs and render() on the real file system: paths that name nothing in odd
// ways are misses, never internal errors; files that are not UTF-8 are refused at
// the line and byte of the first bad sequence.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TemplateError } from '../../src/errors.js';
import { InvalidUtf8Error, nodeFs } from '../../src/template/fs.js';
import { render } from '../../src/template/index.js';

let dir = '';
const fs = suite('nodeFs and render() on real files');
fs.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'eastern-fs-'));
  mkdirSync(join(dir, '.git'));
  writeFileSync(join(dir, 'p.yaml'), 'p: 1\n');
  writeFileSync(join(dir, 'ok.yaml'), 'ok: 1\n');
  symlinkSync('loop.yaml', join(dir, 'loop.yaml'));
  symlinkSync('loop-b.yaml', join(dir, 'loop-a.yaml'));
  symlinkSync('loop-a.yaml', join(dir, 'loop-b.yaml'));
});
fs.after(() => rmSync(dir, { recursive: true, force: true }));

const HOSTILE = ['p.yaml/x.yaml', 'loop.yaml', 'loop-a.yaml', `${'n'.repeat(300)}.yaml`, `${'d/'.repeat(2100)}x.yaml`, 'a\0b.yaml', 'loop.yaml/x.yaml'];

fs('kind() answers "missing" for a path through a file, a symlink loop, a name too long, a NUL byte', () => {
  for (const name of HOSTILE) assert.is(nodeFs.kind(join(dir, name)), undefined, JSON.stringify(name.slice(0, 40)));
  assert.is(nodeFs.kind(join(dir, 'p.yaml')), 'file');
  assert.is(nodeFs.kind(dir), 'dir');
});

fs('render(): each of them is a miss for load? and the next candidate loads; for load! an error at the directive', () => {
  for (const name of HOSTILE) {
    const file = join(dir, 'kubernetes.yaml');
    writeFileSync(file, `a:\n  # load? ${name}, ok.yaml\n`);
    assert.is(render({ file, variables: { NAMESPACE: 'p' }, cwd: dir }).text, 'a:\n  ok: 1\n', JSON.stringify(name.slice(0, 40)));
    writeFileSync(file, `a:\n  # load! ${name}\n`);
    try {
      render({ file, variables: { NAMESPACE: 'p' }, cwd: dir });
      assert.unreachable('rendered');
    } catch (error) {
      assert.instance(error, TemplateError);
      assert.match((error as Error).message, /^kubernetes\.yaml:2: load! found none of its candidates/);
    }
  }
});

fs('render(): a path variable that names a file where a folder is expected is a miss too', () => {
  const file = join(dir, 'kubernetes.yaml');
  writeFileSync(file, '# load? ${DIR}/x.yaml, ok.yaml\n');
  assert.is(render({ file, variables: { NAMESPACE: 'p', DIR: 'p.yaml' }, cwd: dir }).text, 'ok: 1\n');
});

function utf8Failure(bytes: Buffer): InvalidUtf8Error {
  const file = join(dir, 'bytes.yaml');
  writeFileSync(file, bytes);
  try {
    nodeFs.readFile(file);
  } catch (error) {
    assert.instance(error, InvalidUtf8Error);
    return error as InvalidUtf8Error;
  }
  throw new Error('read without error');
}

fs('readFile() refuses bytes that are not UTF-8, naming the line and the byte within it', () => {
  const latin1 = utf8Failure(Buffer.from('a: 1\nb: "caf\xe9"\n', 'latin1'));
  assert.equal([latin1.line, latin1.byteColumn, latin1.byte, latin1.utf16], [2, 8, 0xe9, false]);
  // Line breaks as the renderer counts them: CRLF is one, a lone CR is one.
  const cr = utf8Failure(Buffer.concat([Buffer.from('a\r\nb\rc: '), Buffer.from([0xc3, 0x28])]));
  assert.equal([cr.line, cr.byteColumn], [3, 4]);
  // An overlong encoding, a surrogate, a truncated sequence at the end: each refused where it starts.
  assert.equal(utf8Failure(Buffer.from([0x61, 0xc0, 0xaf])).byteColumn, 2);
  assert.equal(utf8Failure(Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80])).byteColumn, 3);
  assert.equal(utf8Failure(Buffer.from([0xe2, 0x82])).byteColumn, 1);
  // Valid multi-byte text before the bad byte counts in bytes.
  assert.equal(utf8Failure(Buffer.concat([Buffer.from('é☕: '), Buffer.from([0xff])])).byteColumn, 8);
  assert.ok(utf8Failure(Buffer.from('\ufeffa: 1\n', 'utf16le')).utf16, 'a UTF-16 file is recognised as such');
});

fs('readFile() drops a leading byte-order mark and keeps valid UTF-8 as it is', () => {
  const file = join(dir, 'bom.yaml');
  writeFileSync(file, '\ufeffa: "é ☕ 日本 \u{1F680}"\n');
  assert.is(nodeFs.readFile(file), 'a: "é ☕ 日本 \u{1F680}"\n');
});

fs('render(): a partial that is not UTF-8 fails at its own line, with the include chain; a UTF-16 file gets its own fix', () => {
  const file = join(dir, 'kubernetes.yaml');
  writeFileSync(file, 'a: 1\n# load! latin1.yaml\n');
  writeFileSync(join(dir, 'latin1.yaml'), Buffer.from('x: 1\ny: "\xe9t\xe9"\n', 'latin1'));
  try {
    render({ file, variables: { NAMESPACE: 'p' }, cwd: dir });
    assert.unreachable('rendered');
  } catch (error) {
    assert.instance(error, TemplateError);
    const e = error as TemplateError;
    assert.is(e.message, 'latin1.yaml:2: not valid UTF-8: byte 5 of the line is 0xE9');
    assert.equal(e.detailLines, ['included from kubernetes.yaml:2']);
    assert.match(e.fix ?? '', /save the file as UTF-8/);
  }
  writeFileSync(join(dir, 'latin1.yaml'), Buffer.from('\ufeffx: 1\n', 'utf16le'));
  try {
    render({ file, variables: { NAMESPACE: 'p' }, cwd: dir });
    assert.unreachable('rendered');
  } catch (error) {
    assert.match((error as TemplateError).fix ?? '', /UTF-16/);
  }
});

fs.run();
