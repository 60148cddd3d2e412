#!/usr/bin/env node
// `eastern status` at fleet size: 50 projects (in 5 namespaces) deployed to both
// local clusters, then
//   cli:  `eastern status --all-contexts --output json`, a whole process each run
//   page: `eastern status --serve --all-contexts`, 20 readers at once, each loading
//         the fleet page (and a project page) one after the other; per-request times
// Timings are a report, never a test verdict.
//
//   node bench/status/run.mjs [--runs 5] [--kubeconfig .cluster/kubeconfig]
//
// bench/run.mjs calls runStatusBench().
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { cacheDir } from '../lib/peers.mjs';
import { summarize, timeCommand, sleep } from '../lib/stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const defaultRepo = resolve(here, '..', '..');
export const PROJECTS = 50;
const NAMESPACES = 5;
const READERS = 20;
const REQUESTS_PER_READER = 10;

function template(i) {
  return `apiVersion: v1
kind: ConfigMap
metadata: {name: app-${i}-config}
data: {LOG_LEVEL: info, TAG: "\${IMAGE_TAG}"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app-${i}}
spec:
  replicas: 1
  selector: {matchLabels: {app: app-${i}}}
  template:
    metadata: {labels: {app: app-${i}}}
    spec:
      containers:
        - name: app
          image: registry.example/app-${i}:\${IMAGE_TAG}
---
apiVersion: v1
kind: Service
metadata: {name: app-${i}}
spec:
  selector: {app: app-${i}}
  ports: [{port: 80, targetPort: 8080}]
`;
}

/** Runs tasks with at most `limit` at once. */
async function pool(items, limit, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

/** 50 projects on both clusters (a re-run re-applies them unchanged). */
async function deployFleet({ repo, kubeconfig, log }) {
  const dir = join(cacheDir(), 'bench', 'status');
  const jobs = [];
  for (let i = 0; i < PROJECTS; i++) {
    const project = join(dir, `app-${i}`);
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'kubernetes.yaml'), template(i));
    for (const context of ['kube1', 'kube2']) jobs.push({ project, context, namespace: `bench-status-${i % NAMESPACES}`, tag: context === 'kube1' ? '1.0' : i % 10 === 0 ? '1.1' : '1.0' });
  }
  const started = performance.now();
  await pool(jobs, 4, (j) => timeCommand(process.execPath, [join(repo, 'bin', 'eastern'), 'deploy', join(j.project, 'kubernetes.yaml'), j.namespace, '-c', j.context, '--kubeconfig', kubeconfig, '-s', `IMAGE_TAG=${j.tag}`, '--no-wait'], { env: { ...process.env, NO_COLOR: '1', EASTERN_AGENT: '' } }));
  log(`deployed ${PROJECTS} projects × 2 clusters in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** One GET over a kept-alive connection (as a browser holds one), whole body read; its time in ms. */
function timedGet(url, agent) {
  return new Promise((resolveTime, reject) => {
    const t = performance.now();
    http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolveTime(performance.now() - t) : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
    }).on('error', reject);
  });
}

/** 20 readers, each with its own connection, loading `url` REQUESTS_PER_READER times in a row; every request's time in ms. */
async function readers(url) {
  const samples = [];
  await Promise.all(Array.from({ length: READERS }, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await timedGet(url, agent); // warm-up: connection and first render, not timed
      for (let i = 0; i < REQUESTS_PER_READER; i++) samples.push(await timedGet(url, agent));
    } finally {
      agent.destroy();
    }
  }));
  return samples;
}

async function pageBench({ repo, kubeconfig, log }) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(repo, 'bin', 'eastern'), 'status', '--serve', '--all-contexts', '--kubeconfig', kubeconfig, '--listen', `127.0.0.1:${port}`], {
    env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; });
  const base = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const r = await fetch(`${base}/api/status.json`);
        const report = await r.json();
        if (report.releases.length >= PROJECTS * 2) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the page did not show ${PROJECTS * 2} releases within 60 s:\n${stderr}`);
      await sleep(200);
    }
    const fleet = await readers(`${base}/`);
    const project = await readers(`${base}/projects/app-7`);
    const json = await readers(`${base}/api/status.json`);
    log(`page: ${fleet.length + project.length + json.length} requests by ${READERS} readers`);
    return { fleet, project, json };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/** Releases of the bench's projects already in the clusters (a re-run skips the deploys). */
async function benchReleases({ repo, kubeconfig }) {
  const { stdout } = await timeCommand(process.execPath, [join(repo, 'bin', 'eastern'), 'status', '--all-contexts', '--kubeconfig', kubeconfig, '--output', 'json'], { env: { ...process.env, NO_COLOR: '1' } });
  return JSON.parse(stdout).releases.filter((r) => r.namespace.startsWith('bench-status-')).length;
}

export async function runStatusBench({ kubeconfig, runs = 5, log = () => {}, repo = defaultRepo }) {
  if ((await benchReleases({ repo, kubeconfig })) < PROJECTS * 2) await deployFleet({ repo, kubeconfig, log });
  const cli = [];
  for (let i = 0; i < runs + 1; i++) {
    const { ms, stdout } = await timeCommand(process.execPath, [join(repo, 'bin', 'eastern'), 'status', '--all-contexts', '--kubeconfig', kubeconfig, '--output', 'json'], { env: { ...process.env, NO_COLOR: '1' } });
    const releases = JSON.parse(stdout).releases.length;
    if (releases < PROJECTS * 2) throw new Error(`eastern status found ${releases} releases, expected at least ${PROJECTS * 2}`);
    if (i > 0) cli.push(ms); // the first run warms the page cache of the binaries
  }
  const page = await pageBench({ repo, kubeconfig, log });
  const rows = [
    { key: 'cli', tool: 'eastern status --all-contexts --output json (whole process)', unit: 'ms', summary: summarize(cli) },
    { key: 'page-fleet', tool: `fleet page, ${READERS} concurrent readers`, unit: 'ms', summary: summarize(page.fleet) },
    { key: 'page-project', tool: `project page, ${READERS} concurrent readers`, unit: 'ms', summary: summarize(page.project) },
    { key: 'page-json', tool: `/api/status.json, ${READERS} concurrent readers`, unit: 'ms', summary: summarize(page.json) },
  ];
  return { sections: [{ id: 'status', title: `Status of ${PROJECTS} projects × 2 clusters`, rows }] };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, kubeconfig: { type: 'string', default: join(defaultRepo, '.cluster', 'kubeconfig') } } });
  const result = await runStatusBench({ kubeconfig: resolve(values.kubeconfig), runs: Number(values.runs), log: (m) => process.stderr.write(`${m}\n`) });
  for (const row of result.sections[0].rows) {
    const s = row.summary;
    process.stdout.write(`${row.tool}: median ${s.median.toFixed(1)} ms, min ${s.min.toFixed(1)} ms, max ${s.max.toFixed(1)} ms (${s.n})\n`);
  }
}
