// The watchman on the local cluster kube1 (pods misbehave by the eastern.test/simulate
// label): a real `eastern agent start` with a notify: section, and two `eastern
// watch` processes, all sending to a real HTTP server on loopback that stands in
// for Slack and webhook receivers. Slow scenarios (the storm cap's minute, the
// quiet minute of a crash loop) run side by side: their workloads are created
// first, and the tests below read what arrived.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { KubeClient } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { adminClient, testKubeconfig, uniqueName } from '../agent/int-helpers.js';
import { readRecord, repoRoot, standIn, standInJar, tempDir, waitFor } from '../agent/helpers.js';
import { patchAs, releases } from '../kube/helpers.js';
import { startSinkServer, type Received, type SinkServer } from './sink-server.js';

const CTX = 'kube1';
const kubeconfig = testKubeconfig();
const bin = join(repoRoot, 'bin/eastern');
const prefix = uniqueName('w');
const ns = (suffix: string) => `${prefix}-${suffix}`;
const SECRET_VALUE = 'S3cr3t-value-of-the-int-test';
const SLACK_PATH = '/services/T000/B000/SECRETTOKEN';
const BUILD_URL = 'https://jenkins.example.com/job/shop/42/';
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const dir = tempDir('eastern-watch-');
const namespaces = ['a-crash', 'a-drift', 'a-deploying', 'a-flaky', 'a-hang', 'a-state', 'storm', 'remind'].map(ns);

let admin: KubeClient;
let server: SinkServer;
let agentEnv: NodeJS.ProcessEnv;
const processes: { child: ChildProcess; log(): string; exit: Promise<number | null> }[] = [];
let agent: (typeof processes)[number];

function deployment(name: string, options: { replicas?: number; simulate?: string; secret?: string } = {}): KubeObject {
  const env = options.secret ? [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: options.secret, key: 'password' } } }] : [];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, ...(options.simulate && { 'eastern.test/simulate': options.simulate }) } },
        spec: { containers: [{ name: 'app', image: 'registry.example.com/app:1', env }] },
      },
    },
  } as KubeObject;
}

function run(args: string[], env: NodeJS.ProcessEnv, cwd = dir.path) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; endedAt: number }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr, endedAt: Date.now() }));
  });
}

function background(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [bin, ...args], { cwd: dir.path, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (c) => (log += c));
  child.stderr?.on('data', (c) => (log += c));
  const p = { child, log: () => log, exit: new Promise<number | null>((r) => child.on('exit', (code) => r(code))) };
  processes.push(p);
  return p;
}

function project(name: string, objects: KubeObject[]): string {
  const folder = join(dir.path, 'projects', name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'kubernetes.yaml'), objects.map((o) => yaml.dump(o)).join('---\n'));
  return join(folder, 'kubernetes.yaml');
}

const baseEnv = () => ({ PATH: process.env.PATH ?? '', HOME: dir.path, NO_COLOR: '1' });
const deployEnv = () => ({ ...baseEnv(), BUILD_URL, GIT_COMMIT: COMMIT, EASTERN_NO_AGENT: '1' });
/** `eastern deploy` standalone, as a build without an agent runs it. */
const deploy = (file: string, namespace: string, ...more: string[]) => run(['deploy', file, namespace, '--kubeconfig', kubeconfig, '--context', CTX, ...more], deployEnv());

async function startAgent() {
  const a = background(['agent', 'start', '--config', 'agents/kube1.yaml', '--kubeconfig', kubeconfig], agentEnv);
  await waitFor('the agent to watch', () => {
    if (a.child.exitCode !== null) throw new Error(`the agent exited with ${a.child.exitCode}:\n${a.log()}`);
    return a.log().includes('[watch] watching');
  }, 90_000);
  return a;
}

/** Messages (Slack or webhook) about one workload, by its name. */
const about = (list: Received[], name: string) => list.filter((r) => r.text.includes(`"${name}"`) || r.text.includes(`/${name}`) || r.text.includes(` ${name}`));
const events = (list: Received[], name: string) => about(list, name).map((r) => r.body?.event);

test.before(async () => { try { await setup(); } catch (e) { console.error("setup failed:", e); throw e; } });

async function setup(): Promise<void> {
  admin = await adminClient(CTX);
  server = await startSinkServer();
  for (const n of namespaces) await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } } as KubeObject);
  await admin.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'crashy-secret', namespace: ns('a-crash') }, stringData: { password: SECRET_VALUE } } as KubeObject);
  server.behave('/flaky', { fail: 2, status: 500 });
  server.behave('/hang', { hang: true });
  mkdirSync(join(dir.path, 'agents'));
  writeFileSync(join(dir.path, 'agents', 'kube1.yaml'), yaml.dump({
    name: 'kube1',
    environments: ['qa'],
    kubernetes: { context: CTX, namespaces: [`${prefix}-a-*`] },
    jenkins: { url: 'https://jenkins.example.com/', user: 'eastern-kube1', passwordEnv: 'JENKINS_TOKEN', executors: 2 },
    swarm: { jar: standInJar, java: standIn, sameUser: true },
    agent: { socket: join(dir.path, 'run', 'kube1.sock'), drainGraceSeconds: 5 },
    notify: {
      slack: { webhookEnv: 'SLACK_URL' },
      webhook: { urlEnv: 'HOOK_URL' },
      routes: [
        { namespaces: [ns('a-flaky')], webhook: { urlEnv: 'FLAKY_URL' } },
        { namespaces: [ns('a-hang')], webhook: { urlEnv: 'HANG_URL' } },
      ],
      resolveAfterSeconds: 3,
      stateNamespace: ns('a-state'),
      nodes: false,
    },
  }));
  agentEnv = {
    ...baseEnv(),
    JENKINS_TOKEN: 'int-test-token-value',
    SWARM_STANDIN_RECORD: join(dir.path, 'record.jsonl'),
    SLACK_URL: server.url(SLACK_PATH),
    HOOK_URL: server.url('/hook'),
    FLAKY_URL: server.url('/flaky'),
    HANG_URL: server.url('/hang'),
  };
  agent = await startAgent();
  const watchArgs = ['watch', '--kubeconfig', kubeconfig, '--context', CTX, '--no-nodes', '--resolve-after', '3'];
  const storm = background([...watchArgs, ns('storm'), '--slack-webhook-env', 'STORM_URL', '--state-namespace', ns('storm')], { ...baseEnv(), STORM_URL: server.url('/storm') });
  const remind = background([...watchArgs, ns('remind'), '--webhook-url-env', 'REMIND_URL', '--reminder', '0.1', '--state-namespace', ns('remind'), '--output', 'json'], { ...baseEnv(), REMIND_URL: server.url('/remind') });
  await waitFor('both eastern watch processes to watch', () => storm.log().includes('[watch] watching') && remind.log().includes('[watch] watching'), 60_000);

  // The slow scenarios start now, side by side.
  const crashy = await deploy(project('crashy', [deployment('crashy', { replicas: 3, simulate: 'crashloop', secret: 'crashy-secret' })]), ns('a-crash'), '--no-wait');
  assert.is(crashy.code, 0, crashy.stderr);
  const drifty = await deploy(project('drifty', [deployment('drifty')]), ns('a-drift'), '--no-wait');
  assert.is(drifty.code, 0, drifty.stderr);
  await Promise.all(Array.from({ length: 30 }, (_, i) => admin.create({ ...deployment(`storm-${i}`, { simulate: 'crashloop' }), metadata: { name: `storm-${i}`, namespace: ns('storm') } })));
  await admin.create({ ...deployment('nagging', { simulate: 'crashloop' }), metadata: { name: 'nagging', namespace: ns('remind') } });
  await admin.create({ ...deployment('flaky', { simulate: 'crashloop' }), metadata: { name: 'flaky', namespace: ns('a-flaky') } });
  await admin.create({ ...deployment('hung', { simulate: 'crashloop' }), metadata: { name: 'hung', namespace: ns('a-hang') } });
}

test.after(async () => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGTERM');
  await Promise.all(processes.map((p) => p.exit));
  for (const n of namespaces) await admin.delete({ apiVersion: 'v1', kind: 'Namespace', name: n }).catch(() => undefined);
  await server.close();
  admin.close();
  dir.remove();
});

test('a crash-looping Deployment of 3 replicas: one message naming the workload, the reason, the revision and the build', async () => {
  const slack = await waitFor('the Slack message about crashy', () => about(server.on(SLACK_PATH), 'crashy')[0], 60_000);
  assert.match(slack.text, 'crashy');
  assert.match(slack.text, 'CrashLoopBackOff');
  assert.match(slack.text, /revision 1/);
  assert.match(slack.text, BUILD_URL);
  assert.ok(Array.isArray(slack.body.blocks), 'a Slack Block Kit body');
  const hook = await waitFor('the webhook message about crashy', () => about(server.on('/hook'), 'crashy')[0], 30_000);
  const incident = hook.body.incident;
  assert.is(hook.body.schema, 'eastern.io/notification/v1');
  assert.is(hook.body.event, 'opened');
  assert.equal(incident.workload, { kind: 'Deployment', name: 'crashy' });
  assert.is(incident.namespace, ns('a-crash'));
  assert.is(incident.reason, 'CrashLoopBackOff');
  assert.is(incident.podCount, 3, 'one incident for the three pods');
  assert.is(incident.release.project, 'crashy');
  assert.is(incident.release.revision, 1);
  assert.is(incident.release.buildUrl, BUILD_URL);
  assert.is(incident.release.commit, COMMIT);
  assert.is(incident.failingSinceRevision, 1, 'failing right after its deploy');
  assert.equal(incident.environments, ['qa']);
  assert.ok(incident.logLines?.length > 0, 'the last lines of the failing container');
  assert.match(incident.logLines.join('\n'), 'simulated crash');
});

test('a workload changed with kubectl after its release is reported as drifted', async () => {
  await patchAs(CTX, 'kubectl-edit', { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns('a-drift'), name: 'drifty' }, { spec: { template: { metadata: { labels: { 'eastern.test/simulate': 'crashloop' } } } } });
  const hook = await waitFor('the message about drifty', () => about(server.on('/hook'), 'drifty')[0], 60_000);
  assert.is(hook.body.incident.release.revision, 1);
  assert.match((hook.body.incident.drift ?? []).join('\n'), /spec\.template\.metadata\.labels.*by kubectl-edit/, hook.text);
  const slack = await waitFor('the Slack message about drifty', () => about(server.on(SLACK_PATH), 'drifty')[0], 30_000);
  assert.match(slack.text, /changed outside Eastern since revision 1/i);
});

test('a crash during an eastern deploy\'s rollout is reported by the deploy, and notified only after it ends', async () => {
  const r = await deploy(project('rolling', [deployment('rolling', { simulate: 'crashloop' })]), ns('a-deploying'), '--timeout', '120');
  assert.is.not(r.code, 0, 'the deploy fails');
  assert.match(r.stderr, 'CrashLoopBackOff');
  const [head] = (await releases(CTX, ns('a-deploying'), 'rolling')).heads;
  assert.is(head?.info.outcome, 'failed');
  const ended = Date.parse(head!.info.finishedAt!);
  const later = await waitFor('the message after the deploy ended', () => about(server.on('/hook'), 'rolling')[0], 60_000);
  assert.is(later.body.event, 'opened');
  assert.ok(Date.parse(later.body.at) >= ended, `nothing was sent while the deploy watched (notice made at ${later.body.at}, the deploy recorded its failure at ${head!.info.finishedAt})`);
});

test('30 failing workloads at once stay under the storm cap, the rest in one summary', async () => {
  const storm = () => server.on('/storm');
  await waitFor('the storm summary', () => storm().length >= 11, 100_000);
  const first = storm()[0]!.at;
  // The window counts from when the first notice was made, a moment before it arrived.
  const inFirstMinute = storm().filter((m) => m.at < first + 55_000);
  assert.is(inFirstMinute.length, 10, 'at most 10 messages a minute');
  const summary = storm()[10]!;
  assert.ok(summary.at >= first + 55_000, 'the summary waits for the window');
  assert.match(summary.text, /20/);
  const named = new Set(storm().flatMap((m) => [...m.text.matchAll(/storm-(\d+)/g)].map((x) => x[1])));
  assert.is(named.size, 30, 'every failing workload is named once, individually or in the summary');
  await new Promise((r) => setTimeout(r, 2_000));
  assert.is(storm().length, 11, 'nothing else');
  assert.match(storm()[0]!.text, /not deployed by Eastern/);
});

test('a short reminder interval produces a reminder, and only that', async () => {
  const list = () => server.on('/remind').filter((r) => r.body?.incident?.workload?.name === 'nagging');
  await waitFor('a reminder', () => list().some((r) => r.body.event === 'reminder'), 60_000);
  const [opened, reminder] = list();
  assert.is(opened!.body.event, 'opened');
  assert.is(reminder!.body.event, 'reminder');
  assert.ok(reminder!.at - opened!.at >= 5_000, 'not before the interval (6 s)');
  assert.is(reminder!.body.incident.openedAt, opened!.body.incident.openedAt, 'the same incident');
});

test('a webhook answering 500, or never, is retried while the agent keeps serving deploys', async () => {
  await waitFor('the failing webhook to be retried into success', () => server.on('/flaky').length >= 3, 60_000);
  assert.equal(server.on('/flaky').slice(0, 3).map((r) => r.body?.incident?.workload?.name), ['flaky', 'flaky', 'flaky'], 'the same message, twice refused, then taken');
  await waitFor('the hanging webhook to be tried', () => server.on('/hang').length >= 1, 60_000);
  // While one sink hangs, a build deploys through the agent.
  const build = readRecord(agentEnv.SWARM_STANDIN_RECORD as string).find((e) => e.type === 'start');
  assert.ok(build?.env, 'the stand-in Swarm client recorded a build environment');
  const r = await run(['deploy', project('served', [deployment('served')]), ns('a-deploying'), '--no-wait'], { ...build!.env, PATH: process.env.PATH ?? '' });
  assert.is(r.code, 0, r.stderr);
  assert.match(agent.log(), /\[api\] deploy .*served.*: exit 0/);
  assert.not.match(agent.log(), /SECRETTOKEN|127\.0\.0\.1:\d+\/(hook|flaky|hang)/, 'webhook URLs are never logged');
});

test('the agent restarted mid-incident sends nothing new', async () => {
  await waitFor('the crashy incident to be saved', async () => {
    const cm = await admin.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns('a-state'), name: 'eastern-watchman-kube1' });
    return String((cm?.data as Record<string, string> | undefined)?.['incidents.json'] ?? '').includes('crashy');
  }, 30_000);
  agent.child.kill('SIGTERM');
  assert.is(await agent.exit, 0, agent.log());
  const before = server.on(SLACK_PATH).length;
  agent = await startAgent();
  assert.match(agent.log(), /took over \d+ open incident/);
  await new Promise((r) => setTimeout(r, 12_000));
  assert.is(server.on(SLACK_PATH).length, before, `no message after the restart:\n${server.on(SLACK_PATH).slice(before).map((r) => r.text).join('\n')}`);
});

test('a crash loop of more than a minute made one message; fixing it makes one resolved message', async () => {
  const opened = about(server.on(SLACK_PATH), 'crashy')[0]!;
  const wait = opened.at + 61_000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  assert.equal(events(server.on('/hook'), 'crashy'), ['opened'], 'one message in more than a minute of crash loop');
  const fixed = await deploy(project('crashy', [deployment('crashy', { replicas: 3, secret: 'crashy-secret' })]), ns('a-crash'), '--no-wait');
  assert.is(fixed.code, 0, fixed.stderr);
  await waitFor('the resolved message', () => events(server.on('/hook'), 'crashy').includes('resolved'), 90_000);
  await new Promise((r) => setTimeout(r, 6_000));
  assert.equal(events(server.on('/hook'), 'crashy'), ['opened', 'resolved']);
  assert.is(about(server.on(SLACK_PATH), 'crashy').length, 2);
});

test('nothing sent contains a Secret value; no log names a webhook URL', () => {
  assert.ok(server.received.length > 30, `messages arrived (${server.received.length})`);
  const base64 = Buffer.from(SECRET_VALUE).toString('base64');
  for (const r of server.received) {
    assert.not.match(r.text, SECRET_VALUE);
    assert.not.match(r.text, base64);
  }
  for (const p of processes) {
    const leak = /.*(SECRETTOKEN|:\d+\/(storm|remind|hook|flaky|hang)).*/.exec(p.log());
    assert.is(leak, null, `a log line names a webhook URL: ${leak?.[0]}`);
  }
});

test.run();
