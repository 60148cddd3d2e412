// --rollback-on-failure with the real rollout watch: a crash-looping release is
// reported as failed (exit 3), the previous good revision is re-applied as a new
// revision, and the history says what happened.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run as deploy } from '../../src/commands/deploy.js';
import { RolloutFailedError } from '../../src/errors.js';
import { capture, deleteNamespace, get, kubeconfig, projectDir, releases, uniqueNamespace } from '../kube/helpers.js';

const CTX = 'kube2';
const namespace = uniqueNamespace('rof');

const template = (simulate: string) =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: api',
    'spec:',
    '  replicas: 1',
    '  selector:',
    '    matchLabels: {app: api}',
    '  template:',
    '    metadata:',
    '      labels:',
    '        app: api',
    ...(simulate ? [`        eastern.test/simulate: ${simulate}`] : []),
    '    spec:',
    '      containers:',
    '        - name: api',
    '          image: registry.example/api:${IMAGE_TAG}',
    '',
  ].join('\n');
const dir = projectDir('api', { 'kubernetes.yaml': template('') });

const image = async () =>
  ((await get(CTX, 'apps/v1', 'Deployment', namespace, 'api')) as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0]!.image;

test('a failed rollout is rolled back to the previous good revision and still exits 3', async () => {
  const good = capture();
  // uvu cannot print EasternErrors (their `details` is a list), so report a failure here.
  const code = await deploy({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, io: good.io, file: 'kubernetes.yaml', namespace, timeout: 90, set: ['IMAGE_TAG=1.0'] } as never).catch((e) => String(e));
  assert.is(code, 0, good.stderr());
  writeFileSync(join(dir, 'kubernetes.yaml'), template('crashloop'));

  const bad = capture();
  const error = await deploy({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, io: bad.io, file: 'kubernetes.yaml', namespace, timeout: 90, rollbackOnFailure: true, output: 'json', set: ['IMAGE_TAG=2.0'] } as never).catch((e) => e);
  assert.ok(error instanceof RolloutFailedError, `${error}\n${bad.stderr()}`);
  assert.is(error.exitCode, 3);
  assert.match(error.describe(), /rolled back to revision 1 as revision 3: succeeded/);
  const result = JSON.parse(bad.stdout());
  assert.is(result.outcome, 'failed');
  assert.equal(result.rollback, { revision: 3, of: 1, outcome: 'deployed' });
  assert.is(await image(), 'registry.example/api:1.0');
  const { heads } = await releases(CTX, namespace, 'api');
  assert.equal(heads.map((h) => `${h.info.revision}:${h.info.outcome}:${h.info.rollbackOf ?? ''}`), ['3:deployed:1', '2:rolled-back:', '1:superseded:']);
  assert.match(heads[1]!.info.reason ?? '', /./, 'the failed revision keeps its reason');
});

test.after(async () => {
  await deleteNamespace(CTX, namespace);
});

test.run();
