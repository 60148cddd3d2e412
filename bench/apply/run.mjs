// Apply benchmark: the first apply of 300 objects (75 × ConfigMap, Secret, Service, Deployment) into a fresh namespace, then a
// no-op re-apply of the same objects, for Eastern (`eastern deploy --no-wait`),
// `kubectl apply --server-side`, `helm upgrade --install` (no --wait) and
// `kapp deploy -y --wait=false`. Each tool gets its own fresh namespace in every
// round; tools take turns in a rotating order; the namespace is deleted (and its
// deletion awaited) before the next tool runs, so no tool pays for another's
// garbage collection.
import { join } from 'node:path';

import { runSync, sleep, summarize, timeCommand, formatMs } from '../lib/stats.mjs';
import { readFileSync } from 'node:fs';

import { differenceBetween } from '../helm/equivalence.mjs';
import { PART_OF, IMAGE_TAG, writeApplyWorkload } from './workload.mjs';

const NS_LABEL = 'eastern.bench/apply';

function kubectlArgs(env, ...args) {
  return ['--kubeconfig', env.kubeconfig, '--context', env.context, ...args];
}

/** The timed command of each tool, for namespace `ns`. */
function commands(tools, env, work) {
  const c = {};
  c.eastern = (ns) => [tools.node, [tools.easternBin, 'deploy', work.templateFile, ns, '--no-wait', '--name', PART_OF,
    '-s', `IMAGE_TAG=${IMAGE_TAG}`, '--kubeconfig', env.kubeconfig, '--context', env.context]];
  c.kubectl = (ns) => [tools.kubectl, kubectlArgs(env, 'apply', '--server-side', '-n', ns, '-f', work.manifestFile)];
  // kubectl's default validation costs it most of its time (client CPU); this row shows the rest.
  c.kubectlNoValidate = (ns) => [tools.kubectl, kubectlArgs(env, 'apply', '--server-side', '--validate=false', '-n', ns, '-f', work.manifestFile)];
  if (tools.helm) {
    c.helm = (ns) => [tools.helm, ['upgrade', '--install', PART_OF, work.chartDir, '-n', ns,
      '--kubeconfig', env.kubeconfig, '--kube-context', env.context]];
  }
  if (tools.kapp) {
    c.kapp = (ns) => [tools.kapp, ['deploy', '-y', '-a', PART_OF, '-n', ns, '--into-ns', ns, '-f', work.manifestFile,
      '--wait=false', '--tty=false', '--kubeconfig', env.kubeconfig, '--kubeconfig-context', env.context]];
  }
  return c;
}

const LABELS = {
  eastern: 'eastern deploy --no-wait',
  kubectl: 'kubectl apply --server-side',
  kubectlNoValidate: 'kubectl apply --server-side --validate=false',
  helm: 'helm upgrade --install',
  kapp: 'kapp deploy -y --wait=false',
};

function createNamespace(tools, env, ns) {
  runSync(tools.kubectl, kubectlArgs(env, 'create', 'namespace', ns));
  runSync(tools.kubectl, kubectlArgs(env, 'label', 'namespace', ns, `${NS_LABEL}=true`));
}

function deleteNamespaces(tools, env, selectorOrName) {
  const target = selectorOrName.startsWith('-l') ? selectorOrName.split(' ') : [selectorOrName];
  runSync(tools.kubectl, kubectlArgs(env, 'delete', 'namespace', ...target, '--ignore-not-found', '--wait=true', '--timeout=300s'),
    { timeoutMs: 320_000 });
}

/** Objects of the workload present in `ns` (kind/name list). */
function countObjects(tools, env, ns) {
  const out = runSync(tools.kubectl, kubectlArgs(env, 'get', 'configmaps,secrets,services,deployments', '-n', ns,
    '-l', `app.kubernetes.io/part-of=${PART_OF}`, '-o', 'name'));
  return out.split('\n').filter(Boolean).length;
}

/**
 * Waits until the controllers are done with the workload (every Deployment observed,
 * its ReplicaSet and Pod created), so the no-op run starts from a settled
 * namespace. Readiness is not required: the apply figures do not wait for rollouts.
 */
async function settle(tools, env, ns, expected, timeoutMs = 240_000) {
  const start = Date.now();
  let done = 0;
  while (Date.now() - start < timeoutMs) {
    const out = runSync(tools.kubectl, kubectlArgs(env, 'get', 'deployments', '-n', ns, '-l', `app.kubernetes.io/part-of=${PART_OF}`,
      '-o', 'jsonpath={range .items[*]}{.metadata.generation}/{.status.observedGeneration}/{.status.replicas}/{.status.updatedReplicas}{"\\n"}{end}'));
    done = out.split('\n').filter((l) => {
      const [gen, observed, replicas, updated] = l.trim().split('/');
      return gen && gen === observed && replicas === '1' && updated === '1';
    }).length;
    if (done >= expected) return Date.now() - start;
    await sleep(1000);
  }
  throw new Error(`${ns}: the controllers finished only ${done}/${expected} Deployments after ${timeoutMs / 1000} s`);
}

/**
 * Runs the apply bench and returns { sections, workload, details }.
 * options: { kubeconfig, context, tools: { node, easternBin, kubectl, helm?, kapp? },
 *            unavailable: { helm?: reason, kapp?: reason }, rounds, workDir, log }
 */
export async function runApplyBench(options) {
  const { tools, rounds = 3, log = () => {} } = options;
  const env = { kubeconfig: options.kubeconfig, context: options.context };
  const work = writeApplyWorkload(join(options.workDir, 'apply'), { apps: options.apps ?? 75 });
  const cmds = commands(tools, env, work);

  // Every tool must apply the same objects: Eastern's render and Helm's must equal the manifest.
  const manifest = readFileSync(work.manifestFile, 'utf8');
  const easternText = runSync(tools.node, [tools.easternBin, 'generate', work.templateFile, 'bench', '-s', `IMAGE_TAG=${IMAGE_TAG}`]);
  const easternDiff = differenceBetween(easternText, manifest, ['eastern generate', 'manifest']);
  if (easternDiff) throw new Error(`apply workload: Eastern's render differs from the manifest: ${easternDiff}`);
  if (cmds.helm) {
    const helmDiff = differenceBetween(runSync(tools.helm, ['template', PART_OF, work.chartDir]), manifest, ['helm template', 'manifest']);
    if (helmDiff) throw new Error(`apply workload: the Helm chart differs from the manifest: ${helmDiff}`);
  }
  const names = Object.keys(cmds);
  const runId = Date.now().toString(36).slice(-5);
  const samples = Object.fromEntries(names.map((n) => [n, { first: [], noop: [] }]));
  const errors = {};
  const details = { settleMs: [], deleteMs: [] };

  // Namespaces left by an interrupted earlier run would slow this one down.
  deleteNamespaces(tools, env, `-l ${NS_LABEL}=true`);

  for (let round = 0; round < rounds; round += 1) {
    for (let i = 0; i < names.length; i += 1) {
      const name = names[(round + i) % names.length];
      if (errors[name]) continue;
      const ns = `bench-apply-${name.toLowerCase()}-${round + 1}-${runId}`;
      try {
        createNamespace(tools, env, ns);
        const [file, args] = cmds[name](ns);
        const first = await timeCommand(file, args, { env: { ...process.env, KUBECONFIG: env.kubeconfig } });
        const present = countObjects(tools, env, ns);
        if (present !== work.objects) throw new Error(`${LABELS[name]} left ${present} of ${work.objects} objects in ${ns}`);
        const settled = await settle(tools, env, ns, work.deployments);
        details.settleMs.push(settled);
        const noop = await timeCommand(file, args, { env: { ...process.env, KUBECONFIG: env.kubeconfig } });
        samples[name].first.push(first.ms);
        samples[name].noop.push(noop.ms);
        log(`  round ${round + 1}/${rounds} ${name}: first apply ${formatMs(first.ms)}, no-op ${formatMs(noop.ms)} (settled in ${formatMs(settled)})`);
      } catch (error) {
        errors[name] = (error instanceof Error ? error.message : String(error));
        log(`  ${name} failed: ${errors[name].split('\n').slice(0, 6).join('\n    ')}`);
      } finally {
        const t = Date.now();
        try {
          deleteNamespaces(tools, env, ns);
        } catch (error) {
          log(`  could not delete ${ns}: ${error.message.split('\n')[0]}`);
        }
        details.deleteMs.push(Date.now() - t);
      }
    }
  }

  const row = (name, key) => {
    const summary = summarize(samples[name]?.[key]);
    const na = !cmds[name] ? options.unavailable?.[name] ?? 'not installed'
      : summary ? undefined : `failed: ${(errors[name] ?? 'no run').split('\n')[0].slice(0, 160)}`;
    return { tool: LABELS[name], key: name, unit: 'ms', summary, ...(na && { na }) };
  };
  const order = ['eastern', 'kubectl', 'kubectlNoValidate', 'helm', 'kapp'];
  const section = (id, title, key) => {
    const rows = order.map((n) => row(n, key));
    const eastern = rows[0].summary;
    for (const r of rows.slice(1)) {
      if (r.summary && eastern) r.ratio = r.summary.median / eastern.median;
    }
    return { id, title, rows };
  };
  return {
    sections: [
      section('apply-first', `First apply, ${work.objects} objects (fresh namespace)`, 'first'),
      section('apply-noop', `No-op re-apply, ${work.objects} objects`, 'noop'),
    ],
    workload: { objects: work.objects, dir: work.root },
    errors,
    details: { settleMedianMs: summarize(details.settleMs)?.median, deleteMedianMs: summarize(details.deleteMs)?.median },
  };
}
