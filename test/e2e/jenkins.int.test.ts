// Tier 3, end to end (issue 7): a shipped example Jenkinsfile runs in the pipeline
// harness with the generated library; `node(label)` resolves, by the labels a REAL
// `eastern agent start` wrote for its Swarm client, to the environment that agent
// gives its builds; `sh` runs for real and calls this checkout's bin/eastern, which
// deploys through the agent's socket to the local cluster serving the environment.
// What reached the clusters is read straight from their API servers (plain GETs
// through Eastern's access layer, not through the agent or the deploy engine).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import yaml from 'js-yaml';
import { labelsFor } from '../../src/fleet/schema.js';
import { testKubeconfig } from '../agent/int-helpers.js';
import { callsOf, root, runPipelines, type Agent, type ScenarioResult } from '../groovy/harness.js';
import { client } from '../kube/helpers.js';
import { withFleetAgents, type FleetAgent } from './fleet-agent.js';

const run = promisify(execFile);
const kubeconfig = testKubeconfig();
const bin = join(root, 'bin/eastern');
const example = join(root, 'examples/hello-web');
const jenkinsfile = join(example, 'Jenkinsfile');
const work = mkdtempSync(join(tmpdir(), 'eastern-e2e-work-'));
const namespaces: string[] = [];

/** A pull-request number no other run uses: the Jenkinsfile deploys PRs to hello-web-pr-<CHANGE_ID>. */
function uniqueChangeId(): string {
  return `${Date.now() % 1e9}${Math.floor(Math.random() * 1e3)}`;
}

/** A connected client for one of the test kubeconfig's contexts. */
const cluster = (context: string) => client(context, kubeconfig);

/** The objects the example renders to for a namespace (through the standalone CLI, no agent, no cluster). */
async function renderedObjects(namespace: string, imageTag: string): Promise<Array<{ apiVersion: string; kind: string; metadata: { name: string }; spec?: any }>> {
  const env = { PATH: process.env.PATH ?? '', HOME: work, NO_COLOR: '1' };
  const { stdout } = await run(process.execPath, [bin, 'generate', 'kubernetes.yaml', namespace, '-s', `IMAGE_TAG=${imageTag}`], { cwd: example, env });
  return (yaml.loadAll(stdout) as any[]).filter(Boolean);
}

/** `eastern history` as an operator would run it on their own machine (no agent). */
async function history(context: string, namespace: string): Promise<{ code: number; releases: any[]; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: work, NO_COLOR: '1' };
  const r = await run(process.execPath, [bin, 'history', 'hello-web', namespace, '--context', context, '--kubeconfig', kubeconfig, '--output', 'json'], { cwd: work, env }).then(
    (x) => ({ code: 0, stdout: x.stdout, stderr: x.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
  );
  return { code: r.code, releases: r.code === 0 ? (JSON.parse(r.stdout) as any[]) : [], stderr: r.stderr };
}

/** The harness node of a running agent: its labels file and the environment its builds inherit. */
function harnessAgent(a: FleetAgent): Agent {
  return {
    name: a.name,
    labels: a.labels(),
    env: { ...a.buildEnv(), EASTERN_BIN: bin },
    workspace: join(work, `ws-${a.name}-${Date.now().toString(36)}`),
  };
}

function explain(r: ScenarioResult, agents: Map<string, FleetAgent>): string {
  const sh = callsOf(r, 'sh').map((c) => `--- sh on ${c.node} (exit ${c.status})\n${c.stderr ?? ''}`).join('\n');
  const logs = [...agents.values()].map((a) => `--- agent ${a.name} log\n${a.log()}`).join('\n');
  return `${r.result}: ${r.error}\n${r.log.join('\n')}\n${sh}\n${logs}`;
}

const headCommit = (await run('git', ['rev-parse', 'HEAD'], { cwd: root })).stdout.trim();
const imageTag = /imageTag:\s*'([^']+)'/.exec(readFileSync(jenkinsfile, 'utf8'))?.[1];
if (!imageTag) throw new Error(`${jenkinsfile}: no imageTag: '…' found; this test reads the tag the example deploys from it`);

/** The checks every cluster that should have received the example gets. */
async function assertDeployed(context: string, namespace: string, changeId: string): Promise<void> {
  const expected = await renderedObjects(namespace, imageTag!);
  assert.ok(expected.some((o) => o.kind === 'Deployment'), 'the example renders a Deployment');
  for (const o of expected) {
    const live = await (await cluster(context)).get<any>({ apiVersion: o.apiVersion, kind: o.kind, namespace, name: o.metadata.name });
    assert.ok(live, `${context}: ${o.kind} ${namespace}/${o.metadata.name} exists`);
    assert.is(live.metadata.labels?.['app.kubernetes.io/managed-by'], 'eastern', `${o.kind}/${o.metadata.name} is managed by eastern`);
    if (o.kind === 'Deployment') {
      assert.equal(live.spec.template.spec.containers.map((c: any) => c.image), o.spec.template.spec.containers.map((c: any) => c.image));
      assert.is(live.status?.readyReplicas, live.spec.replicas, `${context}: the Deployment rolled out (the deploy waited for it)`);
    }
    if (o.kind === 'ConfigMap' && o.metadata.name === 'hello-web-env') {
      assert.is(live.data.GREETING, `Hello from hello-web-pr-${changeId}`, 'rendered for the PR namespace');
    }
  }
  const h = await history(context, namespace);
  assert.is(h.code, 0, h.stderr);
  assert.is(h.releases.length, 1, `one release of hello-web in ${context}/${namespace}`);
  const release = h.releases[0];
  assert.is(release.revision, 1);
  assert.is(release.outcome, 'deployed');
  assert.is(release.project, 'hello-web');
  assert.is(release.namespace, namespace);
  assert.is(release.context, context, 'deployed with the agent\'s kube context');
  assert.is(release.commit, headCommit, 'the commit checkout returned reached the release record');
  assert.is(release.build?.url, `https://jenkins.example.com/job/hello-web/job/PR-${changeId}/1/`);
  assert.is(release.build?.number, '1');
  assert.is(release.objectCount, expected.length);
}

async function assertAbsent(context: string, namespace: string): Promise<void> {
  // get() is undefined only for 404 Not Found; any other failure throws.
  const got = await (await cluster(context)).get({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  assert.is(got, undefined, `${context} must not have namespace ${namespace}`);
}

function scenario(name: string, environment: string, changeId: string, agents: Map<string, FleetAgent>) {
  return {
    name,
    jenkinsfile,
    params: { EASTERN_ENVIRONMENT: environment },
    env: {
      JOB_NAME: `hello-web/PR-${changeId}`,
      BRANCH_NAME: `PR-${changeId}`,
      CHANGE_ID: changeId,
      BUILD_NUMBER: '1',
      BUILD_URL: `https://jenkins.example.com/job/hello-web/job/PR-${changeId}/1/`,
    },
    agents: [...agents.values()].map(harnessAgent),
    strictNodes: true,
    sh: { mode: 'exec' as const },
    checkout: { from: example, vars: { GIT_COMMIT: headCommit, GIT_BRANCH: `PR-${changeId}` } },
    workspaceRoot: work,
  };
}

const test = suite('e2e: example Jenkinsfile → running eastern agents → local clusters');

/**
 * The clusters answer (waiting up to a minute, as a restarting API server takes a
 * moment), else the test fails loudly. Called inside each test, not in a before hook:
 * uvu 0.5 swallows an error thrown by a before hook and reports no failure.
 */
let clustersChecked: Promise<void> | undefined;
function clustersAnswer(): Promise<void> {
  clustersChecked ??= (async () => {
    for (const context of ['kube1', 'kube2']) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const v = await (await cluster(context)).getText('/readyz').then((text) => ({ ok: text.trim() === 'ok', error: text }), (e: unknown) => ({ ok: false, error: String(e) }));
        if (v.ok) break;
        if (Date.now() > deadline) throw new Error(`cluster ${context} (${kubeconfig}) does not answer: ${v.error}\nstart it: node test/cluster/cluster.mjs up`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  })();
  return clustersChecked;
}

test.after(async () => {
  await Promise.all(namespaces.flatMap((n) => ['kube1', 'kube2'].map(async (c) => (await cluster(c)).delete({ apiVersion: 'v1', kind: 'Namespace', name: n }).catch(() => false))));
  rmSync(work, { recursive: true, force: true });
});

test('dev: the hello-web PR build runs on kube1\'s agent and deploys to kube1 only', async () => {
  await clustersAnswer();
  const changeId = uniqueChangeId();
  const namespace = `hello-web-pr-${changeId}`;
  namespaces.push(namespace);
  await withFleetAgents(['kube1', 'kube2'], kubeconfig, async (agents) => {
    const kube1 = agents.get('kube1')!;
    // What the running agent gives its node and its builds.
    assert.equal(kube1.labels(), labelsFor(kube1.shipped), 'the labels file holds the fleet\'s labels for kube1');
    assert.ok(kube1.labels().includes('eastern-env-dev'));
    assert.not.ok(agents.get('kube2')!.labels().includes('eastern-env-dev'), 'kube2 does not serve dev');
    const buildEnv = kube1.buildEnv();
    assert.is(buildEnv.EASTERN_CLUSTER, 'kube1');
    assert.is(buildEnv.EASTERN_AGENT, kube1.socket);
    assert.is(buildEnv.EASTERN_CONTEXT, 'kube1');
    assert.is(buildEnv.KUBECONFIG, kubeconfig);

    const [r] = await runPipelines([scenario('dev', 'dev', changeId, agents)]);
    assert.ok(r);
    assert.is(r.result, 'SUCCESS', explain(r, agents));

    // Both steps (easternDiff, easternDeploy) ran their shell on kube1's node, for real.
    const sh = callsOf(r, 'sh');
    assert.is(sh.length, 2, explain(r, agents));
    for (const c of sh) {
      assert.is(c.node, 'kube1');
      assert.is(c.status, 0);
      assert.ok(c.parents.includes('node:eastern-env-dev'), `routed by the environment label: ${c.parents.join(' > ')}`);
    }
    assert.not.match(sh[1]?.stderr ?? '', /agent (does not|did not) answer/i, 'the CLI reached the agent');
    assert.is(r.description, `hello-web to dev: kube1 rev 1 @ ${headCommit.slice(0, 12)}`);
    assert.equal(r.cps, [], 'no CPS rule broken (the run went through the CPS interpreter)');

    // The deploy went through kube1's agent; kube2's agent served nothing.
    assert.match(kube1.log(), `[api] deploy kubernetes.yaml to ${namespace} (project hello-web): exit 0`);
    assert.not.match(agents.get('kube2')!.log(), namespace);

    await assertDeployed('kube1', namespace, changeId);
    await assertAbsent('kube2', namespace);
  });
});

test('staging: served by kube1 and kube2, parallel branches deploy through both agents to both clusters', async () => {
  await clustersAnswer();
  const changeId = uniqueChangeId();
  const namespace = `hello-web-pr-${changeId}`;
  namespaces.push(namespace);
  await withFleetAgents(['kube1', 'kube2'], kubeconfig, async (agents) => {
    for (const a of agents.values()) {
      assert.equal(a.labels(), labelsFor(a.shipped));
      assert.is(a.buildEnv().EASTERN_CLUSTER, a.name);
      assert.is(a.buildEnv().EASTERN_AGENT, a.socket);
    }
    const [r] = await runPipelines([scenario('staging', 'staging', changeId, agents)]);
    assert.ok(r);
    assert.is(r.result, 'SUCCESS', explain(r, agents));

    const fanOuts = callsOf(r, 'parallel').filter((c) => c.branches?.join() === 'kube1,kube2');
    assert.is(fanOuts.length, 2, 'easternDiff and easternDeploy each fan out');
    assert.equal(callsOf(r, 'checkout').map((c) => c.node), ['kube1', 'kube1'], 'each step checks out once and stashes to both clusters');
    const sh = callsOf(r, 'sh');
    assert.equal(sh.map((c) => c.node).sort(), ['kube1', 'kube1', 'kube2', 'kube2'], explain(r, agents));
    for (const c of sh) {
      assert.is(c.status, 0);
      assert.ok(c.parents.includes(`parallel:${c.node}`) && c.parents.includes(`node:eastern-cluster-${c.node}`), c.parents.join(' > '));
    }
    assert.is(r.description, `hello-web to staging: kube1 rev 1, kube2 rev 1 @ ${headCommit.slice(0, 12)}`);
    assert.equal(r.cps, []);

    for (const a of agents.values()) {
      assert.match(a.log(), `[api] deploy kubernetes.yaml to ${namespace} (project hello-web): exit 0`, `agent ${a.name} served its cluster's deploy`);
      assert.is(a.log().split(`to ${namespace} `).length - 1, 1, `agent ${a.name} served exactly one deploy`);
    }
    await assertDeployed('kube1', namespace, changeId);
    await assertDeployed('kube2', namespace, changeId);
  });
});

test.run();
