// deploy's run() with an injected, already-connected cluster client (as the agent
// calls it): no kubeconfig is read, the client stays open for the next request, and
// a namespace allow-list refuses objects outside it before anything is written.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run as deploy } from '../../src/commands/deploy.js';
import { ValidationError } from '../../src/errors.js';
import { KubeClient } from '../../src/kube/client.js';
import { loadClusterTarget } from '../../src/kube/kubeconfig.js';
import { capture, deleteNamespace, get, kubeconfig, projectDir, releases, uniqueNamespace } from './helpers.js';

const CTX = 'kube1';
const namespaces: string[] = [];
const cm = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

test('two deploys through one injected client; no kubeconfig needed; the client stays usable', async () => {
  const namespace = uniqueNamespace('warm');
  namespaces.push(namespace);
  const cluster = await KubeClient.connect(await loadClusterTarget({ kubeconfig: kubeconfig(), context: CTX }));
  try {
    const dir = projectDir('warm', { 'kubernetes.yaml': cm('settings', 'one') });
    // Anything read from a kubeconfig would fail: the file does not exist, the env is empty.
    const base = { cwd: dir, env: {}, kubeconfig: '/nonexistent/kubeconfig', file: 'kubernetes.yaml', namespace, wait: false, cluster };
    const first = capture();
    assert.is(await deploy({ ...base, io: first.io } as never), 0, first.stderr());
    assert.match(first.stderr(), `[kube1/${namespace}] created ConfigMap/settings`);
    const second = capture();
    assert.is(await deploy({ ...base, io: second.io } as never), 0, second.stderr());
    assert.match(second.stderr(), /unchanged: all \d+ objects are as revision 1 left them/);
    assert.not.match(first.stderr() + second.stderr(), 'nonexistent');
    // run() closed its view, not the shared client.
    assert.ok(await cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'settings' }));
    // The unchanged second deploy confirmed revision 1 instead of recording revision 2.
    const heads = (await releases(CTX, namespace, 'warm')).heads;
    assert.equal(heads.map((h) => `${h.info.revision}:${h.info.outcome}`), ['1:deployed']);
    assert.ok(heads[0]!.info.confirmed, 'revision 1 notes the deploy that confirmed it');
  } finally {
    cluster.close();
  }
});

test('a namespace allow-list refuses a manifest that would write elsewhere, before any write', async () => {
  const namespace = uniqueNamespace('allow');
  namespaces.push(namespace);
  const cluster = await KubeClient.connect(await loadClusterTarget({ kubeconfig: kubeconfig(), context: CTX }));
  const other = `${namespace}-other`;
  try {
    const dir = projectDir('allow', { 'kubernetes.yaml': `${cm('settings', 'x')}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${other}\n` });
    const c = capture();
    const error = await deploy({ cwd: dir, env: {}, io: c.io, file: 'kubernetes.yaml', namespace, wait: false, cluster, namespaceAllowed: (ns: string) => ns === namespace } as never).catch((e: unknown) => e);
    assert.instance(error, ValidationError);
    assert.match((error as ValidationError).problems.join('\n'), `kubernetes.yaml:8: Namespace/${other} is a namespace that is not allowed here`);
    assert.is(await get(CTX, 'v1', 'Namespace', undefined, namespace), undefined, 'not even the target namespace was created');
    assert.is(await get(CTX, 'v1', 'Namespace', undefined, other), undefined);
  } finally {
    cluster.close();
  }
});

test.after(async () => {
  for (const n of namespaces) await deleteNamespace(CTX, n);
});

test.run();
