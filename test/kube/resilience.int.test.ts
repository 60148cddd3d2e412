// The API server going away mid-deploy. A TCP proxy stands between Eastern and
// kube1's API server and drops every connection, refusing new ones for a while:
// exactly what a client sees when the API server restarts. Short outages are
// ridden out by retries; long ones end in a clear error. Either way the release
// record is never corrupt and the next deploy carries on.
import { readFileSync, writeFileSync } from 'node:fs';
import yaml from 'js-yaml';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run as deploy } from '../../src/commands/deploy.js';
import { ClusterError, EasternError } from '../../src/errors.js';
import { ReleaseStore } from '../../src/kube/release-store.js';
import { capture, client, createNamespace, deleteNamespace, eventually, get, kubeconfig, manyObjects, projectDir, uniqueNamespace } from './helpers.js';

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
  assert.is(await get(CTX, 'coordination.k8s.io/v1', 'Lease', namespace, 'eastern-lock-blip'), undefined, 'lock released');
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
  assert.ok(error instanceof EasternError, String(error));
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
