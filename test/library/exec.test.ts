// Tier 3 with a real shell: the CPS harness runs the generated steps' `sh` scripts with
// /bin/sh, in each agent's workspace and environment, against a stand-in `eastern`
// (test/groovy/fixtures/fake-eastern) that records the argv it receives. This proves
// that hostile values arrive as single, unchanged arguments and are never executed.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { agentsFromFleet, callsOf, root, runPipelines, type Scenario, type ScenarioResult } from '../groovy/harness.js';

interface Invocation {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

const fake = join(root, 'test/groovy/fixtures/fake-eastern');
const work = mkdtempSync(join(tmpdir(), 'eastern-exec-'));
const pwned = join(work, 'PWNED');
const hostile = {
  QUOTES: `it's "quoted" and \\escaped\\`,
  SUBST: `$(touch ${pwned}-subst)`,
  BACKTICKS: `\`touch ${pwned}-backticks\``,
  SEMICOLON: `a; touch ${pwned}-semicolon`,
  AND: `x && touch ${pwned}-and | cat`,
  VARIABLE: '${HOME} $EASTERN_PROJECT',
  NEWLINES: 'line one\nline two\n',
  GLOB: '* ?',
  DASHES: '--kubeconfig=/etc/shadow',
  EMPTY: '',
};

function groovyMap(values: Record<string, string>): string {
  const escape = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
  return `[${Object.entries(values).map(([k, v]) => `${k}: ${escape(v)}`).join(', ')}]`;
}

function scenario(name: string, script: string, extra: Partial<Scenario> = {}, agentEnv: Record<string, Record<string, string>> = {}): Scenario {
  const log = join(work, `${name.replace(/\W+/g, '-')}.jsonl`);
  const base = { EASTERN_BIN: fake, FAKE_EASTERN_LOG: log, FAKE_EASTERN_REVISION: '7' };
  const agents = agentsFromFleet(root, {
    gke: { ...base, ...agentEnv.gke },
    kube1: { ...base, ...agentEnv.kube1 },
    kube2: { ...base, ...agentEnv.kube2 },
  });
  return {
    name,
    script,
    env: { JOB_NAME: 'shop' },
    agents,
    strictNodes: true,
    sh: { mode: 'exec' },
    workspaceRoot: join(work, `ws-${name.replace(/\W+/g, '-')}`),
    ...extra,
  };
}

function invocations(name: string): Invocation[] {
  const log = join(work, `${name.replace(/\W+/g, '-')}.jsonl`);
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Invocation);
}

const scenarios: Scenario[] = [
  scenario('hostile', `easternDeploy(environment: 'staging', vars: ${groovyMap(hostile)}, imageTag: '1.2.3')`),
  scenario('flags', "easternDeploy(environment: 'dev', file: 'deploy/app.yaml', namespace: 'shop-web', prune: true, rollbackOnFailure: true, timeout: 0)"),
  scenario('wrong node', "easternDeploy(environment: 'dev')", {}, { kube1: { EASTERN_CLUSTER: 'kube9' } }),
  scenario('not installed', "easternDeploy(environment: 'dev')", {}, { kube1: { EASTERN_BIN: join(work, 'no-such-eastern') } }),
  scenario('rollout fails', "easternDeploy(environment: 'staging')", {}, { kube2: { FAKE_EASTERN_STATUS: '3' } }),
  scenario('rollback', "easternRollback(environment: 'production', project: 'shop', to: 3)"),
  scenario('example jenkinsfile', '', {
    script: undefined,
    jenkinsfile: join(root, 'examples/hello-web/Jenkinsfile'),
    params: { EASTERN_ENVIRONMENT: 'dev' },
    env: { JOB_NAME: 'hello-web/PR-7', BRANCH_NAME: 'PR-7', CHANGE_ID: '7' },
    checkout: { from: join(root, 'examples/hello-web'), vars: { GIT_COMMIT: 'feedfacecafebeef' } },
  }),
  scenario('rollback latest', "easternRollback(environment: 'dev', project: 'shop')"),
  scenario('diff', "easternDiff(environment: 'dev', vars: [A: 'b c'], failOnChanges: true)", {}, { kube1: { FAKE_EASTERN_STATUS: '1' } }),
];

let results: Map<string, ScenarioResult>;
const get = (name: string): ScenarioResult => {
  const r = results.get(name);
  if (!r) throw new Error(`no scenario ${name}`);
  return r;
};

const test = suite('generated steps with a real shell');

test.before(async () => {
  results = new Map((await runPipelines(scenarios)).map((r) => [r.name, r]));
});

test.after(() => {
  rmSync(work, { recursive: true, force: true });
});

test('hostile values arrive as single, unchanged --set arguments and nothing runs', () => {
  const r = get('hostile');
  assert.is(r.result, 'SUCCESS', `${r.error}\n${callsOf(r, 'sh').map((c) => c.stderr).join('\n')}`);
  const calls = invocations('hostile');
  assert.is(calls.length, 2, 'one eastern deploy per cluster of staging');
  for (const call of calls) {
    assert.equal(call.argv, [
      'deploy',
      '--output', 'json',
      '--timeout', '300',
      '--name=shop',
      ...Object.entries(hostile).map(([k, v]) => `--set=${k}=${v}`),
      '--set=IMAGE_TAG=1.2.3',
      '--',
      'kubernetes.yaml',
      'staging',
    ]);
  }
  assert.equal(calls.map((c) => c.env.EASTERN_CLUSTER).sort(), ['kube1', 'kube2']);
  const created = readdirSync(work).filter((f) => f.startsWith('PWNED'));
  assert.equal(created, [], 'no injected command ran');
  assert.is(r.description, 'shop to staging: kube1 rev 7, kube2 rev 7 @ 0123456789ab', 'revision read from --output json');
});

test('each cluster\'s deploy runs in that agent\'s workspace', () => {
  const calls = invocations('hostile');
  for (const call of calls) {
    assert.ok(call.cwd.endsWith(`workspace-${call.env.EASTERN_CLUSTER}`), call.cwd);
    assert.ok(existsSync(join(call.cwd, `.eastern/deploy-${call.env.EASTERN_CLUSTER}.json`)), 'result file in the workspace');
  }
});

test('options become flags; file and namespace come after --; the project is the template folder, as in the CLI', () => {
  const r = get('flags');
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(invocations('flags').map((c) => c.argv), [[
    'deploy', '--output', 'json', '--timeout', '0', '--name=deploy', '--prune', '--rollback-on-failure', '--', 'deploy/app.yaml', 'shop-web',
  ]]);
});

test('an example Jenkinsfile runs end to end against the stand-in: checkout, diff, deploy (the e2e shape)', () => {
  const r = get('example jenkinsfile');
  assert.is(r.result, 'SUCCESS', `${r.error}\n${callsOf(r, 'sh').map((c) => c.stderr).join('\n')}`);
  const calls = invocations('example jenkinsfile');
  assert.equal(calls.map((c) => c.argv[0]), ['diff', 'deploy']);
  for (const call of calls) {
    assert.equal(call.argv.slice(-3), ['--', 'kubernetes.yaml', 'hello-web-pr-7']);
    assert.ok(existsSync(join(call.cwd, 'kubernetes.yaml')), 'checkout copied the project into the workspace');
    assert.ok(existsSync(join(call.cwd, 'overrides/env.yaml')));
    assert.is(call.env.EASTERN_CLUSTER, 'kube1');
  }
  assert.is(calls[1]?.env.GIT_COMMIT, 'feedfacecafebeef', 'the deploy knows the commit for its release record');
  assert.is(r.description, 'hello-web to dev: kube1 rev 7 @ feedfacecafe');
});

test('a node that is not the cluster\'s agent refuses to deploy (exit 78)', () => {
  const r = get('wrong node');
  assert.is(r.result, 'FAILURE');
  assert.match(r.error ?? '', /failed on kube1 \(exit 78: this node is not the eastern agent of that cluster/);
  assert.equal(invocations('wrong node'), [], 'eastern never ran');
  assert.match(callsOf(r, 'sh')[0]?.stderr ?? '', /this node serves cluster 'kube9', not 'kube1'/);
});

test('a missing eastern CLI is named as such (exit 127)', () => {
  const r = get('not installed');
  assert.is(r.result, 'FAILURE');
  assert.match(r.error ?? '', /exit 127: eastern is not installed on the agent/);
});

test('a failed rollout on one cluster fails the build with the CLI\'s exit status', () => {
  const r = get('rollout fails');
  assert.is(r.result, 'FAILURE');
  assert.match(r.error ?? '', /failed on kube2 \(exit 3: the rollout failed\); it succeeded on kube1/);
  assert.is(invocations('rollout fails').length, 2);
  assert.is(r.description, 'shop to staging: kube1 rev 7, kube2 FAILED (exit 3) @ 0123456789ab');
});

test('easternRollback and easternDiff build their command lines the same safe way', () => {
  const rollback = get('rollback');
  assert.is(rollback.result, 'SUCCESS', rollback.error ?? '');
  assert.equal(invocations('rollback').map((c) => c.argv), [
    ['rollback', '--output', 'json', '--timeout', '300', '--to=3', '--', 'shop', 'production'],
    ['rollback', '--output', 'json', '--timeout', '300', '--to=3', '--', 'shop', 'production'],
  ]);
  const latest = get('rollback latest');
  assert.is(latest.result, 'SUCCESS', `${latest.error}\n${callsOf(latest, 'sh').map((c) => c.stderr).join('\n')}`);
  assert.equal(invocations('rollback latest').map((c) => c.argv), [['rollback', '--output', 'json', '--timeout', '300', '--', 'shop', 'dev']]);
  assert.not.ok('EASTERN_TO_REVISION' in (invocations('rollback latest')[0]?.env ?? {}), 'withEnv with an empty value unsets, as in Jenkins');
  const diff = get('diff');
  assert.is(diff.result, 'FAILURE');
  assert.equal(invocations('diff').map((c) => c.argv), [['diff', '--name=shop', '--set=A=b c', '--exit-code', '--', 'kubernetes.yaml', 'dev']]);
});

test.run();
