#!/usr/bin/env node
// The watchman (issue 17) on a local cluster, as `eastern watch` runs it (the built
// CLI, a whole process, sending to a JSON webhook on loopback):
//   latency: a pod first showing CrashLoopBackOff → the webhook receiving `opened`
//            (the reference moment is a pod watch in this process on the same API
//            server; the arrival time is taken by this process's own HTTP server)
//   memory:  the watch process's resident memory (VmRSS) on an empty namespace, and
//            again once it watches 1,000 pods with 100 open incidents (right away,
//            and after --hold); each sample follows a full GC the bench asks for
//            (the process runs with --expose-gc and a SIGUSR2 handler, GC_PROBE)
// Timings and sizes are a report, never a test verdict.
//
//   node bench/watch/run.mjs [--context kube2] [--kubeconfig .cluster/kubeconfig] [--samples 7] [--hold SECONDS]
//
// --hold is how long the loaded watchman runs before its loaded memory is sampled
// (default 120 s), its RSS logged every 10 s meanwhile (crash loops go on restarting).
//
// bench/run.mjs calls runWatchBench().
//
// The local clusters' three KWOK nodes take 110 pods each (330 in all), too few for
// 1,000 pods: the memory part adds its own fake nodes for the run (tainted, so only
// its pods land there) and deletes them afterwards, with its namespaces.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { formatBytes, formatMs, sleep, summarize } from '../lib/stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const defaultRepo = resolve(here, '..', '..');

export const LATENCY_SAMPLES = 7;
const HEALTHY_DEPLOYMENTS = 90;
const HEALTHY_REPLICAS = 10;
const CRASHING_DEPLOYMENTS = 100;
export const LOADED_PODS = HEALTHY_DEPLOYMENTS * HEALTHY_REPLICAS + CRASHING_DEPLOYMENTS;
const LOADED = LOADED_PODS.toLocaleString('en');
// Fake nodes of the memory part: 4 × 300 pods leave room above 1,000.
const BENCH_NODES = 4;
const PODS_PER_NODE = 300;
const NODE_LABEL = 'eastern.bench/watch';
const RSS_SAMPLES = 5;
const SETTLE_MS = 10_000;
// The loaded figure is taken this long after the 100 incidents opened: by then the
// storm cap's summary has gone out and the watches have been reopened once or twice;
// RSS measured right after the incidents opened is lower (it is reported too).
export const HOLD_MS = 120_000;
const MiB = 1024 * 1024;
const secs = (ms) => `${Math.round(ms / 1000)} s`;

async function load(repo) {
  const client = join(repo, 'dist', 'kube', 'client.js');
  if (!existsSync(client)) throw new Error(`${client} is missing: run \`npm run build\` first`);
  const [{ KubeClient }, { loadClusterTarget }] = await Promise.all([
    import(pathToFileURL(client).href),
    import(pathToFileURL(join(repo, 'dist', 'kube', 'kubeconfig.js')).href),
  ]);
  return { KubeClient, loadClusterTarget };
}

/** Polls `fn` until it returns something truthy; throws `what` after `timeoutMs`. */
async function waitFor(what, fn, timeoutMs, everyMs = 200) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${formatMs(timeoutMs)} waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Runs tasks with at most `limit` at once. */
async function pool(items, limit, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

function procStatus(pid) {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}

const kB = (text, field) => {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
};

/** User + system CPU time of a process, in ms (clock ticks of 10 ms). */
function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * The watch process runs with --expose-gc and this preload: SIGUSR2 makes it collect
 * all garbage and print its heap figures, so that samples are taken on a settled heap.
 */
const GC_PROBE = 'data:text/javascript,' + encodeURIComponent('process.on("SIGUSR2",()=>{globalThis.gc();process.stderr.write(`[bench-gc] ${JSON.stringify(process.memoryUsage())}\\n`)})');

/** A full GC in the watch process, then its VmRSS and heap figures. */
async function settledSample(watch) {
  const before = watch.gcReports.length;
  const rssBefore = kB(procStatus(watch.pid), 'VmRSS');
  process.kill(watch.pid, 'SIGUSR2');
  const report = await waitFor('the watch process to report a GC', () => {
    if (!watch.alive()) throw new Error(`the watch process is gone:\n${watch.tail()}`);
    return watch.gcReports[before];
  }, 10_000, 20);
  await sleep(500);
  const rss = kB(procStatus(watch.pid), 'VmRSS');
  if (rss === undefined) throw new Error(`cannot read /proc/${watch.pid}/status: the watch process is gone`);
  return { rss, rssBefore, heapUsed: report.heapUsed, heapTotal: report.heapTotal, external: report.external };
}

/** RSS_SAMPLES settled samples, one a second. */
async function memorySamples(watch) {
  const out = [];
  for (let i = 0; i < RSS_SAMPLES; i++) {
    if (i > 0) await sleep(1000);
    out.push(await settledSample(watch));
  }
  return out;
}

// ------------------------------------------------------------------ the webhook

/** A loopback JSON webhook: records every POST with its arrival time (performance.now()). */
async function startSink() {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      received.push({ at, path: req.url, body });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

// ------------------------------------------------------------------ eastern watch

/** `eastern watch NS` in the background, sending to `url`; resolves once it watches. */
async function startWatch({ repo, kubeconfig, context, namespace, url, log }) {
  const env = { ...process.env, NO_COLOR: '1', BENCH_WATCH_WEBHOOK: url };
  delete env.EASTERN_AGENT;
  const args = [join(repo, 'bin', 'eastern'), 'watch', namespace, '--kubeconfig', kubeconfig, '--context', context,
    '--webhook-url-env', 'BENCH_WATCH_WEBHOOK', '--no-nodes', '--state-namespace', namespace, '--resolve-after', '3'];
  const child = spawn(process.execPath, ['--expose-gc', '--import', GC_PROBE, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const openedAt = [];
  const gcReports = [];
  const openedBy = new Map(); // workload name → when its `[watch] opened:` line arrived
  let rest = '';
  child.stderr.on('data', (c) => {
    stderr += c;
    const lines = (rest + c).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('[bench-gc] ')) gcReports.push(JSON.parse(line.slice(11)));
      const m = /\[watch\] opened: [^ ]*\/([^/: ]+): /.exec(line);
      if (!m) continue;
      openedAt.push(performance.now());
      if (!openedBy.has(m[1])) openedBy.set(m[1], performance.now());
    }
  });
  const exited = new Promise((r) => child.on('exit', (code, signal) => r(code ?? signal)));
  const tail = () => stderr.split('\n').slice(-20).join('\n');
  await waitFor('eastern watch to start watching', () => {
    if (child.exitCode !== null) throw new Error(`eastern watch exited with ${child.exitCode}:\n${tail()}`);
    return stderr.includes('[watch] watching');
  }, 60_000, 100);
  log(`eastern watch ${namespace} running (pid ${child.pid})`);
  return {
    pid: child.pid,
    openedAt,
    openedBy,
    gcReports,
    log: () => stderr,
    tail,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      if (code !== 0) log(`eastern watch exited with ${code}:\n${tail()}`);
      return code;
    },
  };
}

// ------------------------------------------------------------------ cluster objects

function deployment(namespace, name, { replicas = 1, simulate, benchNodes = false } = {}) {
  const labels = { app: name, ...(simulate && { 'eastern.test/simulate': simulate }) };
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: 'app', image: 'registry.example/app:1' }],
          ...(benchNodes && {
            nodeSelector: { [NODE_LABEL]: 'true' },
            tolerations: [{ key: NODE_LABEL, operator: 'Equal', value: 'true', effect: 'NoSchedule' }],
          }),
        },
      },
    },
  };
}

/** The Deployment of a pod named deployment-<hash>-<suffix>. */
const deploymentOf = (pod) => pod?.metadata?.name?.replace(/-[a-z0-9]+-[a-z0-9]+$/, '');
const crashLooping = (p) => (p?.status?.containerStatuses ?? []).some((c) => c.state?.waiting?.reason === 'CrashLoopBackOff');

async function createNamespace(client, name) {
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'app.kubernetes.io/part-of': 'eastern-bench' } } });
}

/** Deletes a namespace and waits until it is gone (its pods with it). */
async function deleteNamespace(client, name, log) {
  const t = performance.now();
  try {
    await client.delete({ apiVersion: 'v1', kind: 'Namespace', name });
    await waitFor(`namespace ${name} to be deleted`, async () => !(await client.get({ apiVersion: 'v1', kind: 'Namespace', name })), 300_000, 1000);
    log(`namespace ${name} deleted in ${formatMs(performance.now() - t)}`);
  } catch (error) {
    log(`warning: namespace ${name} not cleaned up: ${String(error.message ?? error).split('\n')[0]}`);
  }
}

const range = (samples, field) => {
  const values = samples.map((x) => x[field]);
  return `${formatBytes(Math.min(...values))}–${formatBytes(Math.max(...values))}`;
};

const benchNodeName = (i) => `bench-watch-node-${i}`;

/** Fake nodes only the memory part's pods tolerate (KWOK runs them like the others). */
async function ensureBenchNodes(client, log) {
  const resources = { cpu: '64', memory: '256Gi', pods: String(PODS_PER_NODE), 'ephemeral-storage': '100Gi' };
  for (let i = 1; i <= BENCH_NODES; i++) {
    const name = benchNodeName(i);
    if (await client.get({ apiVersion: 'v1', kind: 'Node', name })) continue;
    await client.create({
      apiVersion: 'v1', kind: 'Node',
      metadata: {
        name,
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok', [NODE_LABEL]: 'true' },
      },
      spec: { taints: [{ key: NODE_LABEL, value: 'true', effect: 'NoSchedule' }] },
      status: { allocatable: resources, capacity: resources, addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: name }] },
    });
  }
  await waitFor(`${BENCH_NODES} bench nodes to be Ready`, async () => {
    const { items } = await client.list('v1', 'Node', { labelSelector: `${NODE_LABEL}=true` });
    const ready = items.filter((n) => (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
      && !(n.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/not-ready'));
    return ready.length >= BENCH_NODES;
  }, 90_000, 500);
  log(`${BENCH_NODES} bench nodes Ready (${PODS_PER_NODE} pods each)`);
}

async function deleteBenchNodes(client, log) {
  for (let i = 1; i <= BENCH_NODES; i++) {
    await client.delete({ apiVersion: 'v1', kind: 'Node', name: benchNodeName(i) }).catch((e) => log(`warning: node ${benchNodeName(i)} not deleted: ${String(e.message ?? e).split('\n')[0]}`));
  }
}

/**
 * A pod watch of one namespace in this process: `onPod(pod, at)` for every event,
 * `at` the performance.now() of its arrival. Reopened from the last resourceVersion
 * when the server ends it.
 */
async function watchPods(client, namespace, onPod) {
  const path = `/api/v1/namespaces/${namespace}/pods`;
  let stopped = false;
  let handle;
  let resourceVersion;
  const open = async () => {
    handle = await client.watchCollection(path, resourceVersion ? { resourceVersion } : {}, (event) => {
      const at = performance.now();
      if (event.type === 'ERROR') {
        resourceVersion = undefined; // 410 Gone: start over from now
        return;
      }
      if (event.object?.metadata?.resourceVersion) resourceVersion = event.object.metadata.resourceVersion;
      if (event.type !== 'BOOKMARK' && event.type !== 'DELETED') onPod(event.object, at);
    }, () => {
      if (!stopped) setTimeout(() => void open().catch(() => {}), 200);
    });
  };
  await open();
  return { stop: () => { stopped = true; handle?.abort(); } };
}

// ------------------------------------------------------------------ latency

async function latencyBench({ client, repo, kubeconfig, context, samples: count, log }) {
  const namespace = `bench-watch-lat-${Date.now().toString(36)}`;
  const sink = await startSink();
  let watch;
  let pods;
  const samples = [];
  const details = [];
  await createNamespace(client, namespace);
  try {
    const crashedAt = new Map(); // Deployment name → first CrashLoopBackOff seen by this process
    pods = await watchPods(client, namespace, (pod, at) => {
      const owner = deploymentOf(pod);
      if (owner && !crashedAt.has(owner) && crashLooping(pod)) crashedAt.set(owner, at);
    });
    watch = await startWatch({ repo, kubeconfig, context, namespace, url: sink.url, log });
    await sleep(2000); // the watchman's lists are in
    for (let i = 0; i < count; i++) {
      const name = `crash-${i}`;
      const created = performance.now();
      await client.create(deployment(namespace, name, { simulate: 'crashloop' }));
      const opened = () => sink.received.find((r) => r.body?.event === 'opened' && r.body?.incident?.workload?.name === name);
      const message = await waitFor(`the webhook's opened message about ${name}`, () => {
        if (!watch.alive()) throw new Error(`eastern watch exited:\n${watch.tail()}`);
        return opened();
      }, 90_000, 20);
      const ref = await waitFor(`this process's pod watch to see ${name} in CrashLoopBackOff`, () => crashedAt.get(name), 10_000, 20);
      const ms = message.at - ref;
      samples.push(ms);
      details.push({ name, createdToCrashLoopMs: Math.round(ref - created), crashLoopToWebhookMs: Math.round(ms) });
      log(`latency ${i + 1}/${count}: ${name} CrashLoopBackOff → webhook opened ${formatMs(ms)} (created → CrashLoopBackOff ${formatMs(ref - created)})`);
    }
    return { samples, details, received: sink.received.length };
  } finally {
    pods?.stop();
    await watch?.stop();
    await sink.close();
    await deleteNamespace(client, namespace, log);
  }
}

// ------------------------------------------------------------------ memory

async function memoryBench({ client, repo, kubeconfig, context, holdMs = HOLD_MS, log }) {
  const namespace = `bench-watch-mem-${Date.now().toString(36)}`;
  const sink = await startSink();
  let watch;
  let podWatch;
  try {
    await ensureBenchNodes(client, log);
    await createNamespace(client, namespace);
    try {
      watch = await startWatch({ repo, kubeconfig, context, namespace, url: sink.url, log });
      await sleep(SETTLE_MS);
      const idle = await memorySamples(watch);
      log(`idle: RSS ${range(idle, 'rss')}, heap used ${range(idle, 'heapUsed')} (after a full GC)`);

      const objects = [
        ...Array.from({ length: HEALTHY_DEPLOYMENTS }, (_, i) => deployment(namespace, `web-${i}`, { replicas: HEALTHY_REPLICAS, benchNodes: true })),
        ...Array.from({ length: CRASHING_DEPLOYMENTS }, (_, i) => deployment(namespace, `crash-${i}`, { simulate: 'crashloop', benchNodes: true })),
      ];
      // The same latency as above, now with 1,000 pods watched: up to the `opened`
      // log line (the webhook gets 10 a minute: the storm cap holds the rest).
      const crashedAt = new Map();
      podWatch = await watchPods(client, namespace, (pod, at) => {
        const owner = deploymentOf(pod);
        if (owner?.startsWith('crash-') && !crashedAt.has(owner) && crashLooping(pod)) crashedAt.set(owner, at);
      });
      const t0 = performance.now();
      await pool(objects, 8, (o) => client.create(o));
      log(`created ${objects.length} Deployments (${LOADED_PODS} pods) in ${formatMs(performance.now() - t0)}`);

      const pods = async () => (await client.list('v1', 'Pod', { namespace })).items.filter((p) => !p.metadata?.deletionTimestamp);
      let lastReport = 0;
      await waitFor(`${LOADED_PODS} running pods and ${CRASHING_DEPLOYMENTS} opened incidents`, async () => {
        if (!watch.alive()) throw new Error(`eastern watch exited:\n${watch.tail()}`);
        const list = await pods();
        const running = list.filter((p) => p.status?.phase === 'Running').length;
        const opened = watch.openedAt.length;
        if (performance.now() - lastReport > 15_000) {
          lastReport = performance.now();
          log(`  ${list.length} pods, ${running} running, ${opened} incidents opened (${formatMs(performance.now() - t0)})`);
        }
        return running >= LOADED_PODS && opened >= CRASHING_DEPLOYMENTS;
      }, 15 * 60_000, 3000);
      podWatch.stop();
      const loadedAfterMs = performance.now() - t0;
      const lastOpenedMs = Math.max(...watch.openedAt) - t0;
      log(`${LOADED_PODS} pods running and ${watch.openedAt.length} incidents opened ${formatMs(loadedAfterMs)} after the first create (last incident opened at ${formatMs(lastOpenedMs)})`);

      await sleep(SETTLE_MS);
      const early = await memorySamples(watch);
      log(`loaded, ${secs(SETTLE_MS)} after: RSS ${range(early, 'rss')}, heap used ${range(early, 'heapUsed')} (after a full GC)`);
      // CPU over 10 s without forced GCs: the crash loops restart a pod every 4-5 s each.
      const cpuBefore = cpuMs(watch.pid);
      const tCpu = performance.now();
      await sleep(10_000);
      const cpuShare = (cpuMs(watch.pid) - cpuBefore) / (performance.now() - tCpu);
      const hold = [];
      for (const until = performance.now() + holdMs; until - performance.now() > 1000;) {
        await sleep(Math.min(10_000, until - performance.now()));
        const rss = kB(procStatus(watch.pid), 'VmRSS');
        if (rss === undefined || !watch.alive()) throw new Error(`the watch process is gone:\n${watch.tail()}`);
        hold.push({ s: Math.round((performance.now() - t0) / 1000), rss });
        log(`  ${hold.at(-1).s} s after the first create: RSS ${formatBytes(rss)}; ${sink.received.length} webhook messages, CPU ${(cpuMs(watch.pid) / 1000).toFixed(1)} s in all`);
      }
      const loaded = await memorySamples(watch);
      log(`loaded, ${secs(holdMs)} later: RSS ${range(loaded, 'rss')}, heap used ${range(loaded, 'heapUsed')}, heap total ${range(loaded, 'heapTotal')}, external ${range(loaded, 'external')} (after a full GC)`);
      const status = procStatus(watch.pid);
      const peak = kB(status, 'VmHWM');
      const opened = watch.openedAt.length;
      log(`peak RSS ${formatBytes(peak)}; the watch process used ${(cpuShare * 100).toFixed(0)}% of a core meanwhile; ${opened} incidents opened, ${sink.received.length} webhook messages`);
      const underLoad = [...watch.openedBy].filter(([name]) => crashedAt.has(name)).map(([name, at]) => at - crashedAt.get(name));
      const firstCrash = Math.min(...crashedAt.values()) - t0;
      const lastCrash = Math.max(...crashedAt.values()) - t0;
      const s = summarize(underLoad);
      if (s) log(`under load: CrashLoopBackOff → opened log line median ${formatMs(s.median)}, max ${formatMs(s.max)} (${s.n}); pods first crash-looping ${formatMs(firstCrash)}–${formatMs(lastCrash)} after the first create`);
      const warnings = watch.log().split('\n').filter((l) => /warning|storm cap|dropping|failed/i.test(l)).slice(0, 20);
      return { idle, early, loaded, hold, holdMs, peak, cpuShare, opened, underLoad, firstCrashMs: firstCrash, lastCrashMs: lastCrash, webhookMessages: sink.received.length, loadedAfterMs, lastOpenedMs, warnings };
    } finally {
      podWatch?.stop();
      await watch?.stop();
      await sink.close();
      await deleteNamespace(client, namespace, log);
    }
  } finally {
    await deleteBenchNodes(client, log);
  }
}

// ------------------------------------------------------------------ entry

/**
 * Runs both measurements; returns `{ sections, extra }` in bench/run.mjs's format.
 * @param {{ kubeconfig: string, context?: string, samples?: number, log?: (m: string) => void, repo?: string }} options
 */
export async function runWatchBench({ kubeconfig, context = 'kube2', samples = LATENCY_SAMPLES, holdMs = HOLD_MS, log = () => {}, repo = defaultRepo }) {
  const { KubeClient, loadClusterTarget } = await load(repo);
  const target = await loadClusterTarget({ kubeconfig, context, env: {} });
  const client = await KubeClient.connect(target);
  const sections = [];
  const extra = { context };
  try {
    try {
      const lat = await latencyBench({ client, repo, kubeconfig, context, samples, log });
      extra.latency = lat;
      sections.push({
        id: 'watch-latency', title: `Watchman: CrashLoopBackOff → webhook (${context})`,
        rows: [{ key: 'opened', tool: 'pod CrashLoopBackOff → webhook receives opened (eastern watch)', unit: 'ms', summary: summarize(lat.samples) }],
      });
    } catch (error) {
      log(`watch latency failed: ${error.stack ?? error}`);
      sections.push({ id: 'watch-latency', title: 'Watchman: CrashLoopBackOff → webhook', rows: [{ key: 'opened', tool: 'eastern watch', na: `failed: ${String(error.message ?? error).split('\n')[0]}` }] });
    }
    try {
      const mem = await memoryBench({ client, repo, kubeconfig, context, holdMs, log });
      const idle = summarize(mem.idle.map((x) => x.rss));
      const loaded = summarize(mem.loaded.map((x) => x.rss));
      extra.memory = { ...mem, idleMiB: idle.median / MiB, loadedMiB: loaded.median / MiB };
      sections.push({
        id: 'watch-memory', title: `Watchman memory (eastern watch RSS, ${context})`,
        rows: [
          { key: 'idle', tool: 'empty namespace', unit: 'bytes', summary: idle },
          { key: 'early', tool: `${LOADED} pods, ${mem.opened} incidents just opened (+${secs(SETTLE_MS)})`, unit: 'bytes', summary: summarize(mem.early.map((x) => x.rss)) },
          { key: 'loaded', tool: `${LOADED} pods, ${mem.opened} open incidents, ${secs(mem.holdMs)} later`, unit: 'bytes', summary: loaded },
          { key: 'growth', tool: 'loaded − idle (medians)', unit: 'bytes', summary: summarize([loaded.median - idle.median]) },
          { key: 'peak', tool: 'peak RSS (VmHWM) over the run', unit: 'bytes', summary: summarize([mem.peak]) },
          { key: 'heap-idle', tool: 'V8 heap used, empty namespace', unit: 'bytes', summary: summarize(mem.idle.map((x) => x.heapUsed)) },
          { key: 'heap-loaded', tool: `V8 heap used, ${LOADED} pods, ${mem.opened} open incidents, ${secs(mem.holdMs)} later`, unit: 'bytes', summary: summarize(mem.loaded.map((x) => x.heapUsed)) },
        ],
      });
      const lat = sections.find((x) => x.id === 'watch-latency');
      const underLoad = summarize(mem.underLoad);
      lat?.rows.push({ key: 'opened-loaded', tool: `the same with ${LOADED} pods watched (to the opened log line)`, unit: 'ms', summary: underLoad, ...(!underLoad && { na: 'no result' }) });
    } catch (error) {
      log(`watch memory failed: ${error.stack ?? error}`);
      sections.push({ id: 'watch-memory', title: 'Watchman memory', rows: [{ key: 'growth', tool: 'eastern watch', na: `failed: ${String(error.message ?? error).split('\n')[0]}` }] });
    }
  } finally {
    client.close();
  }
  return { sections, extra };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { context: { type: 'string', default: 'kube2' }, kubeconfig: { type: 'string' }, samples: { type: 'string', default: String(LATENCY_SAMPLES) }, hold: { type: 'string', default: String(HOLD_MS / 1000) } } });
  const result = await runWatchBench({
    context: values.context,
    samples: Number(values.samples),
    holdMs: Number(values.hold) * 1000,
    kubeconfig: resolve(values.kubeconfig ?? process.env.EASTERN_TEST_KUBECONFIG ?? join(defaultRepo, '.cluster', 'kubeconfig')),
    log: (m) => process.stderr.write(`${m}\n`),
  });
  for (const section of result.sections) {
    for (const row of section.rows) {
      const s = row.summary;
      const f = row.unit === 'bytes' ? formatBytes : formatMs;
      process.stdout.write(s ? `${section.title}: ${row.tool}: median ${f(s.median)}, min ${f(s.min)}, max ${f(s.max)} (${s.n})\n` : `${section.title}: ${row.tool}: n/a (${row.na})\n`);
    }
  }
  process.exit(0);
}
