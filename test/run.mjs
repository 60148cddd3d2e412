#!/usr/bin/env node
// The test runner behind `npm test`: build, install what the tiers need (Groovy,
// the Python reference, the Go-built clusters), run the unit tier, start the local
// clusters (or reuse running ones), run the integration tier, and stop what it
// started, even when tests fail. Ends with one "N passed, N failed" line.
//
//   node test/run.mjs            all tiers
//   node test/run.mjs --unit     unit tier only (no clusters)
//   node test/run.mjs --int      integration tier only
//   node test/run.mjs --only DIR restrict both tiers to test/DIR
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const intOnly = args.includes('--int');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
const testDir = only ? join('test', only) : 'test';

const totals = { passed: 0, failed: 0, skipped: 0 };
const problems = [];

function step(title) {
  process.stderr.write(`\n== ${title}\n`);
}

function build() {
  step('build (npm run build: tsc, then the CLI bundle)');
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('the build failed');
}

/** Runs an optional setup module's function when the module exists (tiers land one by one). */
async function setup(relative, name) {
  const file = join(root, relative);
  if (!existsSync(file)) return undefined;
  const mod = await import(pathToFileURL(file).href);
  if (typeof mod[name] !== 'function') throw new Error(`${relative} does not export ${name}()`);
  step(`setup: ${relative} ${name}()`);
  return mod[name]({ root });
}

/** Runs uvu over the test folder; streams its output and adds its counts to the totals. */
function uvu(title, pattern, ignore, env, timeoutMinutes) {
  step(title);
  return new Promise((resolve) => {
    const argv = ['--import', 'tsx', join(root, 'node_modules/uvu/bin.js'), testDir, pattern];
    if (ignore) argv.push('-i', ignore);
    const child = spawn(process.execPath, argv, {
      cwd: root,
      env: { ...process.env, ...env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    const timer = setTimeout(() => {
      problems.push(`${title}: killed after ${timeoutMinutes} minutes`);
      child.kill('SIGKILL');
    }, timeoutMinutes * 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
      const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
      const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? NaN);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
      if (Number.isNaN(total) || Number.isNaN(passed)) {
        totals.failed += 1;
        problems.push(`${title}: uvu exited with code ${code} before reporting totals`);
      } else {
        totals.passed += passed;
        totals.failed += total - passed - skipped;
        totals.skipped += skipped;
        if (code !== 0 && total - passed - skipped === 0) {
          totals.failed += 1;
          problems.push(`${title}: uvu exited with code ${code}`);
        }
      }
      resolve(code === 0);
    });
  });
}

/** True when something accepts connections on one of the loopback ports. */
async function anyListening(ports) {
  const probes = ports.map((port) => new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  }));
  return (await Promise.all(probes)).some(Boolean);
}

let clusters;
let stopping = false;
async function stopClusters() {
  // An interrupted up() may have started processes before it returned: down() is safe either way.
  if (stopping || !(clusters?.started || clusters?.starting)) return;
  stopping = true;
  step('stopping the local clusters this run started');
  await clusters.module.down({ root });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopClusters().finally(() => process.exit(130));
  });
}

try {
  build();
  if (!intOnly) {
    await setup('test/groovy/setup.mjs', 'ensureGroovy');
    await setup('bench/lib/peers.mjs', 'ensurePythonEastern');
    await uvu('unit tier', '\\.test\\.ts$', '\\.int\\.test\\.ts$', {}, 20);
  }
  if (!unitOnly) {
    let clusterModule = await import(pathToFileURL(join(root, 'test/cluster/cluster.mjs')).href);
    step('local clusters (build on first use, then start or reuse)');
    const wasRunning = (await clusterModule.status({ root })).running;
    if (!wasRunning && !process.env.EASTERN_CLUSTER_PORT_BASE && (await anyListening(clusterModule.clusterPorts()))) {
      // Another checkout's clusters (or another program) hold the default ports:
      // move this run's clusters to a free block instead of failing.
      for (const base of clusterModule.PORT_BASES.slice(1)) {
        if (!(await anyListening(clusterModule.clusterPorts(base)))) {
          process.env.EASTERN_CLUSTER_PORT_BASE = String(base);
          process.stderr.write(`default cluster ports are busy; using EASTERN_CLUSTER_PORT_BASE=${base}\n`);
          clusterModule = await import(pathToFileURL(join(root, 'test/cluster/cluster.mjs')).href + `?base=${base}`);
          break;
        }
      }
    }
    // The status page is tested in a real browser (Debian's chromium).
    await setup('test/status/setup.mjs', 'ensureChromium');
    clusters = { module: clusterModule, started: false, starting: !wasRunning };
    const result = await clusterModule.up({ root });
    clusters = { module: clusterModule, started: result.started };
    process.stderr.write(`clusters ${result.started ? 'started' : 'reused'}; kubeconfig ${result.kubeconfig}\n`);
    await uvu('integration tier (local clusters)', '\\.int\\.test\\.ts$', undefined, {
      EASTERN_TEST_KUBECONFIG: result.kubeconfig,
    }, 55);
  }
} catch (error) {
  totals.failed += 1;
  problems.push(error instanceof Error ? error.stack ?? error.message : String(error));
} finally {
  try {
    await stopClusters();
  } catch (error) {
    totals.failed += 1;
    problems.push(`stopping the clusters failed: ${error instanceof Error ? error.message : error}`);
  }
}

for (const p of problems) process.stderr.write(`\nproblem: ${p}\n`);
process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}\n`);
process.exitCode = totals.failed === 0 && totals.passed > 0 ? 0 : 1;
