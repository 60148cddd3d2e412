// Levels per environment on the local clusters: the same project deploys with
// warnings to dev (kube1, whose agent file says `errors: warn`) and is refused for
// production (kube2, where image-tag is an error) before anything is written.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run as deploy } from '../../src/commands/deploy.js';
import { ValidationError } from '../../src/errors.js';
import { agentText } from '../fleet/agent-text.js';
import { capture, client, deleteNamespace, get, kubeconfig, projectDir, releases, uniqueNamespace } from '../kube/helpers.js';

const agent = (name: string, environments: string[], checks: string) => agentText(name, environments, `kubernetes:
  context: ${name}
checks:
${checks}`);

const fleet = mkdtempSync(join(tmpdir(), 'eastern-fleet-'));
mkdirSync(join(fleet, 'agents'));
writeFileSync(join(fleet, 'agents', 'kube1.yaml'), agent('kube1', ['dev', 'staging'], '  dev:\n    errors: warn\n'));
writeFileSync(join(fleet, 'agents', 'kube2.yaml'), agent('kube2', ['staging', 'production'], '  production:\n    errors: block\n    rules:\n      image-tag: error\n'));

const template = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: tools
spec:
  selector:
    matchLabels: {app: tools}
  template:
    metadata:
      labels: {app: tools}
    spec:
      containers:
        - name: tools
          image: registry.example/tools:latest
          resources:
            requests: {cpu: 10m, memory: 16Mi}
            limits: {memory: 16Mi}
          securityContext:
            runAsNonRoot: true
            privileged: true
`;
const dir = projectDir('tools', { 'kubernetes.yaml': template });
const devNs = uniqueNamespace('levels-dev');
const prodNs = uniqueNamespace('levels-prod');

const common = (context: string, env: Record<string, string>, extra: Record<string, unknown> = {}) =>
  ({ cwd: dir, kubeconfig: kubeconfig(), context, wait: false, lockTimeout: 30, file: 'kubernetes.yaml', env: { ...process.env, ...env }, ...extra });

test('dev (errors: warn): the deploy goes through and the log shows each finding at its template line', async () => {
  const c = capture();
  const code = await deploy({ ...common('kube1', { EASTERN_ENVIRONMENT: 'dev', EASTERN_AGENT_FILE: join(fleet, 'agents', 'kube1.yaml') }), io: c.io, namespace: devNs } as never);
  assert.is(code, 0, c.stderr());
  const log = c.stderr();
  assert.match(log, /kubernetes\.yaml:20: warning \[privileged\] Deployment\/tools: container "tools" runs privileged — \(an error elsewhere: this environment only warns\) — fix: /);
  assert.match(log, /kubernetes\.yaml:14: warning \[image-tag\] Deployment\/tools: container "tools" runs registry\.example\/tools:latest/);
  assert.match(log, /checks: 0 errors, 2 warnings, 0 suppressed; levels: environment dev \(.*agents\/kube1\.yaml: errors warn\)/);
  assert.ok(await get('kube1', 'apps/v1', 'Deployment', devNs, 'tools'), 'applied');
  assert.is((await releases('kube1', devNs, 'tools')).heads.length, 1);
});

test('production (image-tag: error, errors block): refused with every error at its line, nothing written', async () => {
  const c = capture();
  let error: unknown;
  try {
    await deploy({ ...common('kube2', { EASTERN_ENVIRONMENT: 'production' }, { agents: join(fleet, 'agents') }), io: c.io, namespace: prodNs } as never);
  } catch (e) {
    error = e;
  }
  assert.instance(error, ValidationError, c.stderr());
  const e = error as ValidationError;
  assert.match(e.message, /2 checks fail at the levels of environment production; nothing was applied/);
  assert.equal(e.problems.map((p) => p.split(' — ')[0]), [
    'kubernetes.yaml:14: error [image-tag] Deployment/tools: container "tools" runs registry.example/tools:latest: the version depends on when the node pulled it',
    'kubernetes.yaml:20: error [privileged] Deployment/tools: container "tools" runs privileged',
  ]);
  assert.match(c.stderr(), /levels: environment production \(.*agents\/kube2\.yaml: errors block\)/);
  // The check runs before the namespace, the lock, the dry run and the record.
  assert.is(await (await client('kube2')).get({ apiVersion: 'v1', kind: 'Namespace', name: prodNs }), undefined, 'namespace not even created');
  assert.is((await releases('kube2', prodNs, 'tools')).heads.length, 0);
});

test('production with a reasoned suppression of each finding deploys', async () => {
  const suppressed = template.replace('  name: tools\n', '  name: tools\n  annotations:\n    check.eastern.io/image-tag: "a nightly tools image, rebuilt every day on purpose"\n    check.eastern.io/privileged: "needs raw sockets for network debugging; approved by platform"\n');
  const sdir = projectDir('tools', { 'kubernetes.yaml': suppressed });
  const c = capture();
  const code = await deploy({ ...common('kube2', { EASTERN_ENVIRONMENT: 'production' }, { agents: join(fleet, 'agents'), cwd: sdir }), io: c.io, namespace: prodNs } as never);
  assert.is(code, 0, c.stderr());
  assert.match(c.stderr(), /checks passed \(2 suppressed\)/);
  assert.ok(await get('kube2', 'apps/v1', 'Deployment', prodNs, 'tools'));
});

test('cleanup', async () => {
  await deleteNamespace('kube1', devNs);
  await deleteNamespace('kube2', prodNs);
});

test.run();
