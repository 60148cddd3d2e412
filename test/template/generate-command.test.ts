// The generate/render command called as a function (no process): stdout/stderr
// through injected writers, documents joined with ---, argument conflicts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../src/commands/generate.js';
import { joinDocuments } from '../../src/template/generate.js';
import { TemplateError, UsageError } from '../../src/errors.js';

const generate = suite('generate command');
let dir = '';

function io() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: { write: (s: string) => { out.stdout += s; } }, stderr: { write: (s: string) => { out.stderr += s; } } } };
}

generate.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'eastern-generate-'));
  mkdirSync(join(dir, 'a'));
  writeFileSync(join(dir, 'a', 'kubernetes.yaml'), 'kind: A\nnamespace: ${NAMESPACE}\ntag: "${IMAGE_TAG}"\n');
  writeFileSync(join(dir, 'b.yaml'), '---\nkind: B\n---\nkind: C\nenv: ${ENVIRONMENT}\n');
  writeFileSync(join(dir, 'bad.yaml'), 'kind: Bad\n  oops: [\n');
  writeFileSync(join(dir, 'warn.yaml'), 'kind: W\nx: ${NOPE}\n');
});
generate.after(() => rmSync(dir, { recursive: true, force: true }));

generate('renders FILE NAMESPACE to stdout with -s variables; nothing on stderr', async () => {
  const { out, io: w } = io();
  const code = await run({ cwd: dir, io: w, positional: { file: 'a/kubernetes.yaml', namespace: 'prod' }, set: ['IMAGE_TAG=1.0'] });
  assert.is(code, 0);
  assert.is(out.stdout, 'kind: A\nnamespace: prod\ntag: "1.0"\n');
  assert.is(out.stderr, '');
});

generate('render -f A -f B -n NS joins the files as one YAML stream; ENVIRONMENT comes from the agent environment', async () => {
  const { out, io: w } = io();
  await run({ cwd: dir, io: w, env: { EASTERN_ENVIRONMENT: 'staging' }, file: ['a/kubernetes.yaml', 'b.yaml'], namespace: 'ns1', set: ['IMAGE_TAG=2'] });
  assert.is(out.stdout, 'kind: A\nnamespace: ns1\ntag: "2"\n---\nkind: B\n---\nkind: C\nenv: staging\n');
});

generate('joinDocuments adds --- only between files that need it and skips empty ones', () => {
  assert.is(joinDocuments(['a: 1\n', '', 'b: 2\n', '---\nc: 3\n']), 'a: 1\n---\nb: 2\n---\nc: 3\n');
  assert.is(joinDocuments(['', '']), '');
});

generate('invalid YAML fails with a TemplateError and writes nothing to stdout', async () => {
  const { out, io: w } = io();
  try {
    await run({ cwd: dir, io: w, file: ['a/kubernetes.yaml', 'bad.yaml'], set: ['IMAGE_TAG=1'] });
    assert.unreachable('rendered invalid YAML');
  } catch (error) {
    assert.instance(error, TemplateError);
    assert.match((error as Error).message, 'bad.yaml:2');
  }
  assert.is(out.stdout, '');
});

generate('--allow-undefined writes the warning to the stderr writer', async () => {
  const { out, io: w } = io();
  await run({ cwd: dir, io: w, positional: { file: 'warn.yaml' }, allowUndefined: true });
  assert.is(out.stdout, 'kind: W\nx: ${NOPE}\n');
  assert.match(out.stderr, /^warning: warn\.yaml:2:4: .*NOPE/);
});

generate('usage errors: no file, both FILE and -f, both NAMESPACE and -n', async () => {
  const cases = [
    {},
    { positional: { file: 'b.yaml' }, file: ['b.yaml'] },
    { positional: { file: 'b.yaml', namespace: 'x' }, namespace: 'y' },
  ];
  for (const extra of cases) {
    try {
      await run({ cwd: dir, io: io().io, ...extra });
      assert.unreachable(`accepted ${JSON.stringify(extra)}`);
    } catch (error) {
      assert.instance(error, UsageError);
      assert.is((error as UsageError).exitCode, 64);
    }
  }
});

generate.run();
