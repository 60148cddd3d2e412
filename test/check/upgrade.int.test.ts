// Upgrade readiness on the local clusters: a FlowSchema of
// flowcontrol.apiserver.k8s.io/v1beta3 is served by kube1 (Kubernetes 1.30) and not
// by kube2 (1.33). Deploying it to kube1 works (with a deprecation warning);
// upgrade-check names it with its template line, against kube2's real discovery
// and against the removals table; deploying it to kube2 is refused before anything
// is written.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run as deploy } from '../../src/commands/deploy.js';
import { run as upgradeCheck } from '../../src/commands/upgrade-check.js';
import { ValidationError } from '../../src/errors.js';
import { capture, client, deleteNamespace, get, kubeconfig, projectDir, releases, uniqueNamespace } from '../kube/helpers.js';

const ns = uniqueNamespace('upgrade');
const nsOn2 = uniqueNamespace('upgrade-2');
const schema = `eastern-${ns}`;

const dir = projectDir('legacy', {
  'kubernetes.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
---
# load! flowschema.yaml
`,
  'flowschema.yaml': `apiVersion: flowcontrol.apiserver.k8s.io/v1beta3
kind: FlowSchema
metadata:
  name: ${schema}
spec:
  priorityLevelConfiguration:
    name: workload-low
  matchingPrecedence: 9000
  rules:
    - subjects:
        - kind: ServiceAccount
          serviceAccount: {name: batch, namespace: ${ns}}
      resourceRules:
        - verbs: [get]
          apiGroups: [""]
          resources: [configmaps]
          namespaces: [${ns}]
`,
});

const common = (context: string, namespace: string) => ({ cwd: dir, kubeconfig: kubeconfig(), context, wait: false, lockTimeout: 30, file: 'kubernetes.yaml', namespace, env: { ...process.env } });

test('deploying the v1beta3 FlowSchema to kube1 (1.30) works and warns that 1.32 removed it', async () => {
  const c = capture();
  const code = await deploy({ ...common('kube1', ns), io: c.io } as never);
  assert.is(code, 0, c.stderr());
  assert.match(c.stderr(), /flowschema\.yaml:1: warning \[deprecated-api\] FlowSchema\/eastern-upgrade-\S+: flowcontrol\.apiserver\.k8s\.io\/v1beta3 FlowSchema is deprecated in Kubernetes 1\.30 \(since 1\.29, removed in 1\.32\) — included from kubernetes\.yaml:8 — fix: change apiVersion to flowcontrol\.apiserver\.k8s\.io\/v1/);
  assert.ok(await get('kube1', 'flowcontrol.apiserver.k8s.io/v1beta3', 'FlowSchema', undefined, schema), 'FlowSchema on kube1');
  const { heads } = await releases('kube1', ns, 'legacy');
  assert.match(Object.values(heads[0]!.info.sources ?? {}).join('\n'), /flowschema\.yaml:1 \(included from kubernetes\.yaml:8\)/);
});

test('upgrade-check --context kube1 --to-context kube2 names it with its template line', async () => {
  const c = capture();
  const code = await upgradeCheck({ cwd: dir, kubeconfig: kubeconfig(), context: 'kube1', toContext: 'kube2', namespaces: [ns], io: c.io, env: { ...process.env } });
  assert.is(code, 1, 'a break is a failure');
  const out = c.stdout();
  assert.match(out, new RegExp(`^kube1 ${ns}/legacy \\(revision 1\\): flowschema\\.yaml:1 \\(included from kubernetes\\.yaml:8\\): error \\[removed-api\\] FlowSchema/${schema}: flowcontrol\\.apiserver\\.k8s\\.io/v1beta3 FlowSchema is not served by cluster kube2 \\(v1\\.33\\.\\d+\\) \\(removed in 1\\.32\\)`, 'm'));
  assert.not.match(out, /ConfigMap\/settings/, 'only what breaks');
  assert.match(c.stderr(), /kube1 \(v1\.30\.\d+\): \d+ released projects; 1 objects would break on cluster kube2/);
});

test('upgrade-check --to 1.33 finds the same object from the removals table (JSON)', async () => {
  const c = capture();
  const code = await upgradeCheck({ cwd: dir, kubeconfig: kubeconfig(), context: 'kube1', to: '1.33', namespaces: [ns], output: 'json', io: c.io, env: { ...process.env } });
  assert.is(code, 1);
  const report = JSON.parse(c.stdout());
  assert.equal(report.target, { version: '1.33' });
  const findings = report.contexts[0].findings;
  assert.equal(findings.map((f: { rule: string; object: { kind: string; name: string }; source: string }) => [f.rule, `${f.object.kind}/${f.object.name}`, f.source]), [
    ['removed-api', `FlowSchema/${schema}`, 'flowschema.yaml:1 (included from kubernetes.yaml:8)'],
  ]);
  assert.equal(report.summary, { breaks: 1, deprecated: 0, unreachable: 0 });
});

test('upgrade-check --all-contexts goes through every cluster of the kubeconfig', async () => {
  const c = capture();
  const code = await upgradeCheck({ cwd: dir, kubeconfig: kubeconfig(), to: '1.33', allContexts: true, namespaces: [ns], output: 'json', io: c.io, env: { ...process.env } });
  assert.is(code, 1);
  const report = JSON.parse(c.stdout());
  assert.equal(report.contexts.map((x: { context: string; findings: unknown[] }) => [x.context, x.findings.length]), [['kube1', 1], ['kube2', 0]]);
  assert.match(report.contexts[1].version, /^v1\.33\./);
});

test('upgrade-check --to 1.31 only warns (deprecated, not yet removed) and exits 0', async () => {
  const c = capture();
  const code = await upgradeCheck({ cwd: dir, kubeconfig: kubeconfig(), context: 'kube1', to: '1.31', namespaces: [ns], io: c.io, env: { ...process.env } });
  assert.is(code, 0);
  assert.match(c.stdout(), /warning \[deprecated-api\] FlowSchema\//);
});

test('deploying it to kube2 (1.33) is refused before anything is written', async () => {
  const c = capture();
  let error: unknown;
  try {
    await deploy({ ...common('kube2', nsOn2), io: c.io } as never);
  } catch (e) {
    error = e;
  }
  assert.instance(error, ValidationError, c.stderr());
  assert.match((error as ValidationError).problems.join('\n'), /flowschema\.yaml:1: FlowSchema\/\S+: flowcontrol\.apiserver\.k8s\.io\/v1beta3 FlowSchema is not served by cluster kube2; it serves FlowSchema as flowcontrol\.apiserver\.k8s\.io\/v1/);
  const k2 = await client('kube2');
  assert.is(await k2.get({ apiVersion: 'v1', kind: 'Namespace', name: nsOn2 }), undefined, 'no namespace');
  assert.is(await k2.get({ apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', name: schema }), undefined, 'no FlowSchema');
  assert.is((await releases('kube2', nsOn2, 'legacy')).heads.length, 0, 'no release record');
});

test('cleanup', async () => {
  await (await client('kube1')).delete({ apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', kind: 'FlowSchema', name: schema }).catch(() => undefined);
  await deleteNamespace('kube1', ns);
});

test.run();
