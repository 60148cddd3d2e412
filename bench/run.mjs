#!/usr/bin/env node
// `npm run bench`: Eastern side by side with the tools users would otherwise
// pick, on the same input, in one run. Prints a table and writes
// bench/results/bench.json. Timings are a report, never a test verdict.
//
//   node bench/run.mjs [--runs N] [--apply-runs N] [--large-apply-runs N] [--only render,apply,rollout,startup,agent,status,watch]
//                      [--context kube2] [--json FILE]
//
// Peers (Python eastern, helm, kapp) are installed into ~/.cache/eastern/peers by
// the bench itself; workloads are generated into ~/.cache/eastern/bench. The
// local clusters are started when not running, and stopped again only if this
// run started them. A part that cannot run prints "n/a (reason)".
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { cacheDir, ensurePythonEastern } from './lib/peers.mjs';
import { alternate, formatBytes, formatMs, runSync, summarize, timeCommand, sleep } from './lib/stats.mjs';
import { FIGURE_ALIGN, FIGURE_HEADERS, TARGET_HEADERS, figureRows, markdownTable, targetRows, textTable } from './lib/table.mjs';
import { ensureHelm, ensureKapp, kubectlPath, toolVersion, HELM_VERSION, KAPP_VERSION } from './lib/tools.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const easternBin = join(repo, 'bin', 'eastern');
const PARTS = ['render', 'startup', 'apply', 'rollout', 'agent', 'status', 'watch'];

const log = (m) => process.stderr.write(`${m}\n`);
const firstLine = (e) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

function options() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      'apply-runs': { type: 'string', default: '3' },
      // Rounds of the 3,000-object apply (0: skip it); each takes a few minutes.
      'large-apply-runs': { type: 'string', default: '1' },
      only: { type: 'string' },
      context: { type: 'string', default: process.env.EASTERN_BENCH_CONTEXT || 'kube2' },
      json: { type: 'string', default: join(here, 'results', 'bench.json') },
      markdown: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`usage: node bench/run.mjs [--runs N] [--apply-runs N] [--large-apply-runs N] [--only ${PARTS.join(',')}] [--context CTX] [--json FILE] [--markdown FILE]\n`);
    process.exit(0);
  }
  const only = values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : PARTS;
  for (const p of only) if (!PARTS.includes(p)) throw new Error(`--only: unknown part "${p}" (parts: ${PARTS.join(', ')})`);
  const int = (name) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  const large = Number(values['large-apply-runs']);
  if (!Number.isInteger(large) || large < 0) throw new Error('--large-apply-runs must be 0 or a positive integer');
  return { runs: int('runs'), applyRuns: int('apply-runs'), largeApplyRuns: large, only, context: values.context, json: resolve(values.json), markdown: values.markdown };
}

/** Imports a helper bench module if it exists; undefined when it has not landed. */
async function optionalModule(rel) {
  const file = join(here, rel);
  if (!existsSync(file)) return undefined;
  return import(pathToFileURL(file).href);
}

function machine() {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model?.trim(),
    memoryBytes: os.totalmem(),
    memory: formatBytes(os.totalmem()),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    // Node 20 reads this file of certificates at every start (~60 ms for a system bundle); Node 22+ reads it when first needed.
    nodeExtraCaCerts: process.env.NODE_EXTRA_CA_CERTS ?? null,
    loadavgAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

function ensureBuilt() {
  if (existsSync(join(repo, 'dist', 'bin', 'main.js'))) return;
  log('bench: dist/ missing, running npm run build …');
  runSync('npm', ['run', 'build'], { cwd: repo });
}

/** Installs or finds every peer; a peer that cannot be had is recorded with its reason. */
function peers(parts) {
  const out = { unavailable: {} };
  const attempt = (name, fn) => {
    try {
      out[name] = fn();
    } catch (error) {
      out.unavailable[name] = firstLine(error);
      log(`bench: ${name} unavailable: ${error.message}`);
    }
  };
  if (parts.includes('render') || parts.includes('startup')) attempt('python', () => ensurePythonEastern({ log }));
  if (parts.includes('render') || parts.includes('apply')) attempt('helm', () => ensureHelm({ log }));
  if (parts.includes('apply')) attempt('kapp', () => ensureKapp({ log }));
  attempt('kubectl', () => kubectlPath());
  return out;
}

// ------------------------------------------------------------------ start-up

async function startupBench(runs, tools) {
  const contenders = [
    { name: 'eastern', run: async () => (await timeCommand(process.execPath, [easternBin, '--version'])).ms },
    { name: 'node', run: async () => (await timeCommand(process.execPath, ['-e', '0'])).ms },
  ];
  if (tools.python) contenders.push({ name: 'python', run: async () => (await timeCommand(tools.python, ['--version'])).ms });
  const r = await alternate(contenders, Math.max(runs * 2, 10), { warmup: 1 });
  const row = (name, tool) => {
    const { summary, error } = r.get(name) ?? {};
    return { tool, key: name, unit: 'ms', summary, ...(!summary && { na: error ? `failed: ${firstLine(error)}` : 'not installed' }) };
  };
  const rows = [row('eastern', 'eastern --version'), row('node', 'node -e 0 (floor)')];
  if (tools.python) rows.push(row('python', 'Python eastern --version'));
  else rows.push({ tool: 'Python eastern --version', unit: 'ms', na: tools.unavailable.python ?? 'not installed' });
  const eastern = rows[0].summary;
  for (const row2 of rows.slice(1)) if (row2.summary && eastern) row2.ratio = row2.summary.median / eastern.median;
  return { sections: [{ id: 'startup', title: 'CLI start-up', rows }] };
}

// ------------------------------------------------------------------ cluster

async function withCluster(fn) {
  const cluster = await import(pathToFileURL(join(repo, 'test', 'cluster', 'cluster.mjs')).href);
  const before = await cluster.status({ root: repo });
  let started = false;
  if (!before.running) {
    log('bench: local clusters not running, starting them (test/cluster/cluster.mjs up) …');
    const t = Date.now();
    const r = await cluster.up({ root: repo, log });
    started = r.started !== false;
    log(`bench: clusters up in ${formatMs(Date.now() - t)}`);
  }
  const kubeconfig = join(repo, '.cluster', 'kubeconfig');
  // Ctrl-C must not leave behind clusters this run started.
  const onSignal = (signal) => {
    if (!started) process.exit(130);
    log(`bench: ${signal}, stopping the clusters this run started …`);
    cluster.down({ root: repo, log }).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn({ kubeconfig, startedByBench: started });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (started) {
      log('bench: stopping the clusters this run started …');
      await cluster.down({ root: repo, log }).catch((e) => log(`bench: cluster down failed: ${firstLine(e)}`));
    }
  }
}

function apiserverVersion(kubectl, kubeconfig, context) {
  try {
    const out = runSync(kubectl, ['--kubeconfig', kubeconfig, '--context', context, 'get', '--raw', '/version'], { timeoutMs: 30_000 });
    return JSON.parse(out).gitVersion;
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------ parts

async function applySections({ kubeconfig, context, workDir, rounds, largeRounds, tools, extra }) {
  const { runApplyBench } = await import('./apply/run.mjs');
  const unavailable = { helm: tools.unavailable.helm, kapp: tools.unavailable.kapp };
  // A Jenkins build deploys through its node's agent: that path is measured beside the CLI's.
  let agent;
  try {
    const { startAgent } = await import('./agent/run.mjs');
    const dir = mkdtempSync(join(os.tmpdir(), 'eastern-bench-apply-agent-'));
    const started = await startAgent({ kubeconfig, context, dir, log: (m) => log(`  ${m}`) });
    agent = { ...started, dir };
  } catch (error) {
    log(`bench: no agent for the apply part (${firstLine(error)}); its rows are left out`);
  }
  // On an older Node, Eastern also runs on Node 24 (cached under ~/.cache/eastern/node).
  let node24;
  if (Number(process.versions.node.split('.')[0]) < 24) {
    try {
      node24 = (await import('../scripts/node24.mjs')).ensureNode24();
    } catch (error) {
      log(`bench: no Node 24 for the apply part (${firstLine(error)}); its rows are left out`);
    }
  }
  try {
    const r = await runApplyBench({
      kubeconfig, context, rounds, largeRounds, workDir, log, unavailable,
      tools: { node: process.execPath, ...(node24 && { node24 }), easternBin, kubectl: tools.kubectl, helm: tools.helm, kapp: tools.kapp, ...(agent && { agent: { env: agent.buildEnv } }) },
    });
    extra.apply = { workload: r.workload, details: r.details, errors: r.errors };
    return r.sections;
  } finally {
    if (agent) {
      await agent.stop();
      rmSync(agent.dir, { recursive: true, force: true });
    }
  }
}

const RENDER_NAMESPACE = 'production'; // what bench/render/run.mjs renders
const RENDER_TAG = '1.2.3';

/** Render: bench/render's Eastern vs Python eastern, with `helm template` as a competitor on the same monorepo. */
async function renderSections({ runs, tools, workDir, extra }) {
  const mod = await optionalModule('render/run.mjs');
  if (!mod?.runRenderBench) return naSections([['render-project', 'Render']], 'bench/render/run.mjs has not landed');
  const renderDir = join(workDir, 'render');
  const competitors = [];
  let helmNa = tools.unavailable.helm ? `helm unavailable: ${tools.unavailable.helm}` : undefined;
  if (tools.helm) {
    try {
      const { generateMonorepo } = await import('./render/monorepo.mjs');
      const { prepareHelmRenderCompetitor } = await import('./helm/monorepo-chart.mjs');
      const { render, templateVariables } = await import(pathToFileURL(join(repo, 'dist', 'template', 'index.js')).href);
      // The same deterministic monorepo runRenderBench writes (it regenerates it identically).
      const monoDir = join(renderDir, 'monorepo');
      const templates = generateMonorepo(monoDir, { projects: 50 });
      const renderProject = (t, ns, tag) => render({ file: join(monoDir, t), variables: templateVariables([`IMAGE_TAG=${tag}`], ns), cwd: monoDir }).text;
      const prepared = prepareHelmRenderCompetitor({
        helm: tools.helm, monoDir, templates, outDir: join(workDir, 'helm-monorepo'), namespace: RENDER_NAMESPACE, tag: RENDER_TAG,
        renderProject, runHelm: (args) => runSync(tools.helm, args), checkNamespaces: [RENDER_NAMESPACE, 'staging'],
      });
      log(`bench: helm chart renders the same objects as Eastern for ${prepared.projects.length} projects (${prepared.checked} project/namespace pairs checked)`);
      competitors.push(prepared.competitor);
    } catch (error) {
      helmNa = `helm chart not usable: ${firstLine(error)}`;
      log(`bench: ${error.message}`);
    }
  }
  let report;
  try {
    report = await mod.runRenderBench({ runs, workDir: renderDir, out: null, log: (m) => log(`  ${m}`), competitors });
  } catch (error) {
    log(`bench: render failed: ${error.stack ?? error}`);
    return naSections([['render-project', 'Render']], `failed: ${firstLine(error)}`);
  }
  extra.render = { ...report, namespace: RENDER_NAMESPACE };
  const byName = Object.fromEntries(report.results.map((r) => [r.name, r]));
  const scaled = (s, by) => s && { n: s.samples.length, median: s.median / by, min: s.min / by, max: s.max / by, samples: s.samples.map((x) => x / by) };
  const rowsOf = (caseName, by, names) => {
    const c = byName[caseName];
    const rows = names.map(([key, tool, na]) => {
      const t = c?.tools?.[key === 'python' ? 'python-eastern' : key];
      const summary = scaled(t?.wall ?? t, by); // wall time; bench/render also records CPU time (in the JSON)
      return { tool, key, unit: 'ms', summary, ...(!summary && { na: na ?? 'no result' }) };
    });
    const eastern = rows[0].summary;
    for (const r of rows.slice(1)) if (r.summary && eastern) r.ratio = r.summary.median / eastern.median;
    return rows;
  };
  const projects = report.projects;
  return [
    {
      id: 'render-project',
      title: `Render per project (${projects} projects, 1 process each)`,
      rows: rowsOf('per-project', projects, [['eastern', 'eastern generate'], ['python', 'Python eastern generate', tools.unavailable.python],
        ['helm', 'helm template', helmNa]]),
    },
    {
      id: 'render-large',
      title: `Render large template (${report.largeTemplate.loads} loads, ${report.largeTemplate.outputLines} lines)`,
      rows: rowsOf('large', 1, [['eastern', 'eastern generate'], ['python', 'Python eastern generate', tools.unavailable.python]]),
    },
    {
      id: 'render-many',
      title: `Render ${projects} projects in one process`,
      rows: rowsOf('render-many', 1, [['eastern', `eastern render -f ×${projects}`]]),
    },
    checkSection(byName, projects),
  ];
}

/** `eastern check -f ×N` against `eastern render -f ×N` of the same projects (ratio: render / check). */
function checkSection(byName, projects) {
  const wall = (name) => byName[name]?.tools?.eastern?.wall;
  const check = wall('check-many');
  const render = wall('render-many');
  const rows = [
    { tool: `eastern check -f ×${projects}`, key: 'check', unit: 'ms', summary: check, ...(!check && { na: 'no result' }) },
    { tool: `eastern render -f ×${projects}`, key: 'render', unit: 'ms', summary: render, ...(!render && { na: 'no result' }) },
  ];
  if (check && render) rows[1].ratio = render.median / check.median;
  return { id: 'check-many', title: `Check ${projects} projects in one process (vs rendering them)`, rows };
}

/** Rollout detection: bench/rollout's figures, in this table's format. */
async function rolloutSections({ kubeconfig, context, runs, extra }) {
  const mod = await optionalModule('rollout/run.mjs');
  const fn = mod && (mod.runRolloutBench ?? Object.entries(mod).find(([k, v]) => k.startsWith('run') && typeof v === 'function')?.[1]);
  if (!fn) return naSections([['rollout', 'Rollout detection']], 'bench/rollout/run.mjs has not landed');
  try {
    const r = await fn({ kubeconfig, context, runs, log: (m) => log(`  ${m}`), repo });
    if (r?.extra) extra.rollout = r.extra;
    return r.sections;
  } catch (error) {
    log(`bench: rollout failed: ${error.stack ?? error}`);
    return naSections([['rollout', 'Rollout detection']], `failed: ${firstLine(error)}`);
  }
}

/** Agent: bench/agent's render/no-op deploy through the agent and its idle memory. */
async function agentSections({ kubeconfig, context, runs }) {
  const mod = await optionalModule('agent/run.mjs');
  if (!mod?.runAgentBench) return naSections([['agent', 'Agent idle memory']], 'bench/agent/run.mjs has not landed');
  try {
    return (await mod.runAgentBench({ kubeconfig, context, runs, log: (m) => log(`  ${m}`) })).sections;
  } catch (error) {
    log(`bench: agent failed: ${error.stack ?? error}`);
    return naSections([['agent', 'Agent']], `failed: ${firstLine(error)}`);
  }
}

/** Status: bench/status's `eastern status --all-contexts` and the page under concurrent readers. */
async function statusSections({ kubeconfig, runs }) {
  const mod = await optionalModule('status/run.mjs');
  if (!mod?.runStatusBench) return naSections([['status', 'Status']], 'bench/status/run.mjs has not landed');
  try {
    return (await mod.runStatusBench({ kubeconfig, runs, log: (m) => log(`  ${m}`), repo })).sections;
  } catch (error) {
    log(`bench: status failed: ${error.stack ?? error}`);
    return naSections([['status', 'Status']], `failed: ${firstLine(error)}`);
  }
}

/** Watch: bench/watch's CrashLoopBackOff → webhook latency of `eastern watch`, and its memory with 1,000 pods. */
async function watchSections({ kubeconfig, context, extra }) {
  const mod = await optionalModule('watch/run.mjs');
  if (!mod?.runWatchBench) return naSections([['watch-latency', 'Watchman']], 'bench/watch/run.mjs has not landed');
  try {
    const r = await mod.runWatchBench({ kubeconfig, context, log: (m) => log(`  ${m}`), repo });
    if (r?.extra) extra.watch = r.extra;
    return r.sections;
  } catch (error) {
    log(`bench: watch failed: ${error.stack ?? error}`);
    return naSections([['watch-latency', 'Watchman']], `failed: ${firstLine(error)}`);
  }
}

// ------------------------------------------------------------------ targets

function findRow(sections, id, key) {
  const section = sections.find((s) => s.id === id);
  return section?.rows.find((r) => r.key === key);
}

/** Each target with what was measured and whether it was met (undefined: not measured). */
function evaluateTargets(sections) {
  const targets = [];
  const median = (id, key) => findRow(sections, id, key)?.summary?.median;
  const add = (text, measured, met) => targets.push({ text, measured, met });
  const ratioTarget = (text, id, a, b, max) => {
    const ma = median(id, a);
    const mb = median(id, b);
    if (ma === undefined || mb === undefined) return add(text, undefined, undefined);
    const r = ma / mb;
    add(text, `${r.toFixed(2)}× (${formatMs(ma)} vs ${formatMs(mb)})`, r <= max);
  };
  ratioTarget('render per project ≤ 0.75× Python eastern', 'render-project', 'eastern', 'python', 0.75);
  ratioTarget('render per project faster than helm template', 'render-project', 'eastern', 'helm', 1);
  ratioTarget('large template ≤ 0.4× Python eastern', 'render-large', 'eastern', 'python', 0.4);
  ratioTarget('check of 50 projects in one process < 2× render -f of them', 'check-many', 'check', 'render', 2);
  // Issue 20: ahead of the peers on the first apply, far ahead where little or nothing changed.
  {
    const e = median('apply-first', 'eastern');
    const peers = ['kubectl', 'helm', 'kapp'].map((k) => [k, median('apply-first', k)]).filter(([, m]) => m !== undefined);
    const fastest = peers.sort((a, b) => a[1] - b[1])[0];
    if (e === undefined || !fastest) add('first apply of 300 objects ≤ 1.0× the fastest peer', undefined, undefined);
    else add('first apply of 300 objects ≤ 1.0× the fastest peer', `${(e / fastest[1]).toFixed(2)}× (${formatMs(e)} vs ${fastest[0]} ${formatMs(fastest[1])})`, e <= fastest[1]);
  }
  ratioTarget('no-op re-apply of 300 objects ≤ 0.5× kapp', 'apply-noop', 'eastern', 'kapp', 0.5);
  ratioTarget('one image changed among 300 objects ≤ 0.5× kapp', 'apply-change', 'eastern', 'kapp', 0.5);
  ratioTarget('  the same no-op on Node 24 ≤ 0.5× kapp', 'apply-noop', 'eastern-node24', 'kapp', 0.5);
  ratioTarget('  the same one change on Node 24 ≤ 0.5× kapp', 'apply-change', 'eastern-node24', 'kapp', 0.5);
  ratioTarget('  the same no-op via the agent (a Jenkins build\'s path) ≤ 0.5× kapp', 'apply-noop', 'eastern-agent', 'kapp', 0.5);
  ratioTarget('  the same one change via the agent ≤ 0.5× kapp', 'apply-change', 'eastern-agent', 'kapp', 0.5);
  const growth = (text, large, small) => {
    const l = median(large, 'eastern');
    const s = median(small, 'eastern');
    if (l === undefined || s === undefined) return add(text, undefined, undefined);
    add(text, `${(l / s).toFixed(2)}× (${formatMs(l)} vs ${formatMs(s)})`, l / s <= 10.5);
  };
  growth('first apply of 3,000 objects ≤ 10.5× that of 300', 'apply-first-large', 'apply-first');
  growth('one change among 3,000 objects ≤ 10.5× that among 300', 'apply-change-large', 'apply-change');
  const limit = (text, id, key, max, format = formatMs) => {
    const m = median(id, key);
    add(text, m === undefined ? undefined : format(m), m === undefined ? undefined : m < max);
  };
  limit('rollout-complete detection median < 0.5 s', 'rollout', 'complete', 500);
  limit('crashloop → failure < 10 s', 'rollout', 'crashloop', 10_000);
  limit('eastern status --all-contexts, 50 projects × 2 clusters < 1 s', 'status', 'cli', 1000);
  limit('status page median < 100 ms with 20 concurrent readers', 'status', 'page-fleet', 100);
  limit('watchman: CrashLoopBackOff → webhook opened, median < 5 s', 'watch-latency', 'opened', 5_000);
  limit('watchman: 1,000 pods and 100 open incidents < 50 MiB above idle', 'watch-memory', 'growth', 50 * 1024 * 1024, formatBytes);
  return targets;
}

// ------------------------------------------------------------------ main

function naSections(ids, reason) {
  return ids.map(([id, title]) => ({ id, title, rows: [{ tool: '', na: reason }] }));
}

async function main() {
  const opts = options();
  const started = Date.now();
  const info = machine();
  log(`bench: ${info.cores} cores, ${info.memory}, Node ${info.node}; parts: ${opts.only.join(', ')}`);
  ensureBuilt();
  const tools = peers(opts.only);
  const workDir = join(cacheDir(), 'bench');
  mkdirSync(workDir, { recursive: true });
  const has = (p) => opts.only.includes(p);
  const sections = [];
  const extra = {};
  const versions = {
    eastern: runSync(process.execPath, [easternBin, '--version']).trim(),
    pythonEastern: tools.python ? runSync(tools.python, ['--version'], { allowFail: true }).stdout?.trim().replace(/^.*version\s*/i, '') : undefined,
    helm: tools.helm ? toolVersion('helm', tools.helm) : undefined,
    kapp: tools.kapp ? toolVersion('kapp', tools.kapp) : undefined,
    kubectl: tools.kubectl ? toolVersion('kubectl', tools.kubectl) : undefined,
    kubeApiserver: undefined,
  };

  if (has('render')) {
    log('bench: render …');
    sections.push(...(await renderSections({ runs: opts.runs, tools, workDir, extra })));
  }
  if (has('startup')) {
    log('bench: CLI start-up …');
    sections.push(...(await startupBench(opts.runs, tools)).sections);
  }
  const clusterParts = ['apply', 'rollout', 'agent', 'status', 'watch'].filter(has);
  if (clusterParts.length > 0) {
    if (!tools.kubectl) {
      sections.push(...naSections([['cluster', 'Cluster parts']], `kubectl missing: ${tools.unavailable.kubectl}`));
    } else {
      try {
        await withCluster(async ({ kubeconfig }) => {
          versions.kubeApiserver = apiserverVersion(tools.kubectl, kubeconfig, opts.context);
          const common = { kubeconfig, context: opts.context, workDir, log, repo };
          if (has('apply')) {
            log(`bench: apply (${opts.applyRuns} rounds of 300 objects, ${opts.largeApplyRuns} of 3,000; context ${opts.context}) …`);
            sections.push(...(await applySections({ ...common, rounds: opts.applyRuns, largeRounds: opts.largeApplyRuns, tools, extra })));
          }
          if (has('rollout')) {
            log('bench: rollout detection …');
            sections.push(...(await rolloutSections({ ...common, runs: opts.runs, tools, extra })));
          }
          if (has('agent')) {
            log('bench: agent …');
            sections.push(...(await agentSections({ ...common, runs: opts.runs, tools, extra })));
          }
          if (has('status')) {
            log('bench: status …');
            sections.push(...(await statusSections({ ...common, runs: opts.runs })));
          }
          if (has('watch')) {
            log('bench: watch …');
            sections.push(...(await watchSections({ ...common, extra })));
          }
        });
      } catch (error) {
        log(`bench: cluster parts failed: ${error.stack ?? error}`);
        sections.push(...naSections([['cluster', 'Cluster parts']], `clusters unavailable: ${firstLine(error)}`));
      }
    }
  }

  const targets = evaluateTargets(sections);
  const elapsedMs = Date.now() - started;
  // Other work on the machine skews timings: say how busy it was.
  info.loadavgAtEnd = os.loadavg().map((l) => Number(l.toFixed(2)));
  const result = {
    date: new Date().toISOString(),
    machine: info,
    versions,
    options: { runs: opts.runs, applyRuns: opts.applyRuns, largeApplyRuns: opts.largeApplyRuns, parts: opts.only, context: opts.context },
    elapsedMs,
    sections,
    targets,
    extra,
  };
  mkdirSync(dirname(opts.json), { recursive: true });
  writeFileSync(opts.json, JSON.stringify(result, null, 2) + '\n');

  const out = [];
  out.push(`Eastern benchmarks, ${result.date.slice(0, 10)}: ${info.cores} cores (${info.cpuModel}), ${info.memory}, Node ${info.node}`);
  out.push(`load average (1/5/15 min) at start ${info.loadavgAtStart.join(' ')}, at end ${info.loadavgAtEnd.join(' ')}`);
  out.push(`versions: ${Object.entries(versions).map(([k, v]) => `${k} ${v ?? 'n/a'}`).join(', ')}`);
  out.push('');
  out.push(textTable(FIGURE_HEADERS, figureRows(sections), FIGURE_ALIGN));
  out.push('');
  out.push(textTable(TARGET_HEADERS, targetRows(targets)));
  out.push('');
  out.push(`ratio = that tool's median / Eastern's median (higher: Eastern is faster). Total bench time ${formatMs(elapsedMs)}.`);
  out.push(`JSON: ${relative(process.cwd(), opts.json) || opts.json}`);
  process.stdout.write(out.join('\n') + '\n');
  if (opts.markdown) writeFileSync(opts.markdown, markdownReport(result));
}

/** The README section draft: machine, versions, figures and targets as Markdown tables. */
export function markdownReport(result) {
  const m = result.machine;
  return [
    `Measured ${result.date.slice(0, 10)} on ${m.cores} cores (${m.cpuModel}), ${m.memory} RAM, ${m.os}, Node ${m.node}; load average ${m.loadavgAtStart.join(' ')} at the start, ${m.loadavgAtEnd.join(' ')} at the end.`,
    `Versions: ${Object.entries(result.versions).map(([k, v]) => `${k} ${v ?? 'n/a'}`).join(', ')}.`,
    '',
    markdownTable(FIGURE_HEADERS, figureRows(result.sections), FIGURE_ALIGN),
    '',
    markdownTable(TARGET_HEADERS, targetRows(result.targets)),
    '',
  ].join('\n');
}

main().catch((error) => {
  log(`bench: ${error.stack ?? error}`);
  process.exit(1);
});
