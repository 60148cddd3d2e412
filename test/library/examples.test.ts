// Tier 3: the example Jenkinsfiles (scripted and declarative) run through the real CPS
// interpreter in the pipeline harness against the committed library, with recorded `sh`;
// none may break a CPS rule.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { agentsFromFleet, callsOf, root, runPipelines, type Scenario, type ScenarioResult } from '../groovy/harness.js';

const agents = agentsFromFleet();
const revision = { files: { '${EASTERN_RESULT_FILE}': '{"revision": 4}' } };
const jenkinsfile = (path: string) => join(root, 'examples', path);
const base = { agents, strictNodes: true, sh: { rules: [revision] } } satisfies Partial<Scenario>;

const scenarios: Scenario[] = [
  { ...base, name: 'hello-web staging', jenkinsfile: jenkinsfile('hello-web/Jenkinsfile'), params: { EASTERN_ENVIRONMENT: 'staging' }, env: { JOB_NAME: 'hello-web' } },
  {
    ...base,
    name: 'hello-web pull request',
    jenkinsfile: jenkinsfile('hello-web/Jenkinsfile'),
    params: { EASTERN_ENVIRONMENT: 'dev' },
    env: { JOB_NAME: 'hello-web/PR-42', BRANCH_NAME: 'PR-42', CHANGE_ID: '42' },
  },
  { ...base, name: 'worker production', jenkinsfile: jenkinsfile('worker/Jenkinsfile'), params: { EASTERN_ENVIRONMENT: 'production' }, env: { JOB_NAME: 'worker' } },
  {
    ...base,
    name: 'worker fails',
    jenkinsfile: jenkinsfile('worker/Jenkinsfile'),
    params: { EASTERN_ENVIRONMENT: 'dev' },
    env: { JOB_NAME: 'worker' },
    sh: { rules: [{ status: 2 }] },
  },
  { ...base, name: 'scripted production', jenkinsfile: jenkinsfile('jenkins/scripted/Jenkinsfile'), params: { EASTERN_ENVIRONMENT: 'production', RUN_ROLLBACK: false }, env: { JOB_NAME: 'examples' } },
  { ...base, name: 'scripted rollback', jenkinsfile: jenkinsfile('jenkins/scripted/Jenkinsfile'), params: { EASTERN_ENVIRONMENT: 'staging', RUN_ROLLBACK: true }, env: { JOB_NAME: 'examples' } },
  { ...base, name: 'declarative dev', jenkinsfile: jenkinsfile('jenkins/declarative/Jenkinsfile'), params: { EASTERN_ENVIRONMENT: 'dev' }, env: { JOB_NAME: 'examples' } },
  { ...base, name: 'declarative staging', jenkinsfile: jenkinsfile('jenkins/declarative/Jenkinsfile'), params: { EASTERN_ENVIRONMENT: 'staging' }, env: { JOB_NAME: 'examples' } },
];

let results: Map<string, ScenarioResult>;
const get = (name: string): ScenarioResult => {
  const r = results.get(name);
  if (!r) throw new Error(`no scenario ${name}`);
  assert.is(r.stack, undefined, `${name} crashed: ${r.error}\n${r.stack}`);
  assert.equal(r.cps, [], `${name}: CPS rules broken`);
  return r;
};
const shEnv = (r: ScenarioResult, key: string) => callsOf(r, 'sh').map((c) => c.env?.[key]);

const test = suite('example Jenkinsfiles in the pipeline harness');

test.before(async () => {
  results = new Map((await runPipelines(scenarios)).map((r) => [r.name, r]));
});

test('examples/hello-web (scripted): preview, then deploy to both staging clusters', () => {
  const r = get('hello-web staging');
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(callsOf(r, 'stage').map((c) => c.args), [['Preview'], ['Deploy']]);
  const sh = callsOf(r, 'sh');
  assert.equal(sh.map((c) => [c.parents[0], c.node, c.script?.includes(' deploy "$@"') ? 'deploy' : 'diff']), [
    ['stage:Preview', 'kube1', 'diff'],
    ['stage:Preview', 'kube2', 'diff'],
    ['stage:Deploy', 'kube1', 'deploy'],
    ['stage:Deploy', 'kube2', 'deploy'],
  ]);
  assert.equal(shEnv(r, 'EASTERN_PROJECT'), ['hello-web', 'hello-web', 'hello-web', 'hello-web']);
  assert.equal(shEnv(r, 'EASTERN_VAR_0'), ['IMAGE_TAG=1.27', 'IMAGE_TAG=1.27', 'IMAGE_TAG=1.27', 'IMAGE_TAG=1.27']);
  assert.equal(shEnv(r, 'EASTERN_PRUNE').slice(2), ['true', 'true']);
  assert.is(r.description, 'hello-web to staging: kube1 rev 4, kube2 rev 4 @ 0123456789ab');
  assert.equal(callsOf(r, 'properties').length, 1, 'the Jenkinsfile\'s own one-liner; the steps add none');
});

test('examples/hello-web: a pull request deploys to a namespace of its own', () => {
  const r = get('hello-web pull request');
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(shEnv(r, 'EASTERN_NAMESPACE'), ['hello-web-pr-42', 'hello-web-pr-42']);
  assert.equal(callsOf(r, 'sh').map((c) => c.node), ['kube1', 'kube1']);
  assert.equal(shEnv(get('hello-web staging'), 'EASTERN_NAMESPACE'), ['staging', 'staging', 'staging', 'staging'], 'otherwise the environment name');
});

test('examples/worker (declarative, agent none): approval outside any node, then gke and kube2', () => {
  const r = get('worker production');
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  const input = callsOf(r, 'input');
  assert.is(input.length, 1);
  assert.not.ok(input[0]?.parents.some((p) => p.startsWith('node:')));
  assert.equal(callsOf(r, 'sh').map((n) => n.node), ['gke', 'kube2']);
  assert.equal(shEnv(r, 'EASTERN_VAR_0'), ['LOG_LEVEL=info', 'LOG_LEVEL=info']);
  assert.equal(shEnv(r, 'EASTERN_VAR_1'), ['IMAGE_TAG=1.36', 'IMAGE_TAG=1.36']);
  assert.equal(r.log, ['easternDeploy: worker to production (namespace production) on gke, kube2'], 'the failure post step did not run');
});

test('examples/worker: a rollout timeout fails the build and runs the failure post step', () => {
  const r = get('worker fails');
  assert.is(r.result, 'FAILURE');
  assert.match(r.error ?? '', /failed on kube1 \(exit 2: the rollout did not finish before the timeout\)/);
  assert.equal(r.log, ['easternDeploy: worker to dev (namespace dev) on kube1', 'worker was not deployed; the eastern lines above show why']);
});

test('examples/jenkins/scripted: one properties call with the job\'s own parameter; two projects, two locks', () => {
  const r = get('scripted production');
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  const properties = callsOf(r, 'properties');
  assert.is(properties.length, 1, 'the steps never call properties');
  const [[discarder, parameters]] = properties[0]?.args as [[{ symbol: string }, { args: { symbol: string; args: { name: string } }[] }]];
  assert.is(discarder.symbol, 'buildDiscarder');
  assert.equal(parameters.args.map((p) => p.args.name), ['EASTERN_ENVIRONMENT', 'RUN_ROLLBACK']);
  assert.equal(callsOf(r, 'lock').map((c) => (c.args as { resource: string }).resource), ['eastern-production-hello-web', 'eastern-production-worker']);
  assert.is(callsOf(r, 'input').length, 2, 'each production deploy is approved');
  assert.equal(shEnv(r, 'EASTERN_TIMEOUT').slice(-2), ['600', '600']);
  assert.ok(r.log.some((l) => l.startsWith('hello-web released: [gke:[status:0, revision:4')), r.log.join('\n'));
});

test('examples/jenkins/scripted: the rollback switch rolls back instead of deploying', () => {
  const r = get('scripted rollback');
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(callsOf(r, 'stage').map((c) => c.args), [['Roll back hello-web']]);
  assert.ok(callsOf(r, 'sh').every((c) => c.script?.includes(' rollback "$@"')));
  assert.equal(shEnv(r, 'EASTERN_PROJECT'), ['hello-web', 'hello-web']);
});

test('examples/jenkins/declarative: stages in order; the worker stage is skipped for dev', () => {
  const dev = get('declarative dev');
  assert.is(dev.result, 'SUCCESS', dev.error ?? '');
  assert.equal(callsOf(dev, 'stage').map((c) => c.args), [['Preview'], ['Deploy hello-web'], ['Deploy worker']]);
  assert.ok(dev.log.includes('Stage "Deploy worker" skipped due to when conditional'));
  assert.equal(shEnv(dev, 'EASTERN_PROJECT'), ['hello-web', 'hello-web']);
  assert.equal(shEnv(dev, 'IMAGE_TAG_WEB'), ['1.27', '1.27'], 'the pipeline environment block wraps the stages, as in Jenkins');
  const staging = get('declarative staging');
  assert.is(staging.result, 'SUCCESS', staging.error ?? '');
  assert.equal(callsOf(staging, 'lock').map((c) => (c.args as { resource: string }).resource), ['eastern-staging-hello-web', 'eastern-staging-worker']);
  assert.equal(staging.log, [
    'easternDiff: hello-web in staging (namespace staging) on kube1, kube2',
    'easternDeploy: hello-web to staging (namespace staging) on kube1, kube2',
    'easternDeploy: worker to staging (namespace staging) on kube1, kube2',
    'deployed: hello-web to staging: kube1 rev 4, kube2 rev 4 @ 0123456789ab; worker to staging: kube1 rev 4, kube2 rev 4 @ 0123456789ab',
  ]);
});

test.run();
