// The API server going away mid-deploy. First the real thing: kube1's
// kube-apiserver process is stopped and started again (test/cluster/cluster.mjs
// restart) while a deploy applies. Then, for outages of a chosen length, a TCP
// proxy between Eastern and kube1 drops every connection and refuses new ones:
// short outages are ridden out by retries; long ones end in a clear error.
// Either way the release record is never corrupt and the next deploy carries on.
import { readFileSync, writeFileSync } from 'node:fs';
import yaml from 'js-yaml';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run as deploy } from '../../src/commands/deploy.js';
import { ClusterError, EasternError } from '../../src/errors.js';
import { ReleaseStore } from '../../src/deploy/release-store.js';
import { capture, client, createNamespace, deleteNamespace, eventually, get, kubeconfig, manyObjects, projectDir, uniqueNamespace, lockHolderOf } from '../kube/helpers.js';
import type { Lease } from '../../src/deploy/lock.js';

const CTX = 'kube1';
const namespaces: string[] = [];

interface Proxy {
  port: number;
  /** Drops every connection and refuses new ones for `ms`. */
  outage(ms: number): Promise<void>;
  close(): Promise<void>;
}

async function startProxy(target: URL): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server;
  const listen = (port: number) =>
    new Promise<number>((resolve) => {
      server = net.createServer((downstream) => {
        const upstream = net.connect(Number(target.port), target.hostname);
        for (const s of [downstream, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        downstream.pipe(upstream).pipe(downstream);
      });
      server.listen(port, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
    });
  const port = await listen(0);
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return {
    port,
    outage: async (ms) => {
      await stop();
      await new Promise((r) => setTimeout(r, ms));
      await listen(port);
    },
    close: stop,
  };
}

/** A copy of the test kubeconfig whose kube1 server is the proxy. */
function proxiedKubeconfig(port: number): { file: string; target: URL } {
  const config = yaml.load(readFileSync(kubeconfig(), 'utf8')) as {
    contexts: { name: string; context: { cluster: string } }[];
    clusters: { name: string; cluster: { server: string } }[];
  };
  const ctx = config.contexts.find((c) => c.name === CTX)!;
  const cluster = config.clusters.find((c) => c.name === ctx.context.cluster)!;
  const target = new URL(cluster.cluster.server);
  cluster.cluster.server = `https://127.0.0.1:${port}`;
  const file = join(tmpdir(), `eastern-proxied-${process.pid}-${port}.json`);
  writeFileSync(file, JSON.stringify(config));
  return { file, target };
}

async function setUp(name: string, objects: number) {
  const namespace = uniqueNamespace(name);
  namespaces.push(namespace);
  await createNamespace(CTX, namespace);
  const probe = proxiedKubeconfig(1);
  const proxy = await startProxy(probe.target);
  const { file } = proxiedKubeconfig(proxy.port);
  const dir = projectDir(name, { 'kubernetes.yaml': manyObjects(objects) });
  const store = new ReleaseStore(await client(CTX), namespace, name);
  return { namespace, proxy, file, dir, store };
}

async function assertRecordsIntact(store: ReleaseStore) {
  const { heads, unreadable } = await store.list();
  assert.equal(unreadable, []);
  for (const h of heads) {
    const text = await store.manifest(h.info);
    assert.ok(text.includes('kind: Deployment'), `revision ${h.info.revision} reads back`);
  }
  return heads;
}

interface ClusterModule {
  restart(options: { cluster: string; component: string; log?: (m: string) => void }): Promise<{ pid: number; stoppedMs: number; readyMs: number }>;
  status(): Promise<{ clusters: { name: string; ready: boolean; processes: { component: string; pid: number }[] }[] }>;
}
// Plain ESM without types; a computed specifier keeps tsc from resolving it.
const clusterModule = (): Promise<ClusterModule> => import(new URL('../cluster/cluster.mjs', import.meta.url).href) as Promise<ClusterModule>;

// The only test that restarts a cluster process. It disturbs everyone using kube1:
// the apiserver refuses connections from SIGTERM until the new one is ready (about
// 13 s: it hangs draining watches until SIGKILL after 10 s), and the
// controller-manager's informers, backed off by client-go while it was away, take
// another 60-110 s to act on changes. The revision that straddles the restart
// therefore does not wait for its rollout; the next deploy does, so the cluster
// works again when the test ends.
test('the real API server restarts while a deploy applies: success after retries or a clear ClusterError; records intact; the next deploy succeeds', async () => {
  const project = 'restart';
  const namespace = uniqueNamespace(project);
  namespaces.push(namespace);
  const dir = projectDir(project, { 'kubernetes.yaml': manyObjects(300, '1.0') });
  const base = { cwd: dir, kubeconfig: kubeconfig(), context: CTX, file: 'kubernetes.yaml', namespace };
  const first = capture();
  assert.is(await deploy({ ...base, wait: false, io: first.io } as never), 0);

  // Revision 2 changes every object; the restart starts once it holds the lock and
  // has recorded itself, right before it applies.
  writeFileSync(join(dir, 'kubernetes.yaml'), manyObjects(300, '2.0'));
  const cluster = await clusterModule();
  const before = (await cluster.status()).clusters.find((c) => c.name === CTX)!.processes.find((p) => p.component === 'apiserver')!.pid;
  let restarting: Promise<{ pid: number; stoppedMs: number; readyMs: number }> | undefined;
  let restartStartedAt = 0;
  const log: string[] = [];
  const io = {
    stdout: { write: (_s: string) => undefined },
    stderr: {
      write: (s: string) => {
        log.push(s);
        if (!restarting && /revision 2 recorded as pending/.test(s)) {
          restartStartedAt = Date.now();
          restarting = cluster.restart({ cluster: CTX, component: 'apiserver' });
        }
      },
    },
  };
  let code: unknown;
  let finishedAt = 0;
  try {
    code = await deploy({ ...base, wait: false, io } as never).catch((e: unknown) => e);
    finishedAt = Date.now();
  } finally {
    // Whatever happened, kube1 serves again before anything else runs.
    const restarted = await restarting;
    assert.ok(restarted, 'the restart was triggered by the deploy\'s progress');
    assert.is.not(restarted!.pid, before, 'a new kube-apiserver process');
  }
  const stderr = log.join('');
  if (process.env.EASTERN_TEST_DEBUG) console.error(stderr, restarting && (await restarting));
  assert.ok(restartStartedAt < finishedAt, 'the restart began before the deploy ended');
  if (code === 0) {
    // Ridden out: the retries show in the log, and every object has the new state.
    assert.match(stderr, /retrying in/, 'the restart hit the deploy');
    assert.is(((await get(CTX, 'v1', 'ConfigMap', namespace, 'cm-299')) as { data?: { tag?: string } } | undefined)?.data?.tag, '2.0');
  } else {
    assert.ok(code instanceof ClusterError, `a ClusterError, not ${String(code)}`);
    assert.is((code as ClusterError).exitCode, 1);
    assert.match((code as EasternError).describe(), /cannot reach cluster|ECONNREFUSED|could not be applied/);
  }

  // History reads back whole: revision 1 and revision 2 with a definite or pending outcome.
  const store = new ReleaseStore(await client(CTX), namespace, project);
  const heads = await assertRecordsIntact(store);
  assert.equal(heads.map((h) => h.info.revision), [2, 1]);
  const outcome2 = heads[0]!.info.outcome;
  assert.ok(code === 0 ? outcome2 === 'deployed' : ['failed', 'pending'].includes(outcome2), `revision 2 is ${outcome2} (deploy returned ${String(code)})`);

  // The lock: released, or left to expire by its renewTime.
  const lease = await get(CTX, 'coordination.k8s.io/v1', 'Lease', namespace, `eastern-lock-${project}`) as Lease | undefined;
  if (lease?.spec?.holderIdentity) {
    const renewed = Date.parse(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? '');
    assert.ok(Number.isFinite(renewed) && (lease.spec?.leaseDurationSeconds ?? 0) > 0, 'a left-over lock carries an expiry');
    assert.ok(code !== 0, 'a successful deploy released its lock');
  }

  // The next deploy (with rollout wait: controller-manager, scheduler and KWOK are back) succeeds.
  writeFileSync(join(dir, 'kubernetes.yaml'), manyObjects(300, '3.0'));
  const next = capture();
  assert.is(await deploy({ ...base, wait: true, timeout: 240, lockTimeout: 90, io: next.io } as never), 0, next.stderr());
  const after = await assertRecordsIntact(store);
  assert.equal(after.map((h) => h.info.revision), [3, 2, 1]);
  assert.is(after[0]!.info.outcome, 'deployed');
  const app = (await get(CTX, 'apps/v1', 'Deployment', namespace, 'app')) as { spec: { template: { spec: { containers: { image: string }[] } } } } | undefined;
  assert.is(app?.spec.template.spec.containers[0]?.image, 'registry.example/app:3.0');
  assert.is(await lockHolderOf(CTX, namespace, project), undefined, 'lock released');
});

test('a short outage in the middle of applying is ridden out by retries', async () => {
  const { namespace, proxy, file, dir, store } = await setUp('blip', 400);
  const c = capture();
  try {
    const running = deploy({ cwd: dir, kubeconfig: file, context: CTX, wait: false, io: c.io, file: 'kubernetes.yaml', namespace, output: 'json' } as never);
    await eventually('the revision to be recorded as pending', async () => (await store.list()).heads.find((h) => h.info.outcome === 'pending'), 30_000, 10);
    await proxy.outage(3000);
    const code = await running;
    assert.is(code, 0);
  } finally {
    await proxy.close();
  }
  assert.match(c.stderr(), /retrying in/, 'the outage hit the deploy');
  const result = JSON.parse(c.stdout());
  assert.is(result.outcome, 'deployed');
  assert.is(result.objects.length, 401);
  assert.ok(await get(CTX, 'v1', 'ConfigMap', namespace, 'cm-399'));
  const heads = await assertRecordsIntact(store);
  assert.equal(heads.map((h) => h.info.outcome), ['deployed']);
  assert.is(await lockHolderOf(CTX, namespace, 'blip'), undefined, 'lock released');
});

test('an outage longer than the retries fails clearly; the record stays readable and the next deploy proceeds', async () => {
  const { namespace, proxy, file, dir, store } = await setUp('outage', 400);
  const c = capture();
  let error: unknown;
  try {
    const running = deploy({ cwd: dir, kubeconfig: file, context: CTX, wait: false, io: c.io, file: 'kubernetes.yaml', namespace } as never).catch((e) => e);
    await eventually('the revision to be recorded as pending', async () => (await store.list()).heads.find((h) => h.info.outcome === 'pending'), 30_000, 10);
    const outage = proxy.outage(40_000);
    error = await running;
    await outage;
  } finally {
    await proxy.close();
  }
  assert.ok(error instanceof EasternError, `${String(error)}\n${c.stderr()}`);
  assert.ok(error instanceof ClusterError, String(error));
  assert.match((error as EasternError).describe(), /ECONNREFUSED|cannot reach cluster|could not be applied/);
  // The record is whole: failed if the outcome could be written once the server was back, else pending.
  const before = await assertRecordsIntact(store);
  assert.is(before.length, 1);
  assert.ok(['failed', 'pending'].includes(before[0]!.info.outcome), before[0]!.info.outcome);
  // Through the real address the next deploy takes over the expired lock and finishes the job.
  const next = capture();
  const code = await deploy({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, wait: false, io: next.io, file: 'kubernetes.yaml', namespace, lockTimeout: 90 } as never);
  assert.is(code, 0);
  const after = await assertRecordsIntact(store);
  assert.equal(after.map((h) => `${h.info.revision}:${h.info.outcome}`), ['2:deployed', `1:${before[0]!.info.outcome === 'pending' ? 'interrupted' : 'failed'}`]);
});

test.after(async () => {
  for (const n of namespaces) await deleteNamespace(CTX, n);
});

test.run();
