import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../src/commands/job.js';
import { jobName, renameJobs } from '../../src/deploy/job.js';
import { ValidationError } from '../../src/errors.js';
import type { ManifestDocument } from '../../src/template/types.js';

const doc = (value: unknown, index = 0): ManifestDocument => ({ index, outputLine: 1, source: { file: '/x.yaml', line: 1 }, value });
const test = suite('eastern job (offline parts)');

test('the name gets -<tag>, lower-cased', () => {
  assert.is(jobName('migrate', 'V1'), 'migrate-v1');
});

test('characters a DNS label cannot hold (dots included) become -', () => {
  assert.is(jobName('migrate', 'build_42+sha'), 'migrate-build-42-sha');
  assert.is(jobName('migrate', '1.2.3'), 'migrate-1-2-3');
});

test('cut to 63 characters, without a trailing -', () => {
  const name = jobName('a'.repeat(50), `${'b'.repeat(11)}-.cccc`);
  assert.is(name, `${'a'.repeat(50)}-${'b'.repeat(11)}`);
  assert.ok(name.length <= 63);
  assert.is(jobName('x'.repeat(70), 'tag').length, 63);
});

test('every Job is renamed, other documents stay as they are', () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' } };
  const a = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate' } };
  const b = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'seed' } };
  const { documents, jobs } = renameJobs([doc(cm), doc(a, 1), doc(b, 2)], 'ABC');
  assert.equal(jobs, ['migrate-abc', 'seed-abc']);
  assert.is(documents[0]?.value, cm);
  assert.is((documents[1]?.value as typeof a).metadata.name, 'migrate-abc');
  assert.is(a.metadata.name, 'migrate', 'input untouched');
});

test('a CronJob or a Job of another API group is not a Job to run', () => {
  const { jobs } = renameJobs([doc({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' } }), doc({ apiVersion: 'example.com/v1', kind: 'Job', metadata: { name: 'x' } })], 't');
  assert.equal(jobs, []);
});

test('a template without a Job is refused before any cluster is contacted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eastern-job-'));
  writeFileSync(join(dir, 'job.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
  const stderr: string[] = [];
  try {
    await run({ cwd: dir, env: { KUBECONFIG: join(dir, 'missing') }, io: { stdout: { write: () => true }, stderr: { write: (s: string) => stderr.push(s) } }, file: 'job.yaml', namespace: 'ns', tag: 'v1' });
    assert.unreachable('should throw');
  } catch (error) {
    assert.instance(error, ValidationError);
    assert.match((error as Error).message, 'job.yaml contains no Job');
  }
});

test.run();
