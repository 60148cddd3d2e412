// Tier 3: the generated steps (vars/*.groovy with src/eastern/jenkins, committed for the
// shipped agents) run through the real CPS interpreter in the pipeline harness, with
// recorded steps; assertions are on the calls. Every scenario is also a CPS check: the
// program is serialised and resumed at every step, and no CPS rule may be broken.
// The fleet: dev -> kube1; staging -> kube1 + kube2; production (protected,
// approvers release-managers) -> gke + kube2.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { agentsFromFleet, callsOf, root, runPipelines, type Call, type Scenario, type ScenarioResult } from '../groovy/harness.js';

const agents = agentsFromFleet();
const env = { JOB_NAME: 'shop' };
/** Every deploy writes a result file with revision 5, as `eastern deploy --output json` would. */
const revisionFive = { files: { '${EASTERN_RESULT_FILE}': '{"project": "shop", "revision": 5}' } };
const hostile = `it's "quoted" $(touch /tmp/eastern-pwned) \`id\`; rm -rf / && echo $HOME\nsecond line`;

const scenarios: Scenario[] = [
  { name: 'dev', script: "easternDeploy(environment: 'dev')", env, agents, sh: { rules: [revisionFive] } },
  { name: 'staging', script: 'easternDeploy()', params: { EASTERN_ENVIRONMENT: 'staging' }, env, agents, sh: { rules: [revisionFive] } },
  { name: 'production', script: 'easternDeploy()', params: { EASTERN_ENVIRONMENT: 'production' }, env, agents, sh: { rules: [revisionFive] } },
  { name: 'production rejected', script: 'easternDeploy()', params: { EASTERN_ENVIRONMENT: 'production' }, env, agents, input: 'abort' },
  { name: 'production approval timeout', script: 'easternDeploy()', params: { EASTERN_ENVIRONMENT: 'production' }, env, agents, input: 'timeout' },
  { name: 'first build', script: 'easternDeploy()', env, agents },
  { name: 'first build with environment', script: "easternDeploy(environment: 'dev')", env, agents },
  { name: 'unknown environment', script: 'easternDeploy()', params: { EASTERN_ENVIRONMENT: 'prod' }, env, agents },
  { name: 'unknown environment argument', script: "easternDeploy(environment: 'qa')", env, agents },
  { name: 'registration asked for', script: "easternDeploy(environment: 'dev', registerParameter: true)", env, agents },
  { name: 'namespace refused', script: "easternDeploy(environment: 'staging', namespace: 'default')", env, agents },
  { name: 'namespace invalid', script: "easternDeploy(environment: 'dev', namespace: 'Bad_NS')", env, agents },
  {
    name: 'bad arguments',
    script: "easternDeploy(environment: 'dev', enviroment: 'staging', timeout: 'soon', prune: 'yes')",
    env,
    agents,
  },
  {
    name: 'bad variables',
    script: "easternDeploy(environment: 'dev', file: '-rf', vars: ['BAD-KEY': 'x', NAMESPACE: 'y', LIST: [1, 2]], imageTag: 'a b')",
    env,
    agents,
  },
  {
    name: 'hostile values',
    script: `easternDeploy(environment: 'staging', vars: [EVIL: ${JSON.stringify(hostile).replace(/\$/g, '\\$')}, PLAIN: 'x'], imageTag: '1.2.3', project: 'shop')`,
    env,
    agents,
    sh: { rules: [revisionFive] },
  },
  {
    name: 'one cluster fails',
    script: "easternDeploy(environment: 'staging')",
    env,
    agents,
    sh: { rules: [{ when: { EASTERN_TARGET_CLUSTER: 'kube1' }, status: 3 }, revisionFive] },
  },
  {
    name: 'abort during deploy',
    script: "easternDeploy(environment: 'staging')",
    env,
    agents,
    sh: { rules: [{ when: { EASTERN_TARGET_CLUSTER: 'kube1' }, abort: true }, revisionFive] },
  },
  {
    name: 'job properties survive',
    script: "properties([parameters([easternFleet.environmentParameter(), string(name: 'MINE')]), pipelineTriggers([cron('H * * * *')])])\neasternDeploy(environment: 'dev')\neasternRollback(environment: 'dev')\neasternDiff(environment: 'dev')",
    env,
    agents,
  },
  {
    name: 'older production build, newer staging build passed its milestones',
    script: "easternDeploy(environment: 'production')",
    env,
    agents,
    sh: { rules: [revisionFive] },
    newerBuilds: [{ number: 8, milestones: 1, variables: { EASTERN_LOCKED: 'staging/shop' } }],
  },
  {
    name: 'older staging build, newer build took staging',
    script: "easternDeploy(environment: 'staging')",
    env,
    agents,
    newerBuilds: [{ number: 8, milestones: 1 }, { number: 9, milestones: 1, variables: { EASTERN_LOCKED: 'dev/shop,staging/shop' } }],
  },
  {
    name: 'checkout fails on one cluster',
    script: "easternDeploy(environment: 'production')",
    env,
    agents,
    checkout: { failOn: ['gke'] },
    sh: { rules: [revisionFive] },
  },
  {
    name: 'agent lost on one cluster',
    script: "easternDeploy(environment: 'staging')",
    env,
    agents,
    sh: { rules: [{ when: { EASTERN_TARGET_CLUSTER: 'kube2' }, failure: 'hudson.remoting.ChannelClosedException: Channel "hudson.remoting.Channel@1:kube2": Remote call on kube2 failed' }, revisionFive] },
  },
  { name: 'no scm', script: "easternDeploy(environment: 'production')", env, agents, scm: false },
  { name: 'no scm, no checkout', script: "easternDeploy(environment: 'dev', checkout: false)", env, agents, scm: false },
  {
    name: 'branch moves between checkouts',
    script: "easternDeploy(environment: 'staging')",
    env,
    agents,
    checkout: { commits: ['1111111111111111111111111111111111111111', '2222222222222222222222222222222222222222'] },
  },
  { name: 'agent offline', script: "easternDeploy(environment: 'staging', nodeTimeoutMinutes: 5)", env, agents, offline: ['kube2'] },
  {
    name: 'long deploy',
    script: "easternDeploy(environment: 'dev', nodeTimeoutMinutes: 5)",
    env,
    agents,
    sh: { rules: [{ ...revisionFive, minutes: 30 }] },
  },
  {
    name: 'project from template folder',
    script: "easternDeploy(environment: 'dev', file: 'projects/sentry/kubernetes.yaml')",
    env,
    agents,
  },
  {
    name: 'project from multibranch job',
    script: "easternDeploy(environment: 'dev')",
    env: { JOB_NAME: 'platform/Hello_Web/feature%2Flogin', BRANCH_NAME: 'feature/login' },
    agents,
  },
  {
    name: 'two deploys in one build',
    script: "easternDeploy(environment: 'dev')\neasternDeploy(environment: 'staging')",
    env,
    agents,
    sh: { rules: [revisionFive] },
  },
  {
    name: 'rollback',
    script: "easternRollback(environment: 'production', project: 'shop', to: 3)",
    env,
    agents,
    sh: { rules: [{ files: { '${EASTERN_RESULT_FILE}': '{"revision": 9}' } }] },
  },
  { name: 'rollback bad revision', script: "easternRollback(environment: 'dev', to: 'last')", env, agents },
  { name: 'diff', script: "easternDiff(environment: 'production', imageTag: '2.0')", env, agents },
  {
    name: 'diff fails on changes',
    script: "easternDiff(environment: 'staging', failOnChanges: true)",
    env,
    agents,
    sh: { rules: [{ when: { EASTERN_TARGET_CLUSTER: 'kube2' }, status: 1 }] },
  },
  {
    name: 'environment parameter for properties',
    script: "properties([parameters([easternFleet.environmentParameter(), string(name: 'OTHER')])])\nreturn easternFleet.environments()",
    env,
    agents,
  },
];

let results: Map<string, ScenarioResult>;

function get(name: string): ScenarioResult {
  const result = results.get(name);
  if (!result) throw new Error(`no scenario ${name}`);
  if (result.stack) throw new Error(`scenario ${name} crashed: ${result.error}\n${result.stack}`);
  assert.equal(result.cps, [], `${name}: CPS rules broken`);
  return result;
}

const index = (r: ScenarioResult, step: string): number => r.calls.findIndex((c) => c.step === step);
const inNode = (c: Call): boolean => c.parents.some((p) => p.startsWith('node:'));
const env0 = (c: Call | undefined): Record<string, string> => c?.env ?? {};

/** The constant script a step runs (resources/eastern/<command>.sh). */
function scriptOf(step: string): string {
  const command = { easternDeploy: 'deploy', easternDiff: 'diff', easternRollback: 'rollback' }[step];
  return readFileSync(join(root, `resources/eastern/${command}.sh`), 'utf8');
}
const nodeBranches = (r: ScenarioResult) => callsOf(r, 'parallel').map((c) => c.branches);

const test = suite('generated steps in the pipeline harness');

test.before(async () => {
  const list = await runPipelines(scenarios);
  results = new Map(list.map((r) => [r.name, r]));
});

test('a single-cluster environment runs on its environment label (the only parallel is the agent-wait watchdog)', () => {
  const r = get('dev');
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(nodeBranches(r), [['kube1', 'kube1: waiting for an agent']]);
  const nodes = callsOf(r, 'node');
  assert.equal(nodes.map((n) => [n.args, n.agent]), [[['eastern-env-dev'], 'kube1']]);
  const sh = callsOf(r, 'sh');
  assert.is(sh.length, 1);
  assert.is(sh[0]?.node, 'kube1');
  assert.is(env0(sh[0]).EASTERN_TARGET_CLUSTER, 'kube1');
  assert.is(env0(sh[0]).EASTERN_NAMESPACE, 'dev', 'namespace defaults to the environment');
  assert.is(env0(sh[0]).EASTERN_ENVIRONMENT, 'dev');
  assert.ok(index(r, 'checkout') < index(r, 'sh'), 'checks out before deploying');
  assert.ok(inNode(callsOf(r, 'checkout')[0] as Call));
  assert.is(callsOf(r, 'stash').length, 0, 'one cluster: no stash');
});

test('a multi-cluster environment fans out in parallel, one branch per cluster label, all on one checkout', () => {
  const r = get('staging');
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  const parallel = callsOf(r, 'parallel').find((c) => c.branches?.[0] === 'kube1' && c.branches?.[1] === 'kube2');
  assert.ok(parallel, JSON.stringify(nodeBranches(r)));
  assert.is(parallel?.failFast, false);
  const nodes = callsOf(r, 'node');
  assert.equal(nodes.map((n) => [n.args, n.agent]), [
    [['eastern-cluster-kube1'], 'kube1'],
    [['eastern-cluster-kube1'], 'kube1'],
    [['eastern-cluster-kube2'], 'kube2'],
  ]);
  assert.equal(callsOf(r, 'checkout').map((c) => c.node), ['kube1'], 'checked out once');
  assert.equal(callsOf(r, 'unstash').map((c) => c.node), ['kube1', 'kube2']);
  const sh = callsOf(r, 'sh');
  assert.equal(sh.map((c) => [c.node, env0(c).EASTERN_TARGET_CLUSTER]), [['kube1', 'kube1'], ['kube2', 'kube2']]);
  assert.is(r.description, 'shop to staging: kube1 rev 5, kube2 rev 5 @ 0123456789ab');
});

test('1: the steps never call properties unless asked, so the job\'s own properties survive', () => {
  const mine = get('job properties survive');
  assert.is(mine.result, 'SUCCESS', mine.error ?? '');
  assert.is(callsOf(mine, 'properties').length, 1, 'only the job\'s own call');
  for (const name of ['dev', 'staging', 'production', 'first build', 'hostile values']) {
    assert.is(callsOf(get(name), 'properties').length, 0, name);
  }
  const asked = get('registration asked for');
  assert.is(asked.result, 'SUCCESS', asked.error ?? '');
  const [[parameters]] = callsOf(asked, 'properties')[0]?.args as [[{ symbol: string; args: [{ symbol: string; args: Record<string, unknown> }] }]];
  assert.is(parameters.args[0].symbol, 'choice');
  assert.is(parameters.args[0].args.name, 'EASTERN_ENVIRONMENT');
  assert.equal(parameters.args[0].args.choices, ['dev', 'staging', 'production'], 'unprotected first: the default is never production');
  assert.match(String(parameters.args[0].args.description), /production \(gke, kube2; needs approval\)/);
});

test('first build without the parameter: stops before any node with the one-liner that merges', () => {
  const r = get('first build');
  assert.is(r.result, 'FAILURE');
  assert.match(r.error ?? '', /easternDeploy: no environment chosen: pass environment: '<name>', or give the job the EASTERN_ENVIRONMENT parameter, e\.g\. properties\(\[parameters\(\[easternFleet\.environmentParameter\(\)\]\)\]\) with your own properties/);
  assert.is(callsOf(r, 'node').length, 0);
  const withArgument = get('first build with environment');
  assert.is(withArgument.result, 'SUCCESS', withArgument.error ?? '');
  assert.equal(callsOf(withArgument, 'node').map((n) => n.agent), ['kube1']);
});

test('an unknown environment is rejected before any node, lock or approval', () => {
  for (const name of ['unknown environment', 'unknown environment argument']) {
    const r = get(name);
    assert.is(r.result, 'FAILURE');
    assert.match(r.error ?? '', /^easternDeploy: unknown environment '(prod|qa)'\. Known environments: dev, staging, production/);
    for (const step of ['node', 'lock', 'input', 'milestone', 'sh', 'checkout']) {
      assert.is(callsOf(r, step).length, 0, `${name}: no ${step}`);
    }
  }
});

test('a protected environment asks for approval inside timeout, outside any node, before the lock', () => {
  const r = get('production');
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  const input = callsOf(r, 'input');
  assert.is(input.length, 1);
  assert.equal(input[0]?.parents, ['timeout']);
  assert.is(input[0]?.node, null);
  const args = input[0]?.args as Record<string, string>;
  assert.is(args.submitter, 'release-managers');
  assert.is(args.message, 'Deploy shop to production (gke, kube2)?');
  assert.equal(callsOf(r, 'timeout')[0]?.args, { time: 60, unit: 'MINUTES' });
  assert.ok(index(r, 'input') < index(r, 'lock'), 'approval comes before the lock');
  assert.ok(index(r, 'input') < index(r, 'node'));
  assert.equal(callsOf(r, 'sh').map((n) => n.node), ['gke', 'kube2']);
});

test('no approval for unprotected environments', () => {
  for (const name of ['dev', 'staging']) {
    assert.is(callsOf(get(name), 'input').length, 0, name);
    assert.is(callsOf(get(name), 'timeout').length, 0, name);
  }
});

test('a rejected or timed-out approval aborts the build and nothing is deployed', () => {
  for (const name of ['production rejected', 'production approval timeout']) {
    const r = get(name);
    assert.is(r.result, 'ABORTED', `${name}: ${r.error}`);
    assert.is(r.exception, 'eastern.harness.Aborted', 'the abort is rethrown, not turned into an error');
    assert.is(callsOf(r, 'node').length, 0);
    assert.is(callsOf(r, 'lock').length, 0);
    assert.is(callsOf(r, 'error').length, 0);
  }
  assert.is(get('production approval timeout').error, 'Timeout has been exceeded', 'the timeout step fired (virtual time)');
});

test('2: no milestones; a build for one environment never stops a build for another', () => {
  for (const name of ['dev', 'staging', 'production']) assert.is(callsOf(get(name), 'milestone').length, 0, name);
  const other = get('older production build, newer staging build passed its milestones');
  assert.is(other.result, 'SUCCESS', `a newer staging build must not abort it: ${other.error}`);
  assert.equal(callsOf(other, 'sh').map((c) => c.node), ['gke', 'kube2']);
  assert.equal(callsOf(get('dev'), 'lock').map((c) => c.args), [{ resource: 'eastern-dev-shop', inversePrecedence: true }]);
});

test('2: an older build that gets the lock after a newer one took it (same environment and project) skips, never rolling back', () => {
  const r = get('older staging build, newer build took staging');
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.is(callsOf(r, 'sh').length, 0);
  assert.is(callsOf(r, 'node').length, 0);
  assert.ok(r.log.includes('easternDeploy: skipped: build #9 of this job already took staging/shop (newer builds win)'), r.log.join('\n'));
  assert.is(r.description, 'shop to staging: skipped, build #9 took it');
});

test('3: an infrastructure failure on one cluster is in the description and the error; the others\' results are kept', () => {
  const checkout = get('checkout fails on one cluster');
  assert.is(checkout.result, 'FAILURE');
  // The source is checked out once for every cluster (item 4): its failure is every cluster's, named as such.
  assert.match(checkout.error ?? '', /^easternDeploy: deploying shop to production failed on gke \(checkout on gke: eastern\.harness\.StepError: hudson\.plugins\.git\.GitException: .*\), kube2 \(checkout on gke: /);
  assert.match(checkout.description ?? '', /^shop to production: gke FAILED \(checkout on gke: .*\), kube2 FAILED \(checkout on gke: /);
  assert.is(callsOf(checkout, 'sh').length, 0);
  const lost = get('agent lost on one cluster');
  assert.is(lost.result, 'FAILURE');
  assert.match(lost.error ?? '', /failed on kube2 \(eastern\.harness\.StepError: hudson\.remoting\.ChannelClosedException: .*\); it succeeded on kube1/);
  assert.match(lost.description ?? '', /^shop to staging: kube1 rev 5, kube2 FAILED \(eastern\.harness\.StepError: hudson\.remoting/);
  assert.is(lost.description?.includes('@ 0123456789ab'), true);
});

test('4: a job without scm fails before approval, lock and node; checkout: false needs none', () => {
  const r = get('no scm');
  assert.is(r.result, 'FAILURE');
  assert.match(r.error ?? '', /^easternDeploy: checkout: this job has no `scm`/);
  for (const step of ['input', 'lock', 'node', 'checkout']) assert.is(callsOf(r, step).length, 0, step);
  const without = get('no scm, no checkout');
  assert.is(without.result, 'SUCCESS', without.error ?? '');
  assert.is(callsOf(without, 'checkout').length, 0);
});

test('4: every cluster of a fan-out deploys the same commit, even when the branch moves between checkouts', () => {
  const r = get('branch moves between checkouts');
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(callsOf(r, 'sh').map((c) => env0(c).GIT_COMMIT), ['1111111111111111111111111111111111111111', '1111111111111111111111111111111111111111']);
});

test('6: an agent that never comes fails the wait after nodeTimeoutMinutes, naming label and agent; the other cluster deploys', () => {
  const r = get('agent offline');
  assert.is(r.result, 'FAILURE');
  assert.match(r.error ?? '', /failed on kube2 \(eastern\.harness\.StepError: no agent with label eastern-cluster-kube2 took the job within 5 minutes; is the agent of kube2 running\? Start it on its host: eastern agent start --config agents\/kube2\.yaml\); it succeeded on kube1/);
  assert.equal(callsOf(r, 'sh').map((c) => c.node), ['kube1']);
  const long = get('long deploy');
  assert.is(long.result, 'SUCCESS', `a 30-minute deploy is not cut by the 5-minute node wait: ${long.error}`);
});

test('7: the description names the project', () => {
  assert.is(get('dev').description, 'shop to dev: kube1 rev 5 @ 0123456789ab');
  assert.is(get('two deploys in one build').description, 'shop to dev: kube1 rev 5 @ 0123456789ab; shop to staging: kube1 rev 5, kube2 rev 5 @ 0123456789ab');
});

test('the project comes from the template folder, else the job (the repository of a multibranch job)', () => {
  assert.equal(callsOf(get('project from template folder'), 'lock')[0]?.args, { resource: 'eastern-dev-sentry', inversePrecedence: true });
  assert.is(env0(callsOf(get('project from template folder'), 'sh')[0]).EASTERN_FILE, 'projects/sentry/kubernetes.yaml');
  const multibranch = get('project from multibranch job');
  assert.equal(callsOf(multibranch, 'lock')[0]?.args, { resource: 'eastern-dev-hello-web', inversePrecedence: true });
  assert.is(env0(callsOf(multibranch, 'sh')[0]).EASTERN_PROJECT, 'hello-web');
});

test('the namespace is checked against every target cluster before any node', () => {
  const refused = get('namespace refused');
  assert.is(refused.result, 'FAILURE');
  assert.match(refused.error ?? '', /namespace 'default' is not allowed on cluster kube2 \(its agent accepts: \*, !kube-\*, !default; see agents\/kube2\.yaml kubernetes\.namespaces\)/);
  assert.not.match(refused.error ?? '', /cluster kube1/);
  assert.is(callsOf(refused, 'node').length, 0);
  const invalid = get('namespace invalid');
  assert.match(invalid.error ?? '', /namespace must be a Kubernetes namespace name/);
  assert.is(callsOf(invalid, 'node').length, 0);
});

test('wrong arguments fail with one message naming each problem', () => {
  const r = get('bad arguments');
  assert.is(r.result, 'FAILURE');
  assert.match(r.error ?? '', /^easternDeploy: /);
  assert.match(r.error ?? '', /unknown argument 'enviroment' \(known: file, namespace, environment,/);
  assert.match(r.error ?? '', /timeout must be a whole number, got 'soon'/);
  assert.match(r.error ?? '', /prune must be true or false, got 'yes'/);
  const vars = get('bad variables');
  assert.is(vars.result, 'FAILURE');
  for (const expected of [
    /file must be a template path such as 'kubernetes\.yaml', got '-rf'/,
    /vars: 'BAD-KEY' is not a valid variable name/,
    /vars: NAMESPACE is set from the namespace argument/,
    /vars: LIST must be a string, number or boolean/,
    /imageTag must be a container image tag/,
  ]) {
    assert.match(vars.error ?? '', expected);
  }
  assert.is(callsOf(vars, 'node').length, 0);
});

test('user values reach the shell only through environment variables; the script is a constant resource', () => {
  const r = get('hostile values');
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  const expected = scriptOf('easternDeploy');
  const plain = callsOf(get('dev'), 'sh')[0]?.script;
  for (const sh of callsOf(r, 'sh')) {
    assert.is(sh.script, expected, 'the exact text of resources/eastern/deploy.sh');
    assert.is(sh.script, plain, 'same script whatever the values');
    assert.not.ok(sh.script?.includes('pwned') || sh.script?.includes('rm -rf'), 'no value in the script');
    const env = env0(sh);
    assert.is(env.EASTERN_VAR_COUNT, '3');
    assert.is(env.EASTERN_VAR_0, `EVIL=${hostile}`);
    assert.is(env.EASTERN_VAR_1, 'PLAIN=x');
    assert.is(env.EASTERN_VAR_2, 'IMAGE_TAG=1.2.3');
    assert.is(env.EASTERN_PROJECT, 'shop');
  }
  // Only withEnv and sh carry the value, nothing interpolates it elsewhere.
  const carriers = r.calls.filter((c) => JSON.stringify(c.args).includes('eastern-pwned')).map((c) => c.step);
  assert.equal([...new Set(carriers)], ['withEnv']);
  assert.match(expected, /^#!\/bin\/sh\n/);
  assert.ok(expected.includes('"--set=$value"'));
});

test('a failing cluster fails the build after every branch finished, naming it and the others', () => {
  const r = get('one cluster fails');
  assert.is(r.result, 'FAILURE');
  assert.is(callsOf(r, 'sh').length, 2, 'the other branch still ran');
  assert.is(
    r.error,
    'easternDeploy: deploying shop to staging failed on kube1 (exit 3: the rollout failed); it succeeded on kube2. The [cluster/namespace] lines above show why.',
  );
  assert.is(r.description, 'shop to staging: kube1 FAILED (exit 3), kube2 rev 5 @ 0123456789ab');
});

test('an abort during the deploy is rethrown, never turned into an error; the description still tells', () => {
  const r = get('abort during deploy');
  assert.is(r.result, 'ABORTED', r.error ?? '');
  assert.is(r.exception, 'eastern.harness.Aborted');
  assert.is(callsOf(r, 'error').length, 0);
  assert.match(r.description ?? '', /^shop to staging: kube1 FAILED \(aborted\)/);
});

test('the step returns each cluster\'s status, revision, commit and error', () => {
  const commit = '0123456789abcdef0123456789abcdef01234567';
  assert.equal(get('staging').returned, {
    kube1: { status: 0, revision: '5', commit, error: null },
    kube2: { status: 0, revision: '5', commit, error: null },
  });
});

test('easternRollback: same routing, approval and lock; no checkout; the revision goes in an env variable', () => {
  const r = get('rollback');
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.is((callsOf(r, 'input')[0]?.args as Record<string, string>).message, 'Roll back shop to production (gke, kube2)?');
  assert.equal(callsOf(r, 'lock')[0]?.args, { resource: 'eastern-production-shop', inversePrecedence: true });
  assert.is(callsOf(r, 'checkout').length, 0);
  const sh = callsOf(r, 'sh');
  assert.equal(sh.map((c) => c.node), ['gke', 'kube2']);
  assert.is(sh[0]?.script, scriptOf('easternRollback'));
  assert.is(env0(sh[0]).EASTERN_TO_REVISION, '3');
  assert.is(r.description, 'shop in production: gke rev 9, kube2 rev 9');
  const bad = get('rollback bad revision');
  assert.match(bad.error ?? '', /^easternRollback: to must be a revision number/);
  assert.is(callsOf(bad, 'node').length, 0);
});

test('easternDiff: same routing, read-only (no approval or lock)', () => {
  const r = get('diff');
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  for (const step of ['input', 'lock', 'milestone']) assert.is(callsOf(r, step).length, 0, step);
  assert.equal(callsOf(r, 'sh').map((n) => n.node), ['gke', 'kube2']);
  const sh = callsOf(r, 'sh');
  assert.is(sh[0]?.script, scriptOf('easternDiff'));
  assert.is(env0(sh[0]).EASTERN_VAR_0, 'IMAGE_TAG=2.0');
  assert.is(env0(sh[0]).EASTERN_EXIT_CODE, 'false');
  const gate = get('diff fails on changes');
  assert.is(gate.result, 'FAILURE');
  assert.match(gate.error ?? '', /^easternDiff: diff of shop in staging failed on kube2 \(exit 1: it differs from the templates, or the diff itself failed\); it succeeded on kube1/);
});

test('easternFleet.environmentParameter() and environments() let a job register the parameter with its own', () => {
  const r = get('environment parameter for properties');
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(r.returned, ['dev', 'staging', 'production']);
  const [[parameters]] = callsOf(r, 'properties')[0]?.args as [[{ args: { symbol: string; args: { name: string } }[] }]];
  assert.equal(parameters.args.map((p) => [p.symbol, p.args.name]), [['choice', 'EASTERN_ENVIRONMENT'], ['string', 'OTHER']]);
});

test.run();
