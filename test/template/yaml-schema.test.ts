// Manifests are read the way kubectl reads them (YAML 1.1 scalars), not as YAML 1.2.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseManifest } from '../../src/template/index.js';

function value(text: string): Record<string, unknown> {
  const docs = parseManifest({ text, sourceMap: [] });
  return docs[0]?.value as Record<string, unknown>;
}

test('a leading zero means octal, as kubectl reads defaultMode: 0755', () => {
  assert.equal(value('defaultMode: 0755\nneg: -012\nzero: 0\no: 0o17\n'), { defaultMode: 493, neg: -10, zero: 0, o: 15 });
});

test('hex and binary integers, decimal stays decimal', () => {
  assert.equal(value('a: 0x1F\nb: 0b101\nc: 8080\n'), { a: 31, b: 5, c: 8080 });
});

test('yes/no/on/off are booleans; bare y and n stay strings', () => {
  assert.equal(value('a: yes\nb: Off\nc: ON\nd: no\ny: n\n'), { a: true, b: false, c: true, d: false, y: 'n' });
});

test('unquoted dates stay strings instead of becoming timestamps', () => {
  assert.equal(value('date: 2024-01-01\nts: 2001-12-14t21:59:43.10-05:00\n'), { date: '2024-01-01', ts: '2001-12-14t21:59:43.10-05:00' });
});

test('quoted scalars are strings, merge keys work, floats and nulls as usual', () => {
  assert.equal(value('q: "0755"\nbase: &b {x: 1}\nm:\n  <<: *b\n  z: 2\nf: 1.5\nn: ~\n'), { q: '0755', base: { x: 1 }, m: { x: 1, z: 2 }, f: 1.5, n: null });
});

test.run();
