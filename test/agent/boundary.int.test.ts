// The agent as a boundary (issue 13, items 6-8), with a real `eastern agent start`
// against the local cluster kube1: builds run as another OS user than the agent,
// see none of its secrets (kubeconfig, context, Jenkins password) and reach the
// cluster only through the agent; cluster-scoped kinds are refused unless the agent
// file lists them; and every request through the agent leaves an audit line.
// Starting processes as another user needs root, which CI has: without it, this
// test fails and says so.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import yaml from 'js-yaml';
import type { KubeClient } from '../../src/kube/client.js';
import { adminClient, testKubeconfig, uniqueName } from './int-helpers.js';
import { readRecord, repoRoot, standIn, standInJar, tempDir, waitFor } from './helpers.js';

const BUILD_UID = 64123;
const TOKEN = 'boundary-test-jenkins-token';
const kubeconfig = testKubeconfig();
const bin = join(repoRoot, 'bin/eastern');
const prefix = uniqueName('eastern-boundary');
const cleanup: Array<() => void> = [];
let admin: KubeClient;

interface Agent {
  child: ChildProcess;
  socket: string;
  record: string;
  log(): string;
  exit: Promise<number | null>;
}

/** A folder the build user owns (the stand-in writes its record there). */
function buildUserDir(name: string): string {
  const dir = join(tmpdir(), `${name}-${uniqueName('x')}`);
  mkdirSync(dir, { mode: 0o700 });
  chownSync(dir, BUILD_UID, BUILD_UID);
  cleanup.push(() => spawn('rm', ['-rf', dir]));
  return dir;
}

async function startAgent(file: Record<string, unknown>, options: { kubeconfig?: string; env?: Record<string, string>; expectFailure?: boolean } = {}): Promise<Agent> {
  const dir = tempDir('eastern-bnd-');
  cleanup.push(() => dir.remove());
  mkdirSync(join(dir.path, 'agents'));
  // The socket folder must be reachable by the build user: not inside this private (0700) folder.
  const socket = join(tmpdir(), `eastern-bnd-${uniqueName('s')}`, 'kube1.sock');
  cleanup.push(() => spawn('rm', ['-rf', join(socket, '..')]));
  const records = buildUserDir('eastern-bnd-record');
  const record = join(records, 'record.jsonl');
  writeFileSync(join(dir.path, 'agents', 'kube1.yaml'), yaml.dump({
    name: 'kube1',
    environments: ['qa'],
    kubernetes: { context: 'kube1', namespaces: [`${prefix}-*`] },
    jenkins: { url: 'https://jenkins.example.com/', user: 'eastern-kube1', passwordEnv: 'JENKINS_TOKEN', executors: 2 },
    swarm: { jar: standInJar, java: standIn, user: String(BUILD_UID) },
    agent: { socket, drainGraceSeconds: 60 },
    ...file,
  }));
  const env = { PATH: process.env.PATH ?? '', HOME: dir.path, NO_COLOR: '1', JENKINS_TOKEN: TOKEN, SWARM_STANDIN_RECORD: record, ...options.env };
  const child = spawn(process.execPath, [bin, 'agent', 'start', '--config', 'agents/kube1.yaml', '--kubeconfig', options.kubeconfig ?? kubeconfig], { cwd: dir.path, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (c) => (log += c));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  if (!options.expectFailure) {
    await waitFor('the agent to start its Swarm client', () => {
      if (child.exitCode !== null) throw new Error(`the agent exited with ${child.exitCode}:\n${log}`);
      return log.includes('Swarm client started') && readRecord(record).some((e) => e.type === 'start');
    }, 90_000);
  }
  return { child, socket, record, log: () => log, exit };
}

async function stop(a: Agent): Promise<number | null> {
  if (a.child.exitCode === null) a.child.kill('SIGTERM');
  return a.exit;
}

/**
 * A node binary the build user can run: this one, unless it lies where that user
 * cannot reach it (Node 24 of `npm run test:node24` sits in root's 0700 home), then
 * a copy in a folder the build user may enter.
 */
let buildNodeBinary: string | undefined;
function buildNode(): string {
  if (buildNodeBinary) return buildNodeBinary;
  const reachable = spawnSync(process.execPath, ['-e', '0'], { uid: BUILD_UID, gid: BUILD_UID }).status === 0;
  if (reachable) return (buildNodeBinary = process.execPath);
  const dir = join(tmpdir(), `eastern-bnd-node-${uniqueName('n')}`);
  mkdirSync(dir, { mode: 0o755 });
  cleanup.push(() => spawn('rm', ['-rf', dir]));
  copyFileSync(process.execPath, join(dir, 'node'));
  chmodSync(join(dir, 'node'), 0o755);
  return (buildNodeBinary = join(dir, 'node'));
}

/** The CLI as a build on this agent runs it: as the build user, with the environment the agent gave its builds. */
function asBuild(a: Agent, args: string[], extraEnv: Record<string, string> = {}) {
  const start = readRecord(a.record).find((e) => e.type === 'start');
  if (!start?.env) throw new Error('the stand-in recorded no environment');
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(buildNode(), [bin, ...args], { cwd: repoRoot, env: { ...start.env, ...extraEnv }, uid: BUILD_UID, gid: BUILD_UID, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test.before(async () => {
  if (process.getuid?.() !== 0) throw new Error('this test starts the Swarm client and builds as another OS user, which needs root (CI runs as root)');
  admin = await adminClient('kube1');
});

test.after(async () => {
  for (const name of [`${prefix}-builds`, `${prefix}-crb`]) await admin.delete({ apiVersion: 'v1', kind: 'Namespace', name }).catch(() => undefined);
  await admin.delete({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: `${prefix}-admin` }).catch(() => undefined);
  for (const c of cleanup) c();
});

test('6: an agent refuses to start when its kubeconfig is readable by the build user', async () => {
  const open = join(tmpdir(), `eastern-bnd-open-${uniqueName('k')}`);
  mkdirSync(open, { mode: 0o755 });
  cleanup.push(() => spawn('rm', ['-rf', open]));
  copyFileSync(kubeconfig, join(open, 'kubeconfig'));
  chmodSync(join(open, 'kubeconfig'), 0o644);
  const a = await startAgent({}, { kubeconfig: join(open, 'kubeconfig'), expectFailure: true });
  assert.is(await a.exit, 1, a.log());
  assert.match(a.log(), `the kubeconfig ${join(open, 'kubeconfig')} is readable by the build user ${BUILD_UID}`);
  assert.match(a.log(), 'fix: chmod 600');
  assert.not.ok(readRecord(a.record).some((e) => e.type === 'start'), 'no Swarm client was started');
});

test('6, 8: builds run as the build user, without the agent\'s secrets, and reach the cluster only through the agent, which audits every request', async () => {
  const ns = `${prefix}-builds`;
  const a = await startAgent({});
  try {
    const start = readRecord(a.record).find((e) => e.type === 'start')!;
    assert.is(start.uid, BUILD_UID, 'the Swarm client runs as the build user');
    assert.equal(start.password, { read: true, length: TOKEN.length }, 'it read the Jenkins password from its file');
    for (const name of ['JENKINS_TOKEN', 'KUBECONFIG', 'EASTERN_CONTEXT']) assert.not.ok(name in (start.env ?? {}), `${name} is not in the build environment`);
    assert.not.ok(Object.values(start.env ?? {}).some((v) => v.includes(TOKEN)), 'no variable holds the Jenkins password');
    assert.is(start.env?.EASTERN_AGENT, a.socket);
    const passwordFile = join(a.socket, '..', 'jenkins.password');
    await waitFor('the password file to be removed once the client connected', () => !existsSync(passwordFile), 20_000);
    assert.ok(readFileSync(join(a.socket, '..', 'kube1.labels'), 'utf8').includes('eastern-cluster-kube1'));

    // The cluster credentials are out of reach: no variable, no readable file.
    const solo = await asBuild(a, ['deploy', 'examples/hello-web/kubernetes.yaml', 'kube-system', '-s', 'IMAGE_TAG=1'], { EASTERN_NO_AGENT: '1' });
    assert.is(solo.code, 1, solo.stderr);
    assert.match(solo.stderr, 'no Kubernetes configuration found');
    const stolen = await asBuild(a, ['history', 'hello-web', 'kube-system', '--kubeconfig', kubeconfig], { EASTERN_NO_AGENT: '1' });
    assert.is.not(stolen.code, 0);
    assert.match(stolen.stderr, /cannot be read|EACCES|permission denied/i);

    // Through the agent: the allow-list holds, and an allowed deploy works.
    const refused = await asBuild(a, ['deploy', 'examples/hello-web/kubernetes.yaml', 'kube-system', '-s', 'IMAGE_TAG=1']);
    assert.is(refused.code, 1);
    assert.match(refused.stderr, 'namespace "kube-system" is not in the allow-list of agent kube1');
    const deployed = await asBuild(a, ['deploy', 'examples/hello-web/kubernetes.yaml', ns, '-s', 'IMAGE_TAG=1.0.0', '--timeout', '120'], { BUILD_URL: 'https://jenkins.example.com/job/web/42/', JOB_NAME: 'web', BUILD_NUMBER: '42' });
    assert.is(deployed.code, 0, deployed.stderr);
    assert.ok(await admin.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'hello-web' }), 'the deploy reached the cluster');

    // 8: one audit line per request, naming the build, the project, the namespace and the result.
    await waitFor('the audit lines', () => a.log().includes(`namespace=${ns}`), 10_000);
    assert.match(a.log(), `[audit] request=deploy build=https://jenkins.example.com/job/web/42/ job="web #42" project=hello-web namespace=${ns} file=examples/hello-web/kubernetes.yaml result="exit 0"`);
    assert.match(a.log(), /\[audit\] request=deploy namespace=kube-system file=examples\/hello-web\/kubernetes\.yaml result="refused \(namespace not in the allow-list\)"/);
    assert.not.match(a.log(), TOKEN);
  } finally {
    assert.is(await stop(a), 0, a.log());
  }
});

test('7: a cluster-scoped object is refused through the agent unless its kind is listed', async () => {
  const ns = `${prefix}-crb`;
  const project = join(buildUserDir('eastern-bnd-project'), 'escalate');
  mkdirSync(project);
  chownSync(project, BUILD_UID, BUILD_UID);
  writeFileSync(join(project, 'kubernetes.yaml'), [
    'apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRoleBinding', 'metadata:', `  name: ${prefix}-admin`,
    'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}',
    'subjects:', `  - {kind: ServiceAccount, name: default, namespace: ${ns}}`, '',
  ].join('\n'));
  const refusing = await startAgent({});
  try {
    const r = await asBuild(refusing, ['deploy', join(project, 'kubernetes.yaml'), ns]);
    assert.is(r.code, 1, r.stderr);
    assert.match(r.stderr, /kubernetes\.yaml:1: ClusterRoleBinding\/\S+ is cluster-scoped, and ClusterRoleBinding\.rbac\.authorization\.k8s\.io is not in agents\/kube1\.yaml: kubernetes\.clusterScopedKinds/);
    assert.is(await admin.get({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: `${prefix}-admin` }), undefined, 'nothing was written');
  } finally {
    await stop(refusing);
  }
  const allowing = await startAgent({ kubernetes: { context: 'kube1', namespaces: [`${prefix}-*`], clusterScopedKinds: ['ClusterRoleBinding.rbac.authorization.k8s.io'] } });
  try {
    const r = await asBuild(allowing, ['deploy', join(project, 'kubernetes.yaml'), ns]);
    assert.is(r.code, 0, r.stderr);
    assert.ok(await admin.get({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: `${prefix}-admin` }));
  } finally {
    await stop(allowing);
  }
});

test.run();
