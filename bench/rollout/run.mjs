#!/usr/bin/env node
// Rollout detection latency of Eastern's watcher on a local cluster:
//   complete:  a Deployment's status becoming complete → watchRollout resolving
//   crashloop: a pod first showing CrashLoopBackOff  → watchRollout failing
// The reference moment comes from a separate watch in this process on the same
// API server (the time its event arrives), so both sides see the same stream.
// Medians over several runs; timings are a report, never a test verdict.
//
//   node bench/rollout/run.mjs [--runs 5] [--context kube2] [--kubeconfig .cluster/kubeconfig]
//
// bench/run.mjs calls runRolloutBench().
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { summarize } from '../lib/stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const defaultRepo = resolve(here, '..', '..');

async function load(repo) {
  const index = join(repo, 'dist', 'rollout', 'index.js');
  if (!existsSync(index)) throw new Error(`${index} is missing: run \`npm run build\` first`);
  const [rollout, logger, k8s] = await Promise.all([
    import(pathToFileURL(index).href),
    import(pathToFileURL(join(repo, 'dist', 'output', 'logger.js')).href),
    import('@kubernetes/client-node'),
  ]);
  return { watchRollout: rollout.watchRollout, createLogger: logger.createLogger, k8s };
}

function deployment(namespace, name, simulate) {
  const labels = { app: name, ...(simulate && { 'eastern.test/simulate': simulate }) };
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'example.com/app:1' }] } } },
  };
}

const complete = (d) => {
  const s = d?.status ?? {};
  const want = d?.spec?.replicas ?? 1;
  return (s.observedGeneration ?? -1) >= (d?.metadata?.generation ?? 0) && s.updatedReplicas === want && s.replicas === want && (s.availableReplicas ?? 0) >= want;
};
const crashLooping = (p) => (p?.status?.containerStatuses ?? []).some((c) => c.state?.waiting?.reason === 'CrashLoopBackOff');

/** A reference watch: resolves with performance.now() of the first event matching `test`. */
async function firstMatch(k8s, kc, path, test) {
  let resolveAt;
  const at = new Promise((r) => { resolveAt = r; });
  const controller = await new k8s.Watch(kc).watch(path, {}, (_type, obj) => { if (test(obj)) resolveAt(performance.now()); }, () => {});
  return { at, stop: () => controller.abort() };
}

/** One measurement: reference moment → watchRollout settled, in ms. */
async function measure({ k8s, kc, watchRollout, logger, api, namespace, name, simulate, path, test, expect }) {
  const reference = await firstMatch(k8s, kc, path, test);
  const object = deployment(namespace, name, simulate);
  const watching = watchRollout({
    kubeConfig: kc, logger, timeoutSeconds: 120,
    targets: [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name }],
  }).then((result) => ({ result, at: performance.now() }));
  await api.create(object);
  const [{ result, at }, refAt] = await Promise.all([watching, Promise.race([reference.at, watching.then(() => new Promise((r) => setTimeout(() => r(undefined), 2_000)))])]);
  reference.stop();
  if (result.outcome !== expect) throw new Error(`${name}: expected ${expect}, got ${result.outcome}: ${result.summary}`);
  if (refAt === undefined) throw new Error(`${name}: the reference watch never saw the moment it waits for`);
  await api.delete(object).catch(() => {});
  return at - refAt;
}

export async function runRolloutBench({ kubeconfig, context = 'kube2', runs = 5, log = () => {}, repo = defaultRepo } = {}) {
  const { watchRollout, createLogger, k8s } = await load(repo);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig ?? join(repo, '.cluster', 'kubeconfig'));
  kc.setCurrentContext(context);
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const logger = createLogger({ out: { write: () => true }, env: {} });
  const namespace = `bench-rollout-${Date.now().toString(36)}`;
  await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const samples = { complete: [], crashloop: [] };
  try {
    const common = { k8s, kc, watchRollout, logger, api, namespace };
    for (let i = 0; i < runs; i++) {
      const ok = await measure({ ...common, name: `ok-${i}`, path: `/apis/apps/v1/namespaces/${namespace}/deployments`, test: (d) => d?.metadata?.name === `ok-${i}` && complete(d), expect: 'succeeded' });
      samples.complete.push(ok);
      const crash = await measure({ ...common, name: `crash-${i}`, simulate: 'crashloop', path: `/api/v1/namespaces/${namespace}/pods`, test: (p) => p?.metadata?.name?.startsWith(`crash-${i}-`) && crashLooping(p), expect: 'failed' });
      samples.crashloop.push(crash);
      log(`run ${i + 1}/${runs}: complete → success ${ok.toFixed(1)} ms, CrashLoopBackOff → failure ${crash.toFixed(1)} ms`);
    }
  } finally {
    await api.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }).catch(() => {});
  }
  const rows = [
    { key: 'complete', tool: 'Deployment complete → eastern reports success', unit: 'ms', summary: summarize(samples.complete) },
    { key: 'crashloop', tool: 'pod CrashLoopBackOff → eastern reports failure', unit: 'ms', summary: summarize(samples.crashloop) },
  ];
  return { sections: [{ id: 'rollout', title: `Rollout detection (${context})`, rows }], extra: { context, samples } };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, context: { type: 'string', default: 'kube2' }, kubeconfig: { type: 'string' } } });
  const result = await runRolloutBench({
    runs: Number(values.runs),
    context: values.context,
    kubeconfig: values.kubeconfig ?? process.env.EASTERN_TEST_KUBECONFIG ?? join(defaultRepo, '.cluster', 'kubeconfig'),
    log: (m) => process.stderr.write(`${m}\n`),
  });
  for (const row of result.sections[0].rows) {
    const s = row.summary;
    process.stdout.write(`${row.tool}: median ${s.median.toFixed(1)} ms (min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)}, ${s.n} runs)\n`);
  }
  process.exit(0);
}
