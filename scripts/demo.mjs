#!/usr/bin/env node
// `npm run demo`: start the two local clusters, deploy every project in examples/
// to both (kube1 as "staging", kube2 as "production"), show the release history,
// and redeploy once to show that nothing changes. The clusters keep running
// afterwards; `npm run cluster:down` stops them.
//
// Only node: built-ins, so it runs on a fresh clone (it builds Eastern if needed).

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = join(root, 'bin', 'eastern');
const targets = [
  { context: 'kube1', namespace: 'staging' },
  { context: 'kube2', namespace: 'production' },
];
// Image tags that exist upstream; the KWOK nodes never pull them, but they read right.
const imageTags = { 'hello-web': '1.27', worker: '1.36' };

const t0 = Date.now();
const say = (text) => process.stderr.write(`\n\u001b[1m== ${text}\u001b[22m\n`);

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function buildIfNeeded() {
  const main = join(root, 'dist', 'bin', 'main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(join(root, 'src'))) return;
  say('building Eastern (tsc, then the CLI bundle)');
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('the build failed');
}

/** Runs `eastern …` with the demo kubeconfig; output goes straight to the terminal. */
function eastern(args, kubeconfig) {
  process.stderr.write(`\n$ eastern ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [bin, ...args, '--kubeconfig', relative(root, kubeconfig)], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`eastern ${args[0]} exited with code ${r.status}`);
}

function projects() {
  const dir = join(root, 'examples');
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'kubernetes.yaml')))
    .map((e) => e.name)
    .sort();
}

async function main() {
  buildIfNeeded();

  say('starting the local clusters kube1 and kube2 (the first run builds Kubernetes from source: 20+ minutes)');
  const cluster = await import(pathToFileURL(join(root, 'test', 'cluster', 'cluster.mjs')).href);
  const { kubeconfig, started } = await cluster.up({ root });
  process.stderr.write(`clusters ${started ? 'started' : 'already running'}; kubeconfig ${relative(root, kubeconfig)}\n`);

  const list = projects();
  if (list.length === 0) throw new Error('no projects found in examples/ (folders with a kubernetes.yaml)');
  for (const { context, namespace } of targets) {
    for (const project of list) {
      say(`deploy ${project} to ${context}, namespace ${namespace}`);
      eastern(['deploy', `examples/${project}/kubernetes.yaml`, namespace, '-c', context, '-s', `IMAGE_TAG=${imageTags[project] ?? 'latest'}`, '--timeout', '120'], kubeconfig);
    }
  }

  for (const { context, namespace } of targets) {
    for (const project of list) {
      say(`release history of ${project} on ${context}/${namespace}`);
      eastern(['history', project, namespace, '-c', context], kubeconfig);
    }
  }

  const first = list[0];
  const { context, namespace } = targets[0];
  say(`deploying ${first} to ${context}/${namespace} again: nothing changed, so every object is unchanged`);
  eastern(['deploy', `examples/${first}/kubernetes.yaml`, namespace, '-c', context, '-s', `IMAGE_TAG=${imageTags[first] ?? 'latest'}`, '--timeout', '120'], kubeconfig);
  say(`what a new image tag would change (eastern diff)`);
  eastern(['diff', `examples/${first}/kubernetes.yaml`, namespace, '-c', context, '-s', 'IMAGE_TAG=1.28'], kubeconfig);

  say(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  process.stderr.write(
    [
      `${list.length} projects deployed to kube1 (staging) and kube2 (production).`,
      'The clusters keep running. Try for yourself:',
      `  node bin/eastern history ${first} staging -c kube1 --kubeconfig .cluster/kubeconfig`,
      `  node bin/eastern rollback ${first} staging -c kube1 --kubeconfig .cluster/kubeconfig`,
      `  kubectl --kubeconfig .cluster/kubeconfig --context kube2 get all -n production`,
      'Stop the clusters with: npm run cluster:down',
      '',
    ].join('\n'),
  );
}

main().catch((error) => {
  process.stderr.write(`\ndemo failed: ${error instanceof Error ? error.message : error}\n`);
  process.exitCode = 1;
});
