// Smoke test of the local test clusters (test/cluster/): both answer, workloads
// really roll out, and every simulated failure shows the state it promises. Through
// Eastern's own access layer (no kubectl needed). The runner starts the clusters and
// passes their kubeconfig in EASTERN_TEST_KUBECONFIG; without it, or with
// unreachable clusters, every test fails.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { KubeClient } from '../../src/kube/client.js';
import { client, kubeconfig } from '../kube/helpers.js';

type Json = Record<string, any>;

const CONTEXTS = ['kube1', 'kube2'] as const;
type Context = (typeof CONTEXTS)[number];
const SIMULATE = 'eastern.test/simulate';
// The clusters differ like a real fleet (test/cluster/cluster.mjs, KUBERNETES).
const SERVER_VERSION: Record<Context, RegExp> = { kube1: /^v1\.30\./, kube2: /^v1\.33\./ };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until check returns a value; fails with the last error seen. */
async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
    await sleep(500);
  }
}

/** The object, or a thrown error naming it when it does not exist. */
async function get(c: KubeClient, apiVersion: string, kind: string, namespace: string, name: string): Promise<Json> {
  const o = await c.get<Json>({ apiVersion, kind, namespace, name });
  if (!o) throw new Error(`${kind} ${namespace}/${name} does not exist`);
  return o;
}

let counter = 0;
/** Runs fn in a fresh namespace on the cluster, deleted afterwards. */
async function inNamespace(context: Context, fn: (c: KubeClient, ns: string) => Promise<void>): Promise<void> {
  const c = await client(context);
  const ns = `smoke-${process.pid}-${Date.now().toString(36)}-${++counter}`;
  await c.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  try {
    await eventually(`the default ServiceAccount in ${ns}`, 30_000, () => c.get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: ns, name: 'default' }));
    await fn(c, ns);
  } finally {
    await c.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns }).catch(() => undefined);
  }
}

function apply(c: KubeClient, ns: string, obj: Json) {
  return c.apply({ ...obj, metadata: { ...obj.metadata, namespace: ns } } as never);
}

function pod(name: string, simulate?: string, restartPolicy = 'Always'): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name, ...(simulate ? { [SIMULATE]: simulate } : {}) } },
    spec: { restartPolicy, containers: [{ name: 'main', image: `registry.invalid/eastern/${name}:1` }] },
  };
}

function job(name: string, simulate?: string): Json {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit: 1,
      template: {
        metadata: { labels: { app: name, ...(simulate ? { [SIMULATE]: simulate } : {}) } },
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'registry.invalid/eastern/job:1' }] },
      },
    },
  };
}

function condition(obj: Json, type: string): Json | undefined {
  return (obj.status?.conditions ?? []).find((c: Json) => c.type === type);
}

function onBoth(fn: (context: Context) => Promise<void>): Promise<void> {
  return Promise.all(CONTEXTS.map(fn)).then(() => undefined);
}

test('EASTERN_TEST_KUBECONFIG names the clusters\' kubeconfig', () => {
  const file = kubeconfig();
  assert.ok(file.length > 0);
});

test('both clusters answer /readyz and have three Ready fake nodes', () =>
  onBoth(async (context) => {
    const c = await client(context);
    assert.is((await c.getText('/readyz')).trim(), 'ok', `${context} /readyz`);
    const nodes = await c.list<Json>('v1', 'Node');
    const fake = nodes.items.filter((n: Json) => n.metadata.annotations?.['kwok.x-k8s.io/node'] === 'fake');
    assert.is(fake.length, 3, `${context}: fake nodes`);
    for (const n of fake) assert.is(condition(n, 'Ready')?.status, 'True', `${context} node ${n.metadata.name} Ready`);
    assert.match(String(await c.serverVersion()), SERVER_VERSION[context], `${context} server version`);
  }));

test('a Deployment rolls out on each cluster', () =>
  onBoth((context) =>
    inNamespace(context, async (c, ns) => {
      await apply(c, ns, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'registry.invalid/eastern/web:1' }] },
          },
        },
      });
      const d = await eventually(`${context}: web rolled out`, 120_000, async () => {
        const got = await get(c, 'apps/v1', 'Deployment', ns, 'web');
        const st = got.status ?? {};
        return st.observedGeneration === got.metadata.generation && st.updatedReplicas === 3 && st.availableReplicas === 3 ? got : undefined;
      });
      assert.is(d.status.readyReplicas, 3, `${context} ready replicas`);
    })));

test('a Job completes', () =>
  onBoth((context) =>
    inNamespace(context, async (c, ns) => {
      await apply(c, ns, job('once'));
      await eventually(`${context}: job once Complete`, 90_000, async () =>
        condition(await get(c, 'batch/v1', 'Job', ns, 'once'), 'Complete')?.status === 'True' ? true : undefined);
      const pods = await c.list<Json>('v1', 'Pod', { namespace: ns, labelSelector: 'app=once' });
      assert.ok(pods.items.some((p: Json) => p.status.phase === 'Succeeded'), `${context}: a Succeeded pod`);
    })));

test('a crashloop pod shows CrashLoopBackOff with a growing restart count', () =>
  onBoth((context) =>
    inNamespace(context, async (c, ns) => {
      await apply(c, ns, pod('crasher', 'crashloop'));
      const first = await eventually(`${context}: crasher in CrashLoopBackOff`, 60_000, async () => {
        const p = await get(c, 'v1', 'Pod', ns, 'crasher');
        const cs = p.status?.containerStatuses?.[0];
        return cs?.state?.waiting?.reason === 'CrashLoopBackOff' ? p : undefined;
      });
      const cs0 = first.status.containerStatuses[0];
      assert.is(first.status.phase, 'Running');
      assert.is(cs0.ready, false);
      assert.ok(cs0.restartCount >= 1, 'restartCount >= 1');
      assert.is(cs0.lastState?.terminated?.exitCode, 1, 'last state terminated with exit code 1');
      assert.is(condition(first, 'Ready')?.status, 'False');
      await eventually(`${context}: crasher's restartCount to grow past ${cs0.restartCount}`, 30_000, async () => {
        const p = await get(c, 'v1', 'Pod', ns, 'crasher');
        const cs = p.status.containerStatuses[0];
        return cs.restartCount > cs0.restartCount && cs.state.waiting?.reason === 'CrashLoopBackOff' ? true : undefined;
      });
      const previous = await c.podLog(ns, 'crasher', 'main', { previous: true });
      assert.match(previous, /panic: simulated crash/, 'previous container log');
    })));

test('a pod whose simulate label names no simulation (e.g. "none") runs and becomes Ready like any other', () =>
  onBoth((context) =>
    inNamespace(context, async (c, ns) => {
      await apply(c, ns, pod('plain', 'none'));
      await eventually(`${context}: plain Ready`, 60_000, async () => {
        const p = await get(c, 'v1', 'Pod', ns, 'plain');
        return p.status.phase === 'Running' && condition(p, 'Ready')?.status === 'True' ? true : undefined;
      });
    })));

test('an unready pod runs but never becomes Ready', () =>
  onBoth((context) =>
    inNamespace(context, async (c, ns) => {
      await apply(c, ns, pod('lazy', 'unready'));
      await eventually(`${context}: lazy Running`, 60_000, async () => {
        const p = await get(c, 'v1', 'Pod', ns, 'lazy');
        return p.status.phase === 'Running' ? true : undefined;
      });
      await sleep(3000);
      const p = await get(c, 'v1', 'Pod', ns, 'lazy');
      const cs = p.status.containerStatuses[0];
      assert.is(p.status.phase, 'Running');
      assert.ok(cs.state.running, 'container running');
      assert.is(cs.ready, false);
      assert.is(condition(p, 'Ready')?.status, 'False');
    })));

test('a fail pod ends in phase Failed with exit code 1', () =>
  onBoth((context) =>
    inNamespace(context, async (c, ns) => {
      await apply(c, ns, pod('doomed', 'fail', 'Never'));
      const p = await eventually(`${context}: doomed Failed`, 60_000, async () => {
        const got = await get(c, 'v1', 'Pod', ns, 'doomed');
        return got.status.phase === 'Failed' ? got : undefined;
      });
      assert.is(p.status.containerStatuses[0].state.terminated?.exitCode, 1);
    })));

test('a Job whose pods fail ends Failed', () =>
  onBoth((context) =>
    inNamespace(context, async (c, ns) => {
      await apply(c, ns, job('broken', 'fail'));
      const j = await eventually(`${context}: job broken Failed`, 90_000, async () => {
        const got = await get(c, 'batch/v1', 'Job', ns, 'broken');
        return condition(got, 'Failed')?.status === 'True' ? got : undefined;
      });
      assert.is(j.status.failed, 2, `${context}: backoffLimit 1 means two failed pods`);
    })));

test('an imagepull pod waits in ImagePullBackOff', () =>
  onBoth((context) =>
    inNamespace(context, async (c, ns) => {
      await apply(c, ns, pod('unpullable', 'imagepull'));
      const p = await eventually(`${context}: unpullable in ImagePullBackOff`, 60_000, async () => {
        const got = await get(c, 'v1', 'Pod', ns, 'unpullable');
        return got.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff' ? got : undefined;
      });
      assert.is(p.status.phase, 'Pending');
      assert.match(p.status.containerStatuses[0].state.waiting.message, /registry\.invalid\/eastern\/unpullable:1/);
    })));

test('a pod\'s log is text, and deleting a pod removes it', () =>
  onBoth((context) =>
    inNamespace(context, async (c, ns) => {
      await apply(c, ns, pod('talker'));
      await eventually(`${context}: talker Ready`, 60_000, async () =>
        condition(await get(c, 'v1', 'Pod', ns, 'talker'), 'Ready')?.status === 'True' ? true : undefined);
      const logs = await c.podLog(ns, 'talker', 'main');
      assert.match(logs, /simulated container log line 1/);
      assert.is(await c.delete({ apiVersion: 'v1', kind: 'Pod', namespace: ns, name: 'talker' }), true);
      await eventually(`${context}: no pods left`, 30_000, async () =>
        (await c.list('v1', 'Pod', { namespace: ns })).items.length === 0 ? true : undefined);
    })));

test.run();
