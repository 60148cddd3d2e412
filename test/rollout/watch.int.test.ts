// The rollout watch against the local clusters (real API servers, controllers and
// KWOK nodes): healthy rollouts succeed, the simulated failures fail fast with
// their reason, events and log tail, unready pods time out with the reason, and the
// watch survives its connections being cut.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { watchRollout } from '../../src/rollout/index.js';
import { capture, clusterApi, create, deployment, getRaw, kubeConfig, mergePatch, service, SIMULATE, target, withNamespace, type Context } from './cluster.js';
import { startProxy, throughProxy } from './proxy.js';

const test = suite('rollout watch on the local clusters');

for (const context of ['kube1', 'kube2'] as Context[]) {
  test(`${context}: a healthy Deployment and its Service roll out`, async () => {
    const kc = await kubeConfig(context);
    await withNamespace(kc, 'rollout-ok', async (ns) => {
      const web = deployment(ns, 'web', { replicas: 3 });
      const svc = service(ns, 'web', 'web');
      await create(kc, web, svc);
      const { logger, text } = capture();
      const result = await watchRollout({ api: await clusterApi(kc), targets: [target(web), target(svc)], timeoutSeconds: 120, logger });
      assert.is(result.outcome, 'succeeded', text());
      assert.equal(result.objects.map((o) => o.state), ['succeeded', 'succeeded']);
      const live = await getRaw<{ status?: { availableReplicas?: number; updatedReplicas?: number } }>(kc, web as never);
      assert.is(live?.status?.availableReplicas, 3, 'the API server agrees: 3 available');
      assert.match(text(), 'deployment/web ready: 3/3 pods available');
      assert.match(text(), /service\/web ready: [1-9]\d* endpoints? ready/);
    });
  });
}

test('a StatefulSet and a DaemonSet roll out', async () => {
  const kc = await kubeConfig('kube2');
  await withNamespace(kc, 'rollout-sets', async (ns) => {
    const labels = (app: string) => ({ selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'app', image: 'example.com/app:1' }] } } });
    const sts = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: ns }, spec: { replicas: 2, serviceName: 'db', ...labels('db') } };
    const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: ns }, spec: labels('agent') };
    await create(kc, sts, ds);
    const { logger, text } = capture();
    const result = await watchRollout({ api: await clusterApi(kc), targets: [target(sts), target(ds)], timeoutSeconds: 120, logger });
    assert.is(result.outcome, 'succeeded', text());
    assert.match(text(), 'statefulset/db ready: 2/2 pods ready');
    assert.match(text(), /daemonset\/agent ready: \d+\/\d+ pods available/);
  });
});

test('a crash-looping Deployment fails in well under its timeout, with the reason, events and log tail', async () => {
  const kc = await kubeConfig('kube2');
  await withNamespace(kc, 'rollout-crash', async (ns) => {
    const web = deployment(ns, 'web', { replicas: 2, simulate: 'crashloop' });
    await create(kc, web);
    const { logger, text } = capture();
    const started = Date.now();
    const result = await watchRollout({ api: await clusterApi(kc), targets: [{ ...target(web), source: 'app/kubernetes.yaml:1' }], timeoutSeconds: 300, logger });
    const seconds = (Date.now() - started) / 1000;
    assert.is(result.outcome, 'failed', text());
    assert.ok(seconds < 60, `failed after ${seconds}s (timeout 300s)`);
    const failure = result.failures[0];
    assert.ok(failure, 'one failure');
    assert.match(failure.reason, /new pods? (is|are) failing \(CrashLoopBackOff\)/, 'the failure line names the Kubernetes reason');
    const details = failure.details.join('\n');
    assert.match(details, 'container app is crash-looping');
    assert.match(details, /log of pod web-[a-z0-9-]+ container app \((previous run, )?last \d+ lines\):/);
    assert.match(details, 'panic: simulated crash (eastern.test/simulate)', 'the previous run\'s log, served by kwok');
    assert.match(text(), 'error: deployment/web failed:');
    assert.match(text(), '(app/kubernetes.yaml:1)');
  });
});

test('an image that cannot be pulled fails once the grace is over', async () => {
  const kc = await kubeConfig('kube2');
  await withNamespace(kc, 'rollout-pull', async (ns) => {
    const web = deployment(ns, 'web', { replicas: 1, simulate: 'imagepull', image: 'example.com/nope:404' });
    await create(kc, web);
    const { logger, text } = capture();
    const result = await watchRollout({ api: await clusterApi(kc), targets: [target(web)], timeoutSeconds: 120, logger, imagePullGraceSeconds: 3 });
    assert.is(result.outcome, 'failed', text());
    assert.match(result.failures[0]?.details.join('\n') ?? '', 'cannot pull image example.com/nope:404 (ImagePullBackOff');
  });
});

test('pods that never become ready time out, and the timeout names them', async () => {
  const kc = await kubeConfig('kube2');
  await withNamespace(kc, 'rollout-unready', async (ns) => {
    const web = deployment(ns, 'web', { replicas: 1, simulate: 'unready' });
    await create(kc, web);
    const { logger, text } = capture();
    const result = await watchRollout({ api: await clusterApi(kc), targets: [target(web)], timeoutSeconds: 6, logger, heartbeatSeconds: 2 });
    assert.is(result.outcome, 'timeout', text());
    assert.match(result.summary, 'deployment/web timed out after 6s: 0/1 new pod available');
    assert.match(result.failures[0]?.details.join('\n') ?? '', /pod web-[a-z0-9-]+: container app is running but not ready/);
    assert.match(text(), /waiting for deployment\/web: 0\/1 new pod available; pod web-/, 'heartbeat');
  });
});

test('the eastern.io/timeout annotation shortens the wait for its object', async () => {
  const kc = await kubeConfig('kube2');
  await withNamespace(kc, 'rollout-annot', async (ns) => {
    const web = deployment(ns, 'web', { replicas: 1, simulate: 'unready', annotations: { 'eastern.io/timeout': '3s' } });
    await create(kc, web);
    const { logger } = capture();
    const started = Date.now();
    const result = await watchRollout({ api: await clusterApi(kc), targets: [target(web)], timeoutSeconds: 300, logger });
    assert.is(result.outcome, 'timeout');
    assert.ok(Date.now() - started < 30_000);
    assert.match(result.summary, 'timed out after 3s');
  });
});

test('after a failed rollout, restoring the previous template (what --rollback-on-failure applies) is watched to success', async () => {
  const kc = await kubeConfig('kube1');
  await withNamespace(kc, 'rollout-back', async (ns) => {
    const web = deployment(ns, 'web', { replicas: 2 });
    await create(kc, web);
    const { logger, text } = capture();
    const api = await clusterApi(kc);
    const watch = () => watchRollout({ api, targets: [target(web)], timeoutSeconds: 120, logger });
    assert.is((await watch()).outcome, 'succeeded', text());
    await mergePatch(kc, web, { spec: { template: { metadata: { labels: { [SIMULATE]: 'crashloop' } } } } });
    const broken = await watch();
    assert.is(broken.outcome, 'failed', text());
    await mergePatch(kc, web, { spec: { template: { metadata: { labels: { [SIMULATE]: null } } } } });
    const restored = await watch();
    assert.is(restored.outcome, 'succeeded', text());
    const live = await getRaw<{ metadata?: { annotations?: Record<string, string> }; status?: { availableReplicas?: number } }>(kc, web as never);
    assert.is(live?.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3', 'the first ReplicaSet came back as revision 3');
    assert.is(live?.status?.availableReplicas, 2);
  });
});

test('the watch survives its connections being cut and still sees the rollout finish', async () => {
  const direct = await kubeConfig('kube2');
  const proxy = await startProxy(direct.getCurrentCluster()?.server ?? '');
  try {
    const kc = await throughProxy(direct, proxy.url);
    await withNamespace(direct, 'rollout-drop', async (ns) => {
      const web = deployment(ns, 'web', { replicas: 1, simulate: 'unready' });
      await create(direct, web);
      const { logger, text } = capture();
      const result = watchRollout({ api: await clusterApi(kc), targets: [target(web)], timeoutSeconds: 120, logger });
      // Let the watch connect, then cut everything.
      await waitFor(() => text().includes('waiting for deployment/web') && proxy.connections() >= 3, 20_000);
      await new Promise((r) => setTimeout(r, 1_000));
      const before = proxy.connections();
      assert.ok(proxy.dropAll() >= 1, 'connections were open');
      await waitFor(() => proxy.connections() > before, 20_000);
      // Now make it healthy: only a watch that reconnected can see this.
      await mergePatch(direct, web, { spec: { template: { metadata: { labels: { [SIMULATE]: null } } } } });
      const r = await result;
      assert.is(r.outcome, 'succeeded', text());
      assert.match(text(), /(reconnecting|reopening) from resourceVersion \d+/);
    });
  } finally {
    await proxy.close();
  }
});

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test.run();
