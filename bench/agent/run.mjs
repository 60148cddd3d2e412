#!/usr/bin/env node
// Agent benchmark: the same command through a running `eastern agent` (warm process,
// cached discovery) and as a standalone process, alternating every round. Not a test.
//
//   node bench/agent/run.mjs [--runs N] [--context kube2] [--kubeconfig .cluster/kubeconfig]
//
// Cases:
//   render      `eastern generate examples/hello-web/kubernetes.yaml` with EASTERN_AGENT
//               set vs EASTERN_NO_AGENT=1 (both are a `node bin/eastern` process: the
//               agent saves the template engine load, not Node's start-up)
//   no-op deploy `eastern deploy` of an already deployed project, via the agent vs standalone
//   memory      the agent's resident memory when idle, after start and after the runs
// The agent runs for real (`node bin/eastern agent start`), with the stand-in Swarm
// client of test/fixtures (the real jar is not obtainable here).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { alternate, formatBytes, formatMs, sleep, summarize, timeCommand } from '../lib/stats.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const easternBin = join(repo, 'bin', 'eastern');
const standIn = join(repo, 'test/fixtures/swarm-client/swarm-client.mjs');
const standInJar = join(repo, 'test/fixtures/swarm-client/swarm-client.jar');
const example = 'examples/hello-web/kubernetes.yaml';

function rssBytes(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Starts `eastern agent start` for `context`; resolves once its socket answers /readyz. */
export async function startAgent({ kubeconfig, context, dir, log }) {
  mkdirSync(join(dir, 'agents'), { recursive: true });
  const socket = join(dir, 'run', `${context}.sock`);
  writeFileSync(join(dir, 'agents', `${context}.yaml`), [
    `name: ${context}`,
    'environments: [bench]',
    `kubernetes: { context: ${context} }`,
    'jenkins: { url: "https://jenkins.example.com/", user: bench, passwordEnv: JENKINS_TOKEN, executors: 2 }',
    // The stand-in Swarm client runs no builds: no separate build user is needed.
    `swarm: { jar: ${JSON.stringify(standInJar)}, java: ${JSON.stringify(standIn)}, sameUser: true }`,
    `agent: { socket: ${JSON.stringify(socket)} }`,
    '',
  ].join('\n'));
  const env = { ...process.env, JENKINS_TOKEN: 'bench-not-a-secret', KUBECONFIG: kubeconfig, HOME: dir, NO_COLOR: '1' };
  delete env.EASTERN_AGENT;
  const child = spawn(process.execPath, [easternBin, 'agent', 'start', '--config', join('agents', `${context}.yaml`)], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (c) => (output += c));
  const exited = new Promise((r) => child.on('exit', (code) => r(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the agent exited with ${child.exitCode}:\n${output.slice(-2000)}`);
    if (existsSync(`${socket}.token`) && output.includes('Swarm client started')) break;
    if (Date.now() > deadline) throw new Error(`the agent did not come up in 60 s:\n${output.slice(-2000)}`);
    await sleep(100);
  }
  log(`bench: agent ${context} running (pid ${child.pid})`);
  return {
    socket,
    pid: child.pid,
    env,
    /** The environment of a build on this agent's node: eastern deploy/generate/render go through the agent. */
    buildEnv: { ...env, EASTERN_AGENT: socket, EASTERN_CONTEXT: context },
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) log(`bench: agent exited with ${code}:\n${output.slice(-1000)}`);
    },
  };
}

function row(results, name, tool, unit = 'ms') {
  const { summary, error } = results.get(name) ?? {};
  return { tool, key: name, unit, summary, ...(!summary && { na: error ? `failed: ${error.split('\n')[0]}` : 'no result' }) };
}

/**
 * Runs the agent bench; returns `{ sections }` in bench/run.mjs's format.
 * @param {{ kubeconfig: string, context: string, runs?: number, log?: (m: string) => void }} options
 */
export async function runAgentBench({ kubeconfig, context, runs = 5, log = () => {} }) {
  const dir = mkdtempSync(join(tmpdir(), 'eastern-bench-agent-'));
  const namespace = `bench-agent-${process.pid}`;
  const sections = [];
  let agent;
  try {
    agent = await startAgent({ kubeconfig, context, dir, log });
    await sleep(1000);
    const idleAtStart = rssBytes(agent.pid);
    const via = agent.buildEnv;
    const solo = { ...via, EASTERN_NO_AGENT: '1' };
    const cli = (args, env) => async () => (await timeCommand(process.execPath, [easternBin, ...args], { cwd: repo, env })).ms;

    const renderArgs = ['generate', example, 'bench', '-s', 'IMAGE_TAG=1.0.0'];
    const render = await alternate([
      { name: 'agent', run: cli(renderArgs, via) },
      { name: 'standalone', run: cli(renderArgs, solo) },
    ], runs * 2, { log, warmup: 1 });
    const renderRows = [row(render, 'agent', 'eastern generate via the agent'), row(render, 'standalone', 'eastern generate standalone')];
    if (renderRows[0].summary && renderRows[1].summary) renderRows[1].ratio = renderRows[1].summary.median / renderRows[0].summary.median;
    sections.push({ id: 'agent-render', title: 'Render: agent vs standalone', rows: renderRows });

    const deployArgs = ['deploy', example, namespace, '-s', 'IMAGE_TAG=1.0.0', '--timeout', '120'];
    let deployRows;
    try {
      // The first deploy creates everything (untimed); the timed ones change nothing.
      await timeCommand(process.execPath, [easternBin, ...deployArgs], { cwd: repo, env: solo });
      const deploy = await alternate([
        { name: 'agent', run: cli(deployArgs, via) },
        { name: 'standalone', run: cli(deployArgs, solo) },
      ], runs, { log, warmup: 1 });
      deployRows = [row(deploy, 'agent', 'no-op eastern deploy via the agent'), row(deploy, 'standalone', 'no-op eastern deploy standalone')];
      if (deployRows[0].summary && deployRows[1].summary) deployRows[1].ratio = deployRows[1].summary.median / deployRows[0].summary.median;
    } catch (error) {
      deployRows = [{ tool: 'no-op eastern deploy', na: `failed: ${String(error.message ?? error).split('\n')[0]}` }];
    }
    sections.push({ id: 'agent-deploy', title: 'No-op deploy: agent vs standalone', rows: deployRows });

    const idleAfter = rssBytes(agent.pid);
    sections.push({
      id: 'agent',
      title: 'Agent idle memory (RSS)',
      rows: [
        { tool: 'eastern agent, after start', key: 'start', unit: 'bytes', ...(idleAtStart ? { summary: summarize([idleAtStart]) } : { na: 'no /proc' }) },
        { tool: 'eastern agent, after the runs', key: 'after', unit: 'bytes', ...(idleAfter ? { summary: summarize([idleAfter]) } : { na: 'no /proc' }) },
      ],
    });
  } catch (error) {
    log(`bench: agent part failed: ${error.stack ?? error}`);
    sections.push({ id: 'agent', title: 'Agent', rows: [{ tool: '', na: String(error.message ?? error).split('\n')[0] }] });
  } finally {
    await agent?.stop();
    await timeCommand(process.execPath, ['-e', `
      import('${join(repo, 'dist/kube/kubeconfig.js')}').then(async ({ loadClusterTarget }) => {
        const { KubeClient } = await import('${join(repo, 'dist/kube/client.js')}');
        const c = await KubeClient.connect(await loadClusterTarget({ kubeconfig: ${JSON.stringify(kubeconfig)}, context: ${JSON.stringify(context)} }));
        await c.delete({ apiVersion: 'v1', kind: 'Namespace', name: ${JSON.stringify(namespace)} });
      })`]).catch(() => log(`bench: could not delete namespace ${namespace}`));
    rmSync(dir, { recursive: true, force: true });
  }
  return { sections };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      context: { type: 'string', default: 'kube2' },
      kubeconfig: { type: 'string', default: join(repo, '.cluster', 'kubeconfig') },
    },
  });
  const log = (m) => process.stderr.write(`${m}\n`);
  const { sections } = await runAgentBench({ kubeconfig: resolve(values.kubeconfig), context: values.context, runs: Number(values.runs), log });
  for (const section of sections) {
    process.stdout.write(`${section.title}\n`);
    for (const r of section.rows) {
      const value = r.summary ? (r.unit === 'bytes' ? formatBytes(r.summary.median) : `${formatMs(r.summary.median)} (min ${formatMs(r.summary.min)}, max ${formatMs(r.summary.max)}, n ${r.summary.n})`) : `n/a (${r.na})`;
      process.stdout.write(`  ${r.tool.padEnd(40)} ${value}${r.ratio ? `  ratio ${r.ratio.toFixed(2)}×` : ''}\n`);
    }
  }
}
