// Smoke test of the local test clusters (test/cluster/): both answer, workloads
// really roll out, and every simulated failure shows the state it promises.
// The runner starts the clusters and passes their kubeconfig in
// EASTERN_TEST_KUBECONFIG; without it, or with unreachable clusters, every test fails.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

type Json = Record<string, any>;

const CONTEXTS = ['kube1', 'kube2'] as const;
type Context = (typeof CONTEXTS)[number];
const SIMULATE = 'eastern.test/simulate';
// The clusters differ like a real fleet (test/cluster/cluster.mjs, KUBERNETES).
const SERVER_VERSION: Record<Context, RegExp> = { kube1: /^v1\.30\./, kube2: /^v1\.33\./ };

function kubeconfig(): string {
  const file = process.env.EASTERN_TEST_KUBECONFIG;
  if (!file) {
    throw new Error('EASTERN_TEST_KUBECONFIG is not set: run the integration tier through `npm test` ' +
      '(or `npm run cluster:up` and set it to .cluster/kubeconfig)');
  }
  if (!existsSync(file)) throw new Error(`EASTERN_TEST_KUBECONFIG=${file} does not exist`);
  return file;
}

function kubectlPath(): string {
  const pinned = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
  return existsSync(pinned) ? pinned : 'kubectl.1.33';
}

function kubectl(context: Context, args: string[], input?: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(kubectlPath(), ['--kubeconfig', kubeconfig(), '--context', context, ...args],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`kubectl --context ${context} ${args.join(' ')}: ${err.message}\n${stderr}`));
        else resolve(stdout);
      });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function getJson(context: Context, args: string[]): Promise<Json> {
  return JSON.parse(await kubectl(context, ['get', '-o', 'json', ...args])) as Json;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until check returns a value; fails with the last object seen. */
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

let counter = 0;
/** Runs fn in a fresh namespace on the cluster, deleted afterwards. */
async function inNamespace(context: Context, fn: (ns: string) => Promise<void>): Promise<void> {
  const ns = `smoke-${process.pid}-${Date.now().toString(36)}-${++counter}`;
  await kubectl(context, ['create', 'namespace', ns]);
  try {
    await eventually(`the default ServiceAccount in ${ns}`, 30_000, async () =>
      (await kubectl(context, ['-n', ns, 'get', 'serviceaccount', 'default', '-o', 'name'])).trim() || undefined);
    await fn(ns);
  } finally {
    await kubectl(context, ['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
  }
}

function apply(context: Context, ns: string, obj: Json): Promise<string> {
  return kubectl(context, ['-n', ns, 'apply', '-f', '-'], JSON.stringify(obj));
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
    assert.is((await kubectl(context, ['get', '--raw', '/readyz'])).trim(), 'ok', `${context} /readyz`);
    const nodes = await getJson(context, ['nodes']);
    const fake = nodes.items.filter((n: Json) => n.metadata.annotations?.['kwok.x-k8s.io/node'] === 'fake');
    assert.is(fake.length, 3, `${context}: fake nodes`);
    for (const n of fake) assert.is(condition(n, 'Ready')?.status, 'True', `${context} node ${n.metadata.name} Ready`);
    const version = JSON.parse(await kubectl(context, ['get', '--raw', '/version'])) as Json;
    assert.match(String(version.gitVersion), SERVER_VERSION[context], `${context} server version`);
  }));

test('a Deployment rolls out on each cluster', () =>
  onBoth((context) =>
    inNamespace(context, async (ns) => {
      await apply(context, ns, {
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
      await kubectl(context, ['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=120s'], undefined, 130_000);
      const d = await getJson(context, ['-n', ns, 'deployment', 'web']);
      assert.is(d.status.readyReplicas, 3, `${context} ready replicas`);
    })));

test('a Job completes', () =>
  onBoth((context) =>
    inNamespace(context, async (ns) => {
      await apply(context, ns, job('once'));
      await kubectl(context, ['-n', ns, 'wait', '--for=condition=Complete', 'job/once', '--timeout=90s'], undefined, 100_000);
      const pods = await getJson(context, ['-n', ns, 'pods', '-l', 'app=once']);
      assert.ok(pods.items.some((p: Json) => p.status.phase === 'Succeeded'), `${context}: a Succeeded pod`);
    })));

test('a crashloop pod shows CrashLoopBackOff with a growing restart count', () =>
  onBoth((context) =>
    inNamespace(context, async (ns) => {
      await apply(context, ns, pod('crasher', 'crashloop'));
      const first = await eventually(`${context}: crasher in CrashLoopBackOff`, 60_000, async () => {
        const p = await getJson(context, ['-n', ns, 'pod', 'crasher']);
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
        const p = await getJson(context, ['-n', ns, 'pod', 'crasher']);
        const cs = p.status.containerStatuses[0];
        return cs.restartCount > cs0.restartCount && cs.state.waiting?.reason === 'CrashLoopBackOff' ? true : undefined;
      });
      const previous = await kubectl(context, ['-n', ns, 'logs', 'crasher', '--previous']);
      assert.match(previous, /panic: simulated crash/, 'previous container log');
    })));

test('a pod whose simulate label names no simulation (e.g. "none") runs and becomes Ready like any other', () =>
  onBoth((context) =>
    inNamespace(context, async (ns) => {
      await apply(context, ns, pod('plain', 'none'));
      await eventually(`${context}: plain Ready`, 60_000, async () => {
        const p = await getJson(context, ['-n', ns, 'pod', 'plain']);
        return p.status.phase === 'Running' && condition(p, 'Ready')?.status === 'True' ? true : undefined;
      });
    })));

test('an unready pod runs but never becomes Ready', () =>
  onBoth((context) =>
    inNamespace(context, async (ns) => {
      await apply(context, ns, pod('lazy', 'unready'));
      await eventually(`${context}: lazy Running`, 60_000, async () => {
        const p = await getJson(context, ['-n', ns, 'pod', 'lazy']);
        return p.status.phase === 'Running' ? true : undefined;
      });
      await sleep(3000);
      const p = await getJson(context, ['-n', ns, 'pod', 'lazy']);
      const cs = p.status.containerStatuses[0];
      assert.is(p.status.phase, 'Running');
      assert.ok(cs.state.running, 'container running');
      assert.is(cs.ready, false);
      assert.is(condition(p, 'Ready')?.status, 'False');
    })));

test('a fail pod ends in phase Failed with exit code 1', () =>
  onBoth((context) =>
    inNamespace(context, async (ns) => {
      await apply(context, ns, pod('doomed', 'fail', 'Never'));
      const p = await eventually(`${context}: doomed Failed`, 60_000, async () => {
        const got = await getJson(context, ['-n', ns, 'pod', 'doomed']);
        return got.status.phase === 'Failed' ? got : undefined;
      });
      assert.is(p.status.containerStatuses[0].state.terminated?.exitCode, 1);
    })));

test('a Job whose pods fail ends Failed', () =>
  onBoth((context) =>
    inNamespace(context, async (ns) => {
      await apply(context, ns, job('broken', 'fail'));
      await kubectl(context, ['-n', ns, 'wait', '--for=condition=Failed', 'job/broken', '--timeout=90s'], undefined, 100_000);
      const j = await getJson(context, ['-n', ns, 'job', 'broken']);
      assert.is(j.status.failed, 2, `${context}: backoffLimit 1 means two failed pods`);
    })));

test('an imagepull pod waits in ImagePullBackOff', () =>
  onBoth((context) =>
    inNamespace(context, async (ns) => {
      await apply(context, ns, pod('unpullable', 'imagepull'));
      const p = await eventually(`${context}: unpullable in ImagePullBackOff`, 60_000, async () => {
        const got = await getJson(context, ['-n', ns, 'pod', 'unpullable']);
        return got.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff' ? got : undefined;
      });
      assert.is(p.status.phase, 'Pending');
      assert.match(p.status.containerStatuses[0].state.waiting.message, /registry\.invalid\/eastern\/unpullable:1/);
    })));

test('kubectl logs returns text, and deleting a pod removes it', () =>
  onBoth((context) =>
    inNamespace(context, async (ns) => {
      await apply(context, ns, pod('talker'));
      await kubectl(context, ['-n', ns, 'wait', '--for=condition=Ready', 'pod/talker', '--timeout=60s'], undefined, 70_000);
      const logs = await kubectl(context, ['-n', ns, 'logs', 'talker']);
      assert.match(logs, /simulated container log line 1/);
      await kubectl(context, ['-n', ns, 'delete', 'pod', 'talker', '--timeout=30s'], undefined, 40_000);
      const left = await kubectl(context, ['-n', ns, 'get', 'pods', '-o', 'name']);
      assert.is(left.trim(), '', `${context}: no pods left`);
    })));

test.run();
