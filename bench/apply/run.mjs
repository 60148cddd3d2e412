// Apply benchmark, per tool in a fresh namespace each round (tools take turns in a
// rotating order; the namespace is deleted, and its deletion awaited, before the
// next tool runs, so no tool pays for another's garbage collection):
//   300 objects (75 × ConfigMap, Secret, Service, Deployment): first apply; once the
//   controllers have settled, a no-op re-apply; then one Deployment's image changed.
//   3,000 objects (750 apps): first apply; settle; one Deployment's image changed.
// Eastern (`eastern deploy --no-wait`), `kubectl apply --server-side --validate=false`,
// `helm upgrade --install` (no --wait) and `kapp deploy -y --wait=false`; with
// tools.agent, also Eastern through a running `eastern agent` (EASTERN_AGENT set, as
// in a Jenkins build on an agent node: the deploy runs in the agent's warm process).
import { join } from 'node:path';

import { runSync, sleep, summarize, timeCommand, formatMs } from '../lib/stats.mjs';
import { readFileSync } from 'node:fs';

import { differenceBetween } from '../helm/equivalence.mjs';
import { CHANGED_TAG, PART_OF, IMAGE_TAG, writeApplyWorkload } from './workload.mjs';

const NS_LABEL = 'eastern.bench/apply';

function kubectlArgs(env, ...args) {
  return ['--kubeconfig', env.kubeconfig, '--context', env.context, ...args];
}

/** The timed command of each tool, for namespace `ns`; `changed`: the first app's image moved to CHANGED_TAG. */
function commands(tools, env, work) {
  const c = {};
  const deployArgs = (ns, changed) => [tools.easternBin, 'deploy', work.templateFile, ns, '--no-wait', '--name', PART_OF,
    '-s', `IMAGE_TAG=${IMAGE_TAG}`, '-s', `FIRST_TAG=${changed ? CHANGED_TAG : IMAGE_TAG}`];
  const standalone = (node) => (ns, changed) => [node, [...deployArgs(ns, changed), '--kubeconfig', env.kubeconfig, '--context', env.context]];
  c.eastern = standalone(tools.node);
  // Eastern on Node 24 beside the bench's own (older) Node: what most agents run now.
  if (tools.node24) c['eastern-node24'] = standalone(tools.node24);
  // The agent has its own kubeconfig and context; the build names neither.
  if (tools.agent) c['eastern-agent'] = (ns, changed) => [tools.node, deployArgs(ns, changed), tools.agent.env];
  // Without --validate=false kubectl spends most of its time validating on the client: that is not the peer to beat.
  c.kubectl = (ns, changed) => [tools.kubectl, kubectlArgs(env, 'apply', '--server-side', '--validate=false', '-n', ns, '-f', changed ? work.changedManifestFile : work.manifestFile)];
  if (tools.helm) {
    c.helm = (ns, changed) => [tools.helm, ['upgrade', '--install', PART_OF, work.chartDir, '-n', ns,
      ...(changed ? ['--set', `tags.${work.firstApp}=${CHANGED_TAG}`] : []),
      '--kubeconfig', env.kubeconfig, '--kube-context', env.context]];
  }
  if (tools.kapp) {
    c.kapp = (ns, changed) => [tools.kapp, ['deploy', '-y', '-a', PART_OF, '-n', ns, '--into-ns', ns, '-f', changed ? work.changedManifestFile : work.manifestFile,
      '--wait=false', '--tty=false', '--kubeconfig', env.kubeconfig, '--kubeconfig-context', env.context]];
  }
  return c;
}

const LABELS = {
  eastern: 'eastern deploy --no-wait',
  'eastern-node24': 'eastern deploy --no-wait, on Node 24',
  'eastern-agent': 'eastern deploy --no-wait, via its agent',
  kubectl: 'kubectl apply --server-side --validate=false',
  helm: 'helm upgrade --install',
  kapp: 'kapp deploy -y --wait=false',
};
const ORDER = ['eastern', 'eastern-node24', 'eastern-agent', 'kubectl', 'helm', 'kapp'];
/** Rows shown only when the run had the tool (an agent started, a second Node). */
const OPTIONAL = new Set(['eastern-node24', 'eastern-agent']);

function createNamespace(tools, env, ns) {
  runSync(tools.kubectl, kubectlArgs(env, 'create', 'namespace', ns));
  runSync(tools.kubectl, kubectlArgs(env, 'label', 'namespace', ns, `${NS_LABEL}=true`));
}

function deleteNamespaces(tools, env, selectorOrName) {
  const target = selectorOrName.startsWith('-l') ? selectorOrName.split(' ') : [selectorOrName];
  runSync(tools.kubectl, kubectlArgs(env, 'delete', 'namespace', ...target, '--ignore-not-found', '--wait=true', '--timeout=300s'),
    { timeoutMs: 320_000 });
}

/** The image of the first app's Deployment in `ns`. */
function firstImage(tools, env, ns, work) {
  return runSync(tools.kubectl, kubectlArgs(env, 'get', 'deployment', work.firstApp, '-n', ns, '-o', 'jsonpath={.spec.template.spec.containers[0].image}')).trim();
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

/** Every tool must apply the same objects: Eastern's render and Helm's must equal the manifests. */
function checkEquivalence(tools, cmds, work) {
  for (const [changed, file] of [[false, work.manifestFile], [true, work.changedManifestFile]]) {
    const manifest = readFileSync(file, 'utf8');
    const easternText = runSync(tools.node, [tools.easternBin, 'generate', work.templateFile, 'bench', '-s', `IMAGE_TAG=${IMAGE_TAG}`, '-s', `FIRST_TAG=${changed ? CHANGED_TAG : IMAGE_TAG}`]);
    const easternDiff = differenceBetween(easternText, manifest, ['eastern generate', file]);
    if (easternDiff) throw new Error(`apply workload: Eastern's render differs from ${file}: ${easternDiff}`);
    if (cmds.helm) {
      const helmText = runSync(tools.helm, ['template', PART_OF, work.chartDir, ...(changed ? ['--set', `tags.${work.firstApp}=${CHANGED_TAG}`] : [])]);
      const helmDiff = differenceBetween(helmText, manifest, ['helm template', file]);
      if (helmDiff) throw new Error(`apply workload: the Helm chart differs from ${file}: ${helmDiff}`);
    }
  }
}

/**
 * One workload size: for every round and tool, a fresh namespace, the first apply,
 * then (controllers settled) the later steps. Returns samples[tool][step] in ms.
 */
async function runSize({ tools, env, work, rounds, steps, log, label, settleTimeoutMs }) {
  const cmds = commands(tools, env, work);
  checkEquivalence(tools, cmds, work);
  const names = Object.keys(cmds);
  const runId = Date.now().toString(36).slice(-5);
  const samples = Object.fromEntries(names.map((n) => [n, Object.fromEntries(steps.map((k) => [k, []]))]));
  const errors = {};
  const details = { settleMs: [], deleteMs: [] };
  const run = (name, ns, changed) => {
    const [file, args, toolEnv] = cmds[name](ns, changed);
    return timeCommand(file, args, { env: toolEnv ?? { ...process.env, KUBECONFIG: env.kubeconfig } });
  };

  // Namespaces left by an interrupted earlier run would slow this one down.
  deleteNamespaces(tools, env, `-l ${NS_LABEL}=true`);

  for (let round = 0; round < rounds; round += 1) {
    for (let i = 0; i < names.length; i += 1) {
      const name = names[(round + i) % names.length];
      if (errors[name]) continue;
      const ns = `bench-apply-${work.objects}-${name.toLowerCase()}-${round + 1}-${runId}`;
      try {
        createNamespace(tools, env, ns);
        const times = { first: (await run(name, ns, false)).ms };
        const present = countObjects(tools, env, ns);
        if (present !== work.objects) throw new Error(`${LABELS[name]} left ${present} of ${work.objects} objects in ${ns}`);
        const settled = await settle(tools, env, ns, work.deployments, settleTimeoutMs);
        details.settleMs.push(settled);
        if (steps.includes('noop')) times.noop = (await run(name, ns, false)).ms;
        if (steps.includes('change')) {
          times.change = (await run(name, ns, true)).ms;
          const image = firstImage(tools, env, ns, work);
          if (!image.endsWith(`:${CHANGED_TAG}`)) throw new Error(`${LABELS[name]}: ${work.firstApp} runs ${image} after the one-change apply, not tag ${CHANGED_TAG}`);
        }
        for (const k of steps) samples[name][k].push(times[k]);
        log(`  ${label} round ${round + 1}/${rounds} ${name}: ${steps.map((k) => `${k} ${formatMs(times[k])}`).join(', ')} (settled in ${formatMs(settled)})`);
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
  return { cmds, samples, errors, details };
}

/**
 * Runs the apply bench and returns { sections, workload, details }.
 * options: { kubeconfig, context, tools: { node, easternBin, kubectl, helm?, kapp? },
 *            unavailable: { helm?: reason, kapp?: reason }, rounds, largeRounds, workDir, log }
 */
export async function runApplyBench(options) {
  const { tools, rounds = 3, largeRounds = 1, log = () => {} } = options;
  const env = { kubeconfig: options.kubeconfig, context: options.context };
  const small = writeApplyWorkload(join(options.workDir, 'apply'), { apps: options.apps ?? 75 });
  const r300 = await runSize({ tools, env, work: small, rounds, steps: ['first', 'noop', 'change'], log, label: `${small.objects}`, settleTimeoutMs: 240_000 });
  let r3000;
  let large;
  if (largeRounds > 0) {
    large = writeApplyWorkload(join(options.workDir, 'apply-large'), { apps: options.largeApps ?? 750 });
    r3000 = await runSize({ tools, env, work: large, rounds: largeRounds, steps: ['first', 'change'], log, label: `${large.objects}`, settleTimeoutMs: 900_000 });
  }

  const section = (id, title, result, key) => {
    const rows = ORDER.filter((name) => !OPTIONAL.has(name) || result.cmds[name]).map((name) => {
      const summary = summarize(result.samples[name]?.[key]);
      const na = !result.cmds[name] ? options.unavailable?.[name] ?? 'not installed'
        : summary ? undefined : `failed: ${(result.errors[name] ?? 'no run').split('\n')[0].slice(0, 160)}`;
      return { tool: LABELS[name], key: name, unit: 'ms', summary, ...(na && { na }) };
    });
    const eastern = rows[0].summary;
    for (const r of rows.slice(1)) if (r.summary && eastern) r.ratio = r.summary.median / eastern.median;
    return { id, title, rows };
  };
  const sections = [
    section('apply-first', `First apply, ${small.objects} objects (fresh namespace)`, r300, 'first'),
    section('apply-noop', `No-op re-apply, ${small.objects} objects`, r300, 'noop'),
    section('apply-change', `One Deployment's image changed among ${small.objects} objects`, r300, 'change'),
  ];
  if (r3000) {
    sections.push(
      section('apply-first-large', `First apply, ${large.objects} objects (fresh namespace)`, r3000, 'first'),
      section('apply-change-large', `One Deployment's image changed among ${large.objects} objects`, r3000, 'change'),
    );
  }
  const median = (xs) => summarize(xs)?.median;
  return {
    sections,
    workload: { objects: small.objects, dir: small.root, ...(large && { largeObjects: large.objects, largeDir: large.root }) },
    errors: { ...r300.errors, ...Object.fromEntries(Object.entries(r3000?.errors ?? {}).map(([k, v]) => [`${k} (large)`, v])) },
    details: {
      settleMedianMs: median(r300.details.settleMs), deleteMedianMs: median(r300.details.deleteMs),
      ...(r3000 && { largeSettleMedianMs: median(r3000.details.settleMs), largeDeleteMedianMs: median(r3000.details.deleteMs) }),
    },
  };
}
