// `eastern agent start` as a real process against the local cluster kube1, with the
// stand-in Swarm client; builds (children of the stand-in, as Jenkins runs `sh`)
// call the real CLI, which goes through the agent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { KubeClient } from '../../src/kube/client.js';
import { adminClient, testKubeconfig, uniqueName } from './int-helpers.js';
import { askAgent, isAlive, readRecord, repoRoot, standIn, standInJar, tempDir, waitFor, freePort } from './helpers.js';

const kubeconfig = testKubeconfig();
const bin = join(repoRoot, 'bin/eastern');
const prefix = uniqueName('eastern-agent-it');
const ns = (suffix: string) => `${prefix}-${suffix}`;
const dirs: Array<{ remove(): void }> = [];
const scratch = (): string => {
  const d = tempDir();
  dirs.push(d);
  return d.path;
};

interface AgentProcess {
  child: ChildProcess;
  dir: string;
  socket: string;
  healthPort: number;
  record: string;
  log(): string;
  exit: Promise<number | null>;
  env: NodeJS.ProcessEnv;
}

async function startAgent(extraEnv: Record<string, string> = {}): Promise<AgentProcess> {
  const dir = scratch();
  mkdirSync(join(dir, 'agents'));
  const socket = join(dir, 'run', 'kube1.sock');
  const healthPort = await freePort();
  writeFileSync(join(dir, 'agents', 'kube1.yaml'), yaml.dump({
    name: 'kube1',
    environments: ['qa'],
    kubernetes: { context: 'kube1', namespaces: [`${prefix}-*`] },
    jenkins: { url: 'https://jenkins.example.com/', user: 'eastern-kube1', passwordEnv: 'JENKINS_TOKEN', executors: 2 },
    swarm: { jar: standInJar, java: standIn, sameUser: true },
    agent: { socket, health: `127.0.0.1:${healthPort}`, drainGraceSeconds: 120 },
  }));
  const record = join(dir, 'record.jsonl');
  const env = { PATH: process.env.PATH ?? '', HOME: dir, NO_COLOR: '1', JENKINS_TOKEN: 'int-test-token-value', SWARM_STANDIN_RECORD: record, ...extraEnv };
  const child = spawn(process.execPath, [bin, 'agent', 'start', '--config', 'agents/kube1.yaml', '--kubeconfig', kubeconfig], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (c) => (log += c));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await waitFor('the agent to start its Swarm client', () => {
    if (child.exitCode !== null) throw new Error(`the agent exited with ${child.exitCode}:\n${log}`);
    return log.includes('Swarm client started') && readRecord(record).some((e) => e.type === 'start');
  }, 90_000);
  return { child, dir, socket, healthPort, record, log: () => log, exit, env };
}

async function stopAgent(a: AgentProcess): Promise<number | null> {
  if (a.child.exitCode === null) a.child.kill('SIGTERM');
  return a.exit;
}

/** Runs the built CLI like a build does; resolves with its result. */
/** A project folder whose kubernetes.yaml is one Deployment `name` whose pods the local clusters simulate as `simulate` (crashloop, unready, …). */
function simulatedProject(name: string, simulate: string): string {
  const project = join(scratch(), name);
  mkdirSync(project);
  writeFileSync(join(project, 'kubernetes.yaml'), [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', `  name: ${name}`, 'spec:', '  replicas: 1',
    '  selector:', `    matchLabels: {app: ${name}}`, '  template:', '    metadata:',
    `      labels: {app: ${name}, eastern.test/simulate: ${simulate}}`, '    spec:',
    '      containers:', '        - name: app', '          image: busybox:1', '',
  ].join('\n'));
  return project;
}

function eastern(args: string[], env: NodeJS.ProcessEnv, cwd = repoRoot) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The environment a build on this agent has (what the stand-in passes on). */
function buildEnv(a: AgentProcess): NodeJS.ProcessEnv {
  const start = readRecord(a.record).find((e) => e.type === 'start');
  if (!start?.env) throw new Error('the stand-in recorded no environment');
  return { ...start.env };
}

/** Output with timings and the namespace names made comparable. */
function normalise(text: string, namespace: string): string {
  return text
    .split(namespace).join('<ns>')
    .replace(/^\s*\d+\.\ds /gm, '')
    .replace(/\b\d+(\.\d+)?\s?(ms|s)\b/g, '<t>')
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>');
}

let admin: KubeClient;
const namespaces: string[] = [];

test.before(async () => {
  admin = await adminClient('kube1');
});

test.after(async () => {
  for (const n of namespaces) await admin.delete({ apiVersion: 'v1', kind: 'Namespace', name: n }).catch(() => undefined);
  for (const d of dirs) d.remove();
});

test('agent start checks kube1, serves readyz on the health port and exits 0 on SIGTERM', async () => {
  const a = await startAgent();
  try {
    assert.match(a.log(), /cluster kube1 answers: Kubernetes v1\.\d+/);
    const ready = await waitFor('readyz 200', async () => {
      const r = await fetch(`http://127.0.0.1:${a.healthPort}/readyz`);
      return r.status === 200 && ((await r.json()) as Record<string, any>);
    }, 20_000);
    assert.is(ready.cluster.reachable, true);
    assert.match(ready.cluster.version, /^v1\./);
    assert.is((await fetch(`http://127.0.0.1:${a.healthPort}/status`)).status, 404, 'the health port serves health only');
    assert.is((await askAgent(a.socket, 'GET', '/status')).status, 401);
  } finally {
    assert.is(await stopAgent(a), 0);
  }
  assert.not.ok(existsSync(a.socket));
  const pid = readRecord(a.record).find((e) => e.type === 'start')?.pid as number;
  assert.not.ok(isAlive(pid), 'the stand-in is gone');
});

test('a build started by the Swarm client deploys through the agent, with the same result as standalone', async () => {
  const viaNs = ns('via');
  const soloNs = ns('solo');
  namespaces.push(viaNs, soloNs);
  const out = join(scratch(), 'build');
  const script = `cd '${repoRoot}' && node bin/eastern deploy examples/hello-web/kubernetes.yaml ${viaNs} -s IMAGE_TAG=1.0.0 --timeout 120 >'${out}.out' 2>'${out}.err'; echo $? >'${out}.code'`;
  const a = await startAgent({ SWARM_STANDIN_BUILD: script });
  try {
    const build = await waitFor('the build to finish', () => readRecord(a.record).find((e) => e.type === 'build'), 180_000);
    assert.is(build.code, 0);
    const via = { code: Number(readFileSync(`${out}.code`, 'utf8')), stdout: readFileSync(`${out}.out`, 'utf8'), stderr: readFileSync(`${out}.err`, 'utf8') };
    assert.match(a.log(), `[api] deploy examples/hello-web/kubernetes.yaml to ${viaNs} (project hello-web): exit 0`);
    const env = { ...buildEnv(a), EASTERN_NO_AGENT: '1' };
    const solo = await eastern(['deploy', 'examples/hello-web/kubernetes.yaml', soloNs, '-s', 'IMAGE_TAG=1.0.0', '--timeout', '120'], env);
    assert.is(via.code, 0, via.stderr);
    assert.is(solo.code, 0, solo.stderr);
    assert.is(normalise(via.stdout, viaNs), normalise(solo.stdout, soloNs));
    // Objects that become ready in the same instant may be reported in either order.
    const lines = (t: string) => normalise(t, t === via.stderr ? viaNs : soloNs).split('\n').sort();
    assert.equal(lines(via.stderr), lines(solo.stderr));
    assert.ok(await admin.get({ apiVersion: 'v1', kind: 'Namespace', name: viaNs }), 'the deploy reached the cluster');
  } finally {
    await stopAgent(a);
  }
});

test('a failing rollout gives exit 3 and the same report through the agent and standalone', async () => {
  const viaNs = ns('fail-via');
  const soloNs = ns('fail-solo');
  namespaces.push(viaNs, soloNs);
  const project = simulatedProject('crasher', 'crashloop');
  const a = await startAgent();
  try {
    const env = { ...buildEnv(a) };
    const args = (n: string) => ['deploy', join(project, 'kubernetes.yaml'), n, '--timeout', '90'];
    const [via, solo] = await Promise.all([eastern(args(viaNs), env), eastern(args(soloNs), { ...env, EASTERN_NO_AGENT: '1' })]);
    assert.is(via.code, 3, via.stderr);
    assert.is(solo.code, 3, solo.stderr);
    assert.match(a.log(), `to ${viaNs} (project crasher): exit 3`);
    // The last lines (the verdict and the error) are the same; progress may interleave differently.
    const tail = (t: string, n: string) => normalise(t, n).trim().split('\n').slice(-3).join('\n');
    assert.is(tail(via.stderr, viaNs), tail(solo.stderr, soloNs));
  } finally {
    await stopAgent(a);
  }
});

test('a namespace outside the allow-list is refused before rendering, through the CLI', async () => {
  const a = await startAgent();
  try {
    const r = await eastern(['deploy', 'examples/hello-web/kubernetes.yaml', 'default'], buildEnv(a));
    assert.is(r.code, 1);
    assert.match(r.stderr, `error: namespace "default" is not in the allow-list of agent kube1 (agents/kube1.yaml: kubernetes.namespaces: ${prefix}-*)`);
    assert.not.ok(await admin.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'default', name: 'eastern-lock-hello-web' }), 'nothing was locked');
  } finally {
    await stopAgent(a);
  }
});

test('SIGTERM during a deploy: it finishes, new deploys are refused, then no process is left', async () => {
  const slowNs = ns('slow');
  namespaces.push(slowNs);
  const project = join(scratch(), 'slow');
  mkdirSync(project);
  // minReadySeconds keeps the rollout going for a while after the pod is ready.
  writeFileSync(join(project, 'kubernetes.yaml'), [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: slow', 'spec:', '  replicas: 1', '  minReadySeconds: 6',
    '  selector:', '    matchLabels: {app: slow}', '  template:', '    metadata:', '      labels: {app: slow}', '    spec:',
    '      containers:', '        - name: app', '          image: busybox:1', '',
  ].join('\n'));
  const a = await startAgent();
  const standInPid = readRecord(a.record).find((e) => e.type === 'start')?.pid as number;
  const env = buildEnv(a);
  const token = readFileSync(`${a.socket}.token`, 'utf8').trim();
  const deploy = eastern(['deploy', join(project, 'kubernetes.yaml'), slowNs, '--timeout', '120'], env);
  await waitFor('the deploy to be running in the agent', async () => {
    const status = await askAgent(a.socket, 'GET', '/status', { token });
    return status.json().jobs.some((j: { state: string }) => j.state === 'running');
  }, 60_000);
  await new Promise((r) => setTimeout(r, 1500));
  a.child.kill('SIGTERM');
  await waitFor('the drain to start', () => a.log().includes('SIGTERM received'));
  const refused = await eastern(['deploy', join(project, 'kubernetes.yaml'), ns('late')], env);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, 'agent kube1 is shutting down');
  assert.ok(isAlive(standInPid), 'the Swarm client stays while the deploy runs');
  const result = await deploy;
  assert.is(result.code, 0, result.stderr);
  assert.is(await a.exit, 0, a.log());
  assert.not.ok(isAlive(standInPid), 'the stand-in is gone');
  assert.not.ok(existsSync(a.socket), 'the socket is removed');
  assert.match(a.log(), 'waiting up to 120s for 1 running command(s)');
  assert.match(a.log(), '[agent] stopped');
});

test('killing the build\'s eastern process interrupts its deploy in the agent, which releases the lock', async () => {
  const abortNs = ns('abort');
  namespaces.push(abortNs);
  const project = simulatedProject('stuck', 'unready');
  const a = await startAgent();
  try {
    const token = readFileSync(`${a.socket}.token`, 'utf8').trim();
    const child = spawn(process.execPath, [bin, 'deploy', join(project, 'kubernetes.yaml'), abortNs, '--timeout', '300'], { cwd: repoRoot, env: buildEnv(a), stdio: 'ignore' });
    await waitFor('the rollout wait', async () => {
      const lease = await admin.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: abortNs, name: 'eastern-lock-stuck' });
      return lease !== undefined;
    }, 60_000);
    child.kill('SIGTERM');
    await waitFor('the agent to finish the request', () => /project stuck\): exit \d+ in [\d.]+s \(the caller went away\)/.test(a.log()), 60_000);
    assert.not.match(a.log(), 'project stuck): exit 0');
    const status = await askAgent(a.socket, 'GET', '/status', { token });
    assert.equal(status.json().jobs, [], 'nothing left running');
    const lease = await admin.get<{ spec?: { holderIdentity?: string } }>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: abortNs, name: 'eastern-lock-stuck' });
    assert.not.ok(lease?.spec?.holderIdentity, 'the lock was released');
  } finally {
    await stopAgent(a);
  }
});

test.run();
