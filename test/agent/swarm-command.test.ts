import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseHostPort, resolveSettings } from '../../src/agent/settings.js';
import { displayCommand, swarmCommand } from '../../src/agent/swarm-command.js';
import { agentDefinition } from './helpers.js';

const env = { PATH: '/usr/bin', JENKINS_TOKEN: 's3cret-token' };

test('the command line carries every option of the spec, in order, and the extra args last', () => {
  const agent = agentDefinition({ swarm: { jar: '/opt/swarm.jar', java: '/usr/bin/java', extraArgs: ['-webSocket'] }, agent: { socket: '/run/eastern/kube1.sock' } });
  const settings = resolveSettings(agent, { cwd: '/srv', env, home: '/home/e' });
  const command = swarmCommand(agent, settings, env);
  assert.is(command.file, '/usr/bin/java');
  assert.equal(command.args, [
    '-jar', '/opt/swarm.jar',
    '-url', 'https://jenkins.example.com/',
    '-name', 'kube1',
    '-labelsFile', '/run/eastern/kube1.labels',
    '-mode', 'exclusive',
    '-executors', '2',
    '-disableClientsUniqueId',
    '-username', 'eastern-kube1',
    '-passwordEnvVariable', 'JENKINS_TOKEN',
    '-fsroot', '/home/e/.eastern/swarm/kube1',
    '-webSocket',
  ]);
});

test('an -fsroot in swarm.extraArgs is used instead of the default, not repeated', () => {
  const agent = agentDefinition({ swarm: { jar: 'a.jar', extraArgs: ['-fsroot', 'ws', '-retry', '3'] } });
  const settings = resolveSettings(agent, { cwd: '/srv', env });
  const command = swarmCommand(agent, settings, env);
  assert.is(command.args.filter((a) => a === '-fsroot').length, 1);
  assert.is(settings.workDir, '/srv/ws');
  assert.equal(command.args.slice(-4), ['-fsroot', 'ws', '-retry', '3']);
  assert.is(command.file, 'java', 'swarm.java defaults to java');
});

test('the password stays in the environment, never in the arguments or the logged line', () => {
  const agent = agentDefinition();
  const command = swarmCommand(agent, resolveSettings(agent, { cwd: '/', env }), env);
  assert.is(command.env.JENKINS_TOKEN, 's3cret-token');
  assert.not.ok(command.args.some((a) => a.includes('s3cret')));
  assert.not.ok(displayCommand(command).includes('s3cret'));
});

test('builds inherit the cluster, the agent socket, the context and the kubeconfig', () => {
  const agent = agentDefinition();
  const settings = resolveSettings(agent, { cwd: '/w', env, kubeconfig: 'kube/config' });
  const command = swarmCommand(agent, settings, { ...env, EASTERN_NO_AGENT: '1' });
  assert.is(command.env.EASTERN_CLUSTER, 'kube1');
  assert.is(command.env.EASTERN_AGENT, '/tmp/eastern-agent-kube1/agent.sock', 'the schema default socket');
  assert.is(command.env.EASTERN_CONTEXT, 'kube1');
  assert.is(command.env.KUBECONFIG, '/w/kube/config');
  assert.is(command.env.EASTERN_NO_AGENT, undefined);
  assert.is(command.env.EASTERN_AGENT_TOKEN, undefined, 'socket mode: the token is a file, not a variable');
  // Its own agent file, absolute: `eastern deploy` reads the check levels of the build's environment there.
  assert.is(command.env.EASTERN_AGENT_FILE, `/w/${agent.file}`);
});

test('in-cluster agents (no context, no kubeconfig) pass neither', () => {
  const agent = agentDefinition({ kubernetes: {} });
  const command = swarmCommand(agent, resolveSettings(agent, { cwd: '/', env: {} }), {});
  assert.not.ok('EASTERN_CONTEXT' in command.env);
  assert.not.ok('KUBECONFIG' in command.env);
});

test('listen mode: builds reach the agent over loopback with the token in EASTERN_AGENT_TOKEN', () => {
  const agent = agentDefinition({ agent: { listen: '127.0.0.1:8417', tokenEnv: 'MY_AGENT_TOKEN' } });
  const settings = resolveSettings(agent, { cwd: '/', env });
  assert.is(settings.socket, undefined);
  const command = swarmCommand(agent, settings, { ...env, MY_AGENT_TOKEN: 'tok' });
  assert.is(command.env.EASTERN_AGENT, 'http://127.0.0.1:8417');
  assert.is(command.env.EASTERN_AGENT_TOKEN, 'tok');
});

test('settings: token and labels next to the socket, limits from the agent section', () => {
  const agent = agentDefinition({ agent: { socket: '/run/eastern/kube1.sock', maxConcurrentDeploys: 3, drainGraceSeconds: 20, health: '0.0.0.0:8417' } });
  const s = resolveSettings(agent, { cwd: '/', env: {} });
  assert.equal(s.socket, { path: '/run/eastern/kube1.sock', tokenPath: '/run/eastern/kube1.sock.token' });
  assert.is(s.labelsPath, '/run/eastern/kube1.labels');
  assert.is(s.maxDeploys, 3);
  assert.is(s.drainMs, 20_000);
  assert.equal(s.health, { host: '0.0.0.0', port: 8417 });
  assert.is(resolveSettings(agentDefinition(), { cwd: '/', env: {} }).maxDeploys, 2, 'defaults to the executors');
});

test('--context wins over kubernetes.context; --kubeconfig over $KUBECONFIG', () => {
  const s = resolveSettings(agentDefinition(), { cwd: '/x', env: { KUBECONFIG: '/env/config' }, context: 'other', kubeconfig: 'k' });
  assert.is(s.context, 'other');
  assert.is(s.kubeconfig, '/x/k');
  assert.is(resolveSettings(agentDefinition(), { cwd: '/x', env: { KUBECONFIG: '/env/config' } }).kubeconfig, '/env/config');
});

test('host:port forms', () => {
  assert.equal(parseHostPort('127.0.0.1:80'), { host: '127.0.0.1', port: 80 });
  assert.equal(parseHostPort('[::1]:81'), { host: '::1', port: 81 });
  assert.equal(parseHostPort(':82'), { host: '0.0.0.0', port: 82 });
});

test.run();
