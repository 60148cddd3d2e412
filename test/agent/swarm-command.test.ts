import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveSettings } from '../../src/agent/settings.js';
import { displayCommand, swarmCommand } from '../../src/agent/swarm-command.js';
import { ValidationError } from '../../src/errors.js';
import { agentFile } from './helpers.js';

const env = { PATH: '/usr/bin', JENKINS_TOKEN: 's3cret-token', XDG_RUNTIME_DIR: '/run/user/1000' };

test('the command line carries every option of the spec, in order, and the extra args last', () => {
  const file = agentFile({ swarm: { jar: '/opt/swarm.jar', java: '/usr/bin/java', extraArgs: ['-webSocket'] } });
  const settings = resolveSettings(file, { cwd: '/srv', env, home: '/home/e' });
  const command = swarmCommand(file, settings, env);
  assert.is(command.file, '/usr/bin/java');
  assert.equal(command.args, [
    '-jar', '/opt/swarm.jar',
    '-url', 'https://jenkins.example.com/',
    '-name', 'kube1',
    '-labelsFile', '/run/user/1000/eastern/kube1.labels',
    '-mode', 'exclusive',
    '-executors', '2',
    '-disableClientsUniqueId',
    '-username', 'eastern-kube1',
    '-passwordEnvVariable', 'JENKINS_TOKEN',
    '-fsroot', '/home/e/.eastern/swarm/kube1',
    '-webSocket',
  ]);
});

test('the password stays in the environment, never in the arguments or the logged line', () => {
  const file = agentFile();
  const command = swarmCommand(file, resolveSettings(file, { cwd: '/', env }), env);
  assert.is(command.env.JENKINS_TOKEN, 's3cret-token');
  assert.not.ok(command.args.some((a) => a.includes('s3cret')));
  assert.not.ok(displayCommand(command).includes('s3cret'));
});

test('builds inherit the cluster, the agent socket, the context and the kubeconfig', () => {
  const file = agentFile();
  const settings = resolveSettings(file, { cwd: '/w', env, kubeconfig: 'kube/config' });
  const command = swarmCommand(file, settings, { ...env, EASTERN_NO_AGENT: '1' });
  assert.is(command.env.EASTERN_CLUSTER, 'kube1');
  assert.is(command.env.EASTERN_AGENT, '/run/user/1000/eastern/kube1.sock');
  assert.is(command.env.EASTERN_KUBE_CONTEXT, 'kube1');
  assert.is(command.env.KUBECONFIG, '/w/kube/config');
  assert.is(command.env.EASTERN_NO_AGENT, undefined);
});

test('in-cluster agents (no context) pass no context', () => {
  const file = agentFile({ kubernetes: {} });
  const command = swarmCommand(file, resolveSettings(file, { cwd: '/', env: {} }), {});
  assert.not.ok('EASTERN_KUBE_CONTEXT' in command.env);
  assert.not.ok('KUBECONFIG' in command.env);
});

test('a password option in swarm.extraArgs is refused with the field path', () => {
  const file = agentFile({ swarm: { jar: 'a.jar', java: 'java', extraArgs: ['-webSocket', '-password', 'x'] } });
  try {
    swarmCommand(file, resolveSettings(file, { cwd: '/', env }), env, 'agents/kube1.yaml');
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.instance(error, ValidationError);
    const e = error as ValidationError;
    assert.match(e.message, 'agents/kube1.yaml: swarm.extraArgs');
    assert.match(e.problems[0] ?? '', 'swarm.extraArgs[1]');
    assert.match(e.fix ?? '', 'JENKINS_TOKEN');
  }
});

test('settings default the socket to $XDG_RUNTIME_DIR, else the home folder', () => {
  const file = agentFile();
  assert.is(resolveSettings(file, { cwd: '/', env: {}, home: '/home/e' }).socketPath, '/home/e/.eastern/run/kube1.sock');
  const s = resolveSettings(file, { cwd: '/', env: { XDG_RUNTIME_DIR: '/run/user/7' } });
  assert.is(s.socketPath, '/run/user/7/eastern/kube1.sock');
  assert.is(s.tokenPath, '/run/user/7/eastern/kube1.sock.token');
  assert.is(s.maxDeploys, 2, 'defaults to the executors');
  assert.is(s.drainMs, 300_000);
});

test('--context wins over kubernetes.context', () => {
  assert.is(resolveSettings(agentFile(), { cwd: '/', env: {}, context: 'other' }).context, 'other');
});

test.run();
