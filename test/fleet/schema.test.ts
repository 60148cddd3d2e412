import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fleetRouting, loadFleet } from '../../src/fleet/load.js';
import {
  checkFleet,
  DEFAULT_NAMESPACES,
  labelsFor,
  namespaceAllowed,
  parseAgent,
  parseAgentText,
  type AgentDefinition,
} from '../../src/fleet/schema.js';
import { ValidationError } from '../../src/errors.js';
import { agentText } from './agent-text.js';

const minimal = (name: string, extra = '') => agentText(name, ['staging'], extra);

const problemsOf = (text: string, file = 'agents/kube2.yaml') => parseAgentText(text, file).problems;

const schema = suite('fleet schema: one agent file');

schema('a minimal file gets the documented defaults', () => {
  const agent = parseAgent(minimal('kube2'), 'agents/kube2.yaml');
  assert.equal(agent.name, 'kube2');
  assert.equal(agent.kubernetes.namespaces, [...DEFAULT_NAMESPACES]);
  assert.is(agent.kubernetes.context, undefined);
  assert.is(agent.jenkins.executors, 2);
  assert.is(agent.swarm.java, 'java');
  assert.equal(agent.swarm.extraArgs, []);
  assert.is(agent.agent.socket, '/tmp/eastern-agent-kube2/agent.sock');
  assert.is(agent.agent.maxConcurrentDeploys, 2, 'defaults to jenkins.executors');
  assert.is(agent.agent.drainGraceSeconds, 300);
  assert.is(agent.agent.tokenEnv, 'EASTERN_AGENT_TOKEN');
  assert.equal(agent.protect, []);
});

schema('a build user is required unless the file accepts that builds share the agent\'s user; never root', () => {
  assert.equal(problemsOf(minimal('kube2').replace('  user: eastern-build\n', '')).map((p) => p.split(' — ')[0]), ['agents/kube2.yaml: swarm.user: missing: builds run as the Swarm client\'s OS user, and as the agent\'s own user they could read its cluster credentials and the Jenkins password']);
  assert.equal(problemsOf(minimal('kube2').replace('  user: eastern-build\n', '  sameUser: true\n')), []);
  assert.equal(parseAgent(minimal('kube2').replace('  user: eastern-build\n', '  user: 64000\n'), 'agents/kube2.yaml').swarm.user, '64000');
  assert.match(problemsOf(minimal('kube2').replace('  user: eastern-build\n', '  user: root\n')).join('\n'), 'swarm.user: builds must not run as root');
  assert.match(problemsOf(minimal('kube2', 'kubernetes:\n  clusterScopedKinds: [Namespace, clusterrole]\n')).join('\n'), /clusterScopedKinds\[0\]: Namespace objects follow kubernetes\.namespaces[\s\S]*clusterScopedKinds\[1\]: must be a kind/);
  assert.equal(parseAgent(minimal('kube2'), 'agents/kube2.yaml').kubernetes.clusterScopedKinds, [], 'none by default');
});

schema('every problem of a file comes back at once, each naming file, field and fix', () => {
  const problems = problemsOf(`name: kube2
environments: [Staging]
jenkins:
  url: x
  user: eastern
  passwordEnv: s3cr3t-token!
  executors: 0
swarm: {}
protect: [production]
`);
  const expected = [
    'agents/kube2.yaml: environments[0]: must be lower-case letters',
    'agents/kube2.yaml: jenkins.url: must be an http(s) URL, got "x" — fix: ',
    'agents/kube2.yaml: jenkins.passwordEnv: must name an environment variable',
    'agents/kube2.yaml: jenkins.executors: must be a whole number ≥ 1, got number 0',
    'agents/kube2.yaml: swarm.jar: missing',
    'agents/kube2.yaml: swarm.user: missing: builds run as the Swarm client\'s OS user',
    'agents/kube2.yaml: protect[0]: "production" is not one of this agent\'s environments',
  ];
  for (const start of expected) {
    assert.ok(problems.some((p) => p.startsWith(start)), `expected a problem starting with ${JSON.stringify(start)} in:\n${problems.join('\n')}`);
  }
  assert.is(problems.length, expected.length, problems.join('\n'));
  assert.ok(problems.every((p) => p.includes(' — fix: ')), 'every problem says how to fix it');
});

schema('parseAgent throws a ValidationError listing the problems', () => {
  try {
    parseAgent(minimal('kube2').replace('https://jenkins.example.com/', 'ftp://jenkins'), 'agents/kube2.yaml');
    assert.unreachable('should throw');
  } catch (error) {
    assert.instance(error, ValidationError);
    const e = error as ValidationError;
    assert.equal(e.problems, ['agents/kube2.yaml: jenkins.url: must be an http(s) URL, got "ftp://jenkins" — fix: write the Jenkins root URL, e.g. https://jenkins.example.com/']);
    assert.match(e.describe(), /agents\/kube2\.yaml: 1 problem/);
  }
});

schema('the file name must match the name', () => {
  const problems = problemsOf(minimal('kube3'), 'agents/kube2.yaml');
  assert.equal(problems, ['agents/kube2.yaml: name: is "kube3" but the file is named kube2.yaml — fix: rename the file to kube3.yaml or set name: kube2']);
});

schema('unknown fields are reported with a suggestion', () => {
  const problems = problemsOf(minimal('kube2').replace('passwordEnv', 'passwordenv'));
  assert.ok(problems.includes('agents/kube2.yaml: jenkins.passwordenv: unknown field — fix: did you mean jenkins.passwordEnv?'), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('agents/kube2.yaml: jenkins.passwordEnv: missing')));
});

schema('YAML syntax errors carry the line', () => {
  const problems = problemsOf('name: kube2\nenvironments: [staging\n');
  assert.is(problems.length, 1);
  assert.match(problems[0] as string, /^agents\/kube2\.yaml:\d+:\d+: invalid YAML: /);
});

schema('a scalar where a list belongs says how to write the list', () => {
  const problems = problemsOf(minimal('kube2').replace('environments: [staging]', 'environments: staging'));
  assert.equal(problems, ['agents/kube2.yaml: environments: must be a list, got "staging" — fix: write environments: [staging]']);
});

schema('swarm.extraArgs may not repeat options the agent sets itself', () => {
  const problems = problemsOf(`${minimal('kube2')}  extraArgs: ["-fsroot", "/x", "-executors", "4"]\n`);
  assert.equal(problems.length, 1);
  assert.match(problems[0] as string, /^agents\/kube2\.yaml: swarm\.extraArgs\[2\]: -executors is set by eastern agent/);
});

schema('the local API listens on loopback only, and not alongside a socket', () => {
  const open = problemsOf(`${minimal('kube2')}agent:\n  listen: 0.0.0.0:8417\n`);
  assert.equal(open.length, 1);
  assert.match(open[0] as string, /agent\.listen: must be a loopback address/);
  assert.equal(problemsOf(`${minimal('kube2')}agent:\n  listen: 127.0.0.1:8417\n`), []);
  const both = problemsOf(`${minimal('kube2')}agent:\n  listen: 127.0.0.1:8417\n  socket: /run/eastern/a.sock\n`);
  assert.match(both.join('\n'), /agent\.listen: and agent\.socket are both set/);
});

schema('extra Jenkins labels cannot use the eastern prefix', () => {
  const problems = problemsOf(minimal('kube2').replace('  passwordEnv: JENKINS_TOKEN', '  passwordEnv: JENKINS_TOKEN\n  labels: [linux, eastern-env-production]'));
  assert.equal(problems.length, 1);
  assert.match(problems[0] as string, /jenkins\.labels\[1\]: "eastern-env-production" uses the reserved prefix/);
});

schema('approvers without protected environments are a mistake', () => {
  const problems = problemsOf(`${minimal('kube2')}approvers: [ops]\n`);
  assert.match(problems.join('\n'), /approvers: is set but protect is empty/);
});

schema('namespace globs: a plain match is needed and any ! match excludes', () => {
  assert.ok(namespaceAllowed(DEFAULT_NAMESPACES, 'shop'));
  assert.not.ok(namespaceAllowed(DEFAULT_NAMESPACES, 'kube-system'));
  assert.ok(namespaceAllowed(['app-*', 'staging'], 'app-web'));
  assert.not.ok(namespaceAllowed(['app-*', 'staging'], 'web'));
  assert.not.ok(namespaceAllowed(['*', '!kube-*', '!default'], 'default'));
  assert.ok(namespaceAllowed(['team-?'], 'team-a'));
  assert.not.ok(namespaceAllowed(['team-?'], 'team-ab'));
  const problems = problemsOf(minimal('kube2').replace('swarm:', 'kubernetes:\n  namespaces: ["!kube-*"]\nswarm:'));
  assert.match(problems.join('\n'), /kubernetes\.namespaces: only excludes/);
});

schema('labels: eastern, the cluster, each environment, then extra labels', () => {
  const agent = parseAgent(minimal('gke').replace('[staging]', '[staging, production]').replace('passwordEnv: JENKINS_TOKEN', 'passwordEnv: JENKINS_TOKEN\n  labels: [linux]'), 'agents/gke.yaml');
  assert.equal(labelsFor(agent), ['eastern', 'eastern-cluster-gke', 'eastern-env-staging', 'eastern-env-production', 'linux']);
});

schema.run();

const fleet = suite('fleet schema: the whole fleet');

function agent(name: string, environments: string[], protect: string[] = [], approvers: string[] = []): AgentDefinition {
  const extra = `${protect.length ? `protect: [${protect.join(', ')}]\n` : ''}${approvers.length ? `approvers: [${approvers.join(', ')}]\n` : ''}`;
  return parseAgent(minimal(name, extra).replace('[staging]', `[${environments.join(', ')}]`), `agents/${name}.yaml`);
}

fleet('an environment protected by one agent must be protected by all that serve it', () => {
  const problems = checkFleet([agent('a', ['staging', 'production'], ['production']), agent('b', ['production'])]);
  assert.equal(problems, [
    'agents/b.yaml: protect: environment "production" is protected by a but not by b — fix: add production to protect in agents/b.yaml, or remove it from protect in agents/a.yaml',
  ]);
});

fleet('agents protecting the same environment must agree on approvers', () => {
  const problems = checkFleet([agent('a', ['production'], ['production'], ['ops']), agent('b', ['production'], ['production'], ['dev'])]);
  assert.is(problems.length, 1);
  assert.match(problems[0] as string, /^agents\/b\.yaml: approvers: \[dev\] differs from \[ops\] in agents\/a\.yaml/);
});

fleet('names are unique across files', () => {
  const a = agent('a', ['dev']);
  const problems = checkFleet([a, { ...a, file: 'agents/a.yml' }]);
  assert.equal(problems.length, 1);
  assert.match(problems[0] as string, /^agents\/a\.yml: name: "a" is also the name of agents\/a\.yaml/);
});

fleet('routing: unprotected environments first, clusters sorted, labels per cluster', () => {
  const routes = fleetRouting([agent('kube2', ['staging', 'production'], ['production']), agent('kube1', ['dev', 'staging']), agent('gke', ['production'], ['production'])]);
  assert.equal(routes.map((r) => r.name), ['dev', 'staging', 'production']);
  const staging = routes[1];
  assert.equal(staging?.clusters, ['kube1', 'kube2']);
  assert.is(staging?.label, 'eastern-env-staging');
  assert.equal(staging?.clusterLabels, { kube1: 'eastern-cluster-kube1', kube2: 'eastern-cluster-kube2' });
  assert.is(routes[2]?.protected, true);
  assert.is(routes[0]?.protected, false);
});

fleet('loadFleet reads a folder, sorts by name and reports every file\'s problems together', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eastern-fleet-'));
  try {
    writeFileSync(join(dir, 'zeta.yaml'), minimal('zeta'));
    writeFileSync(join(dir, 'alpha.yml'), minimal('alpha'));
    writeFileSync(join(dir, 'README.md'), 'not an agent');
    assert.equal(loadFleet(dir).map((a) => a.name), ['alpha', 'zeta']);

    writeFileSync(join(dir, 'broken.yaml'), minimal('broken').replace('https://jenkins.example.com/', 'nope'));
    writeFileSync(join(dir, 'other.yaml'), minimal('wrong-name'));
    try {
      loadFleet(dir, { cwd: dir });
      assert.unreachable('should throw');
    } catch (error) {
      assert.instance(error, ValidationError);
      const problems = (error as ValidationError).problems;
      assert.is(problems.length, 2, problems.join('\n'));
      assert.match(problems[0] as string, /^broken\.yaml: jenkins\.url: /);
      assert.match(problems[1] as string, /^other\.yaml: name: is "wrong-name"/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

fleet('an empty or missing folder is an error with a fix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eastern-fleet-'));
  try {
    assert.throws(() => loadFleet(dir), (e: unknown) => e instanceof ValidationError && /no agent files/.test(e.message));
    assert.throws(() => loadFleet(join(dir, 'missing')), (e: unknown) => e instanceof ValidationError && /cannot read the fleet folder/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

fleet('the shipped agents are valid and overlap as documented', () => {
  const agents = loadFleet('agents', { cwd: join(import.meta.dirname, '../..') });
  assert.equal(agents.map((a) => a.name), ['gke', 'kube1', 'kube2']);
  assert.equal(agents.find((a) => a.name === 'kube1')?.kubernetes.context, 'kube1');
  assert.equal(agents.find((a) => a.name === 'kube2')?.kubernetes.context, 'kube2');
  const routes = fleetRouting(agents);
  assert.equal(routes.map((r) => [r.name, r.clusters, r.protected]), [
    ['dev', ['kube1'], false],
    ['staging', ['kube1', 'kube2'], false],
    ['production', ['gke', 'kube2'], true],
  ]);
});

fleet.run();
