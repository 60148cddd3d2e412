import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger } from '../../src/output/logger.js';
import { watchRollout, type WatchOptions } from '../../src/rollout/watcher.js';
import { FakeApi, until } from './fake-api.js';
import { crashLooping, deployment, pod, replicaSet } from './fixtures.js';

const DEPLOYMENTS = '/apis/apps/v1/namespaces/ns/deployments';
const REPLICASETS = '/apis/apps/v1/namespaces/ns/replicasets';
const PODS = '/api/v1/namespaces/ns/pods';
const CONFIGMAPS = '/api/v1/namespaces/ns/configmaps';
const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'ns', source: 'app/kubernetes.yaml:3' };

function setup(extra: Partial<WatchOptions> = {}) {
  const api = new FakeApi();
  const lines: string[] = [];
  const logger = createLogger({ out: { write: (s: string) => lines.push(s) }, env: {}, verbose: true });
  const options: WatchOptions = {
    targets: [target], defaultNamespace: 'ns', timeoutSeconds: 30, logger, api,
    reflector: { initialBackoffMs: 1, maxBackoffMs: 5 }, ...extra,
  };
  return { api, lines, options, output: () => lines.join('') };
}

/** A deployment mid-rollout: generation 2 observed, 0/1 available, new RS "new" with the given pods. */
function midRollout(api: FakeApi, pods: ReturnType<typeof pod>[], replicas = 1) {
  api.put(DEPLOYMENTS, deployment({ replicas, available: 0 }));
  api.put(REPLICASETS, replicaSet('2', 'new', 0));
  for (const p of pods) api.put(PODS, p);
}

const test = suite('watcher');

test('succeeds as soon as the status change it watches for arrives', async () => {
  const { api, options, output } = setup();
  midRollout(api, [pod('web-a', { owner: 'new', ready: false })]);
  const result = watchRollout(options);
  await until(() => api.openStreams(DEPLOYMENTS) === 1 && api.openStreams(PODS) === 1);
  const changed = performance.now();
  api.put(DEPLOYMENTS, deployment({ replicas: 1 }));
  const r = await result;
  const latency = performance.now() - changed;
  assert.is(r.outcome, 'succeeded');
  // Event-driven: well inside any poll period (a generous bound, so load cannot make it flaky).
  assert.ok(latency < 1_000, `latency ${latency} ms`);
  assert.equal(r.objects.map((o) => o.state), ['succeeded']);
  assert.match(output(), 'deployment/web ready: 1/1 pod available');
  assert.is(api.openStreams(), 0, 'all watches closed');
});

test('one named object is watched with a field selector', async () => {
  const { api, options } = setup();
  api.put(DEPLOYMENTS, deployment({ replicas: 1 }));
  await watchRollout(options);
  assert.equal(api.listCalls.find((c) => c.path === DEPLOYMENTS)?.query, { fieldSelector: 'metadata.name=web' });
});

test('fails fast when every new pod crash-loops, with events and the previous log tail', async () => {
  const { api, options, output } = setup();
  midRollout(api, [pod('web-a', { owner: 'new', containers: [crashLooping('app', 2)] })]);
  api.events.push({ involvedObject: { uid: 'web-a-uid' }, type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container app', count: 4, lastTimestamp: new Date().toISOString() });
  api.events.push({ involvedObject: { uid: 'new' }, type: 'Warning', reason: 'FailedCreate', message: 'quota exceeded', lastTimestamp: new Date().toISOString() });
  api.logs.set('web-a/app/previous', Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n') + '\n');
  const r = await watchRollout({ ...options, timeoutSeconds: 300 });
  assert.is(r.outcome, 'failed');
  assert.ok(r.elapsedMs < 5_000, `took ${r.elapsedMs} ms of a 300 s timeout`);
  assert.is(r.failures.length, 1);
  assert.is(r.failures[0]?.reason, 'its new pod is failing (CrashLoopBackOff)');
  assert.match(r.summary, 'deployment/web failed: its new pod is failing');
  const details = r.failures[0]?.details.join('\n') ?? '';
  assert.match(details, 'pod web-a: container app is crash-looping: CrashLoopBackOff (last exit code 1, 2 restarts)');
  assert.match(details, 'Warning BackOff (x4): Back-off restarting failed container app');
  assert.match(details, 'events of replicaset/web-new:\n  Warning FailedCreate: quota exceeded');
  assert.match(details, 'log of pod web-a container app (previous run, last 25 lines):');
  assert.match(details, '  | line 40');
  assert.not.match(details, '  | line 15\n');
  assert.match(output(), 'error: deployment/web failed: its new pod is failing (CrashLoopBackOff) (app/kubernetes.yaml:3)');
  assert.match(output(), '  | line 16');
});

test('the current log stands in when there is no previous one', async () => {
  const { api, options } = setup();
  midRollout(api, [pod('web-a', { owner: 'new', containers: [crashLooping()] })]);
  api.logs.set('web-a/app', 'only the current run\n');
  const r = await watchRollout(options);
  assert.match(r.failures[0]?.details.join('\n') ?? '', 'log of pod web-a container app (last 1 lines):\n  | only the current run');
});

test('times out with the reason it was waiting for', async () => {
  const { api, options, output } = setup({ timeoutSeconds: 0.2 });
  midRollout(api, [pod('web-a', { owner: 'new', phase: 'Pending', unschedulable: '0/3 nodes are available: 3 Insufficient cpu.' })]);
  const r = await watchRollout(options);
  assert.is(r.outcome, 'timeout');
  assert.is(r.failures[0]?.reason, 'timed out after 0.2s: 0/1 new pod available');
  assert.match(r.failures[0]?.details.join('\n') ?? '', 'pod web-a Pending: 0/3 nodes are available: 3 Insufficient cpu.');
  assert.match(output(), 'deployment/web did not finish: timed out after 0.2s');
});

test('the eastern.io/timeout annotation overrides --timeout for its object', async () => {
  const { api, options } = setup({ timeoutSeconds: 0 });
  const d = deployment({ replicas: 1, available: 0 });
  d.metadata = { ...d.metadata, annotations: { ...d.metadata?.annotations, 'eastern.io/timeout': '0.15' } };
  api.put(DEPLOYMENTS, d);
  const r = await watchRollout(options);
  assert.is(r.outcome, 'timeout');
  assert.match(r.summary, 'timed out after 0.15s');
});

test('an image pull failing past the grace fails the rollout without any further event', async () => {
  const { api, options } = setup({ imagePullGraceSeconds: 0.15 });
  const p = pod('web-a', { owner: 'new', phase: 'Pending', startTime: Date.now(), containers: [{ name: 'app', image: 'example/app:nope', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } } }] });
  midRollout(api, [p]);
  const started = Date.now();
  const r = await watchRollout(options);
  assert.is(r.outcome, 'failed');
  assert.ok(Date.now() - started >= 100, 'waited for the grace');
  assert.match(r.failures[0]?.details.join('\n') ?? '', 'cannot pull image example/app:nope (ImagePullBackOff');
});

test('survives dropped connections and still sees the success', async () => {
  const { api, options, output } = setup();
  midRollout(api, [pod('web-a', { owner: 'new' })]);
  const result = watchRollout(options);
  await until(() => api.openStreams(DEPLOYMENTS) === 1 && api.openStreams(PODS) === 1);
  const before = api.watchCalls.length;
  assert.ok(api.dropConnections() >= 3);
  await until(() => api.watchCalls.length >= before + 3 && api.openStreams(DEPLOYMENTS) === 1);
  api.put(DEPLOYMENTS, deployment({ replicas: 1 }));
  const r = await result;
  assert.is(r.outcome, 'succeeded');
  assert.match(output(), 'reconnecting from resourceVersion');
  assert.is(api.listCalls.filter((c) => c.path === DEPLOYMENTS).length, 1, 'no relist needed');
});

test('heartbeat names what is pending and why', async () => {
  const { api, options, output } = setup({ heartbeatSeconds: 0.05, timeoutSeconds: 0.3 });
  midRollout(api, [pod('web-a', { owner: 'new', phase: 'Pending', unschedulable: '0/3 nodes are available.' })]);
  await watchRollout(options);
  assert.match(output(), 'waiting for deployment/web: 0/1 new pod available; pod web-a Pending: 0/3 nodes are available.');
});

test('logs a doomed pod once while others keep the workload alive', async () => {
  const { api, options, output } = setup({ timeoutSeconds: 0.2 });
  midRollout(api, [pod('web-a', { owner: 'new', containers: [crashLooping()] }), pod('web-b', { owner: 'new', ready: true })], 2);
  const result = watchRollout(options);
  await until(() => output().includes('warning: deployment/web: pod web-a'));
  api.put(PODS, pod('web-a', { owner: 'new', containers: [crashLooping('app', 4)] }));
  const r = await result;
  assert.is(r.outcome, 'timeout');
  assert.is(output().split('warning: deployment/web: pod web-a').length - 1, 1);
});

test('several targets: kinds with nothing to wait for are not even read, custom kinds wait for Ready, unknown kinds pass with a warning', async () => {
  const { api, options, output } = setup();
  const WIDGETS = '/apis/example.com/v1/namespaces/ns/widgets';
  api.put(DEPLOYMENTS, deployment({ replicas: 1 }));
  api.put(WIDGETS, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'ns' }, status: { conditions: [{ type: 'Ready', status: 'False', reason: 'Provisioning' }] } });
  const result = watchRollout({ ...options, targets: [
    target,
    { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings', namespace: 'ns' },
    { apiVersion: 'v1', kind: 'Secret', name: 'creds', namespace: 'ns' },
    { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', namespace: 'ns' },
    { apiVersion: 'example.com/v1', kind: 'Unknown', name: 'x', namespace: 'ns' },
  ] });
  await until(() => output().includes('deployment/web ready'));
  assert.ok(api.openStreams(WIDGETS) === 1, 'still waiting for the widget');
  api.put(WIDGETS, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'ns' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
  const r = await result;
  assert.is(r.outcome, 'succeeded');
  assert.match(r.summary, 'all 5 objects rolled out');
  assert.equal(r.objects.map((o) => o.message), ['1/1 pod available', 'applied (nothing to wait for)', 'applied (nothing to wait for)', 'ready', 'not watched: the cluster does not serve Unknown']);
  assert.is(api.listCalls.filter((c) => c.path === CONFIGMAPS || c.path.endsWith('/secrets')).length, 0);
  assert.match(output(), 'warning: unknown/x: not watched');
});

test('aborting rejects and closes the watches', async () => {
  const { api, options } = setup();
  midRollout(api, [pod('web-a', { owner: 'new' })]);
  const controller = new AbortController();
  const result = watchRollout({ ...options, signal: controller.signal });
  await until(() => api.openStreams() >= 1);
  controller.abort(new Error('interrupted by SIGINT'));
  try {
    await result;
    assert.unreachable('should reject');
  } catch (error) {
    assert.is((error as Error).message, 'interrupted by SIGINT');
  }
  await until(() => api.openStreams() === 0);
});

test('no targets: nothing to wait for', async () => {
  const { options } = setup();
  assert.is((await watchRollout({ ...options, targets: [] })).outcome, 'succeeded');
});

test.run();
