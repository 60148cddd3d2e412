// The agent in-process (startAgent) with the stand-in Swarm client and the real
// template engine; the cluster is answered by a probe double (the real cluster is in
// agent.int.test.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { runViaAgent } from '../../src/agent/client.js';
import { runCommand } from '../../src/agent/commands.js';
import type { ClusterProbe } from '../../src/agent/cluster.js';
import { startAgent, type RunningAgent, type StartAgentOptions } from '../../src/agent/runtime.js';
import type { CommandRunner } from '../../src/agent/server.js';
import { run as generate } from '../../src/commands/generate.js';
import { ClusterError, ValidationError, toReport } from '../../src/errors.js';
import { askAgent, isAlive, readRecord, repoRoot, sink, standIn, standInJar, tempDir, waitFor } from './helpers.js';

const password = 'jenkins-api-token-for-tests';

const probe = (): ClusterProbe => ({
  info: { context: 'kube1', server: 'https://kube1.test:6443', origin: 'test double' },
  version: async () => 'v1.33.1',
  discovery: async () => ({}),
});

interface Started {
  dir: { path: string; remove(): void };
  agent: RunningAgent;
  socket: string;
  token: string;
  record: string;
  logged: string[];
  env: NodeJS.ProcessEnv;
}

async function start(fields: Record<string, unknown> = {}, overrides: Partial<StartAgentOptions> = {}, extraEnv: Record<string, string> = {}): Promise<Started> {
  const dir = tempDir();
  mkdirSync(join(dir.path, 'agents'));
  const socket = join(dir.path, 'run', 'kube1.sock');
  const definition = {
    name: 'kube1',
    environments: ['staging', 'qa'],
    kubernetes: { context: 'kube1', namespaces: ['app-*', 'staging'] },
    jenkins: { url: 'https://jenkins.example.com/', user: 'eastern-kube1', passwordEnv: 'JENKINS_TOKEN', executors: 2 },
    swarm: { jar: standInJar, java: standIn, extraArgs: [], sameUser: true },
    agent: { socket, drainGraceSeconds: 5 },
    ...fields,
  };
  writeFileSync(join(dir.path, 'agents', 'kube1.yaml'), yaml.dump(definition));
  const record = join(dir.path, 'record.jsonl');
  const env = { PATH: process.env.PATH ?? '', HOME: dir.path, JENKINS_TOKEN: password, SWARM_STANDIN_RECORD: record, NO_COLOR: '1', ...extraEnv };
  const logged: string[] = [];
  const agent = await startAgent({
    config: 'agents/kube1.yaml',
    cwd: dir.path,
    env,
    home: dir.path,
    log: (l) => logged.push(l),
    connect: async () => probe(),
    ...overrides,
  }).catch((error: unknown) => {
    dir.remove();
    throw error;
  });
  const token = readFileSync(`${socket}.token`, 'utf8').trim();
  return { dir, agent, socket, token, record, logged, env };
}

async function stop(s: Started) {
  await s.agent.shutdown('test over');
  s.dir.remove();
}

test('start: labels file, a 0600 socket in a 0700 folder, a 0600 token, and the client with the spec arguments', async () => {
  const s = await start();
  try {
    assert.is(statSync(join(s.dir.path, 'run')).mode & 0o777, 0o700);
    assert.ok(statSync(s.socket).isSocket());
    assert.is(statSync(s.socket).mode & 0o777, 0o600);
    assert.is(statSync(`${s.socket}.token`).mode & 0o777, 0o600);
    assert.match(s.token, /^[0-9a-f]{64}$/);
    assert.is(readFileSync(join(s.dir.path, 'run', 'kube1.labels'), 'utf8'), 'eastern eastern-cluster-kube1 eastern-env-staging eastern-env-qa\n');
    const [first] = await waitFor('the client to start', () => readRecord(s.record).length > 0 && readRecord(s.record));
    const argv = first?.argv ?? [];
    const value = (name: string) => argv[argv.indexOf(name) + 1];
    assert.is(value('-url'), 'https://jenkins.example.com/');
    assert.is(value('-name'), 'kube1');
    assert.is(value('-labelsFile'), join(s.dir.path, 'run', 'kube1.labels'));
    assert.is(value('-mode'), 'exclusive');
    assert.is(value('-executors'), '2');
    assert.is(value('-username'), 'eastern-kube1');
    assert.is(value('-passwordEnvVariable'), 'JENKINS_TOKEN');
    assert.is(value('-fsroot'), join(s.dir.path, '.eastern', 'swarm', 'kube1'));
    assert.ok(argv.includes('-disableClientsUniqueId'));
    assert.is(first?.labels, 'eastern eastern-cluster-kube1 eastern-env-staging eastern-env-qa\n', 'the labels file existed when the client started');
    assert.is(first?.env?.EASTERN_AGENT, s.socket);
    assert.ok(s.logged.some((l) => l.includes('cluster kube1 answers: Kubernetes v1.33.1')));
  } finally {
    await stop(s);
  }
  assert.not.ok(s.logged.join('\n').includes(password), 'the password is not logged');
});

test('a build-like child of the client sees EASTERN_CLUSTER, EASTERN_AGENT and the context', async () => {
  const script = `node -e 'process.stdout.write(JSON.stringify({cluster: process.env.EASTERN_CLUSTER, agent: process.env.EASTERN_AGENT, context: process.env.EASTERN_CONTEXT}))'`;
  const s = await start({}, {}, { SWARM_STANDIN_BUILD: script });
  try {
    const build = await waitFor('the build to finish', () => readRecord(s.record).find((e) => e.type === 'build'));
    assert.is(build.code, 0);
    assert.equal(JSON.parse(build.stdout ?? '{}'), { cluster: 'kube1', agent: s.socket, context: 'kube1' });
    assert.ok(s.logged.includes('[swarm] INFO: build finished with exit code 0'), 'client output is forwarded with a prefix');
  } finally {
    await stop(s);
  }
});

async function both(command: 'generate' | 'render', options: Record<string, unknown>, s: Started) {
  const viaOut = sink();
  const viaErr = sink();
  const env = { ...s.env, EASTERN_AGENT: s.socket };
  const via = await runViaAgent(command, { cwd: repoRoot, env, ...options }, { stdout: viaOut, stderr: viaErr });
  const soloOut = sink();
  const soloErr = sink();
  const solo = await generate({ cwd: repoRoot, env, ...options, io: { stdout: soloOut, stderr: soloErr } } as never).catch((error) => {
    // main() reports thrown errors the same way the agent does.
    const report = toReport(error);
    soloErr.write(`${report.text}\n`);
    return report.exitCode;
  });
  return { via: { code: via, out: viaOut.text(), err: viaErr.text() }, solo: { code: solo, out: soloOut.text(), err: soloErr.text() } };
}

test('a render through the agent gives the same stdout, stderr and exit code as a standalone generate', async () => {
  const s = await start();
  try {
    const ok = await both('generate', { positional: { file: 'examples/hello-web/kubernetes.yaml', namespace: 'staging' }, set: ['IMAGE_TAG=1.2.3'] }, s);
    assert.is(ok.via.code, 0);
    assert.ok(ok.via.out.includes('kind: Deployment'), 'rendered the example');
    assert.equal(ok.via, ok.solo);
    const failing = await both('generate', { positional: { file: 'examples/hello-web/no-such.yaml' } }, s);
    assert.is(failing.via.code, 1);
    assert.match(failing.via.err, 'no-such.yaml');
    assert.equal(failing.via, failing.solo);
    const multi = await both('render', { file: ['examples/hello-web/kubernetes.yaml', 'examples/worker/kubernetes.yaml'], namespace: 'qa', set: ['IMAGE_TAG=2'] }, s);
    assert.is(multi.via.code, 0);
    assert.equal(multi.via, multi.solo);
  } finally {
    await stop(s);
  }
});

test('requests without the token or with a wrong one are refused; health needs none', async () => {
  const s = await start();
  try {
    const body = { command: 'generate', options: { positional: { file: 'x.yaml' } }, cwd: '/', env: {}, tty: {} };
    const none = await askAgent(s.socket, 'POST', '/render', { body });
    assert.is(none.status, 401);
    assert.match(none.json().error, 'token');
    const wrong = await askAgent(s.socket, 'POST', '/render', { body, token: 'f'.repeat(64) });
    assert.is(wrong.status, 401);
    assert.is((await askAgent(s.socket, 'GET', '/status', { token: 'abc' })).status, 401);
    const status = await askAgent(s.socket, 'GET', '/status', { token: s.token });
    assert.is(status.status, 200);
    assert.is(status.json().agent, 'kube1');
    assert.is(status.json().swarm.starts, 1);
    assert.is((await askAgent(s.socket, 'GET', '/healthz')).status, 200);
    assert.ok(s.logged.some((l) => l.includes('[audit] request="POST /render" result="refused (missing or wrong token)"')), s.logged.join('\n'));
  } finally {
    await stop(s);
  }
});

test('another user cannot even connect to the socket', async () => {
  if (process.getuid?.() !== 0 || spawnSync('setpriv', ['--version']).status !== 0) {
    // Only root can switch users here; the mode assertions above still hold.
    console.log('  (not root: the other-user connect is not attempted)');
    return;
  }
  const s = await start();
  try {
    const script = `require('net').connect(${JSON.stringify(s.socket)}).on('connect',()=>{console.log('CONNECTED');process.exit(0)}).on('error',e=>{console.log(e.code);process.exit(2)})`;
    const result = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '-e', script], { encoding: 'utf8' });
    assert.is(result.stdout.trim(), 'EACCES', `${result.stdout}${result.stderr}`);
    assert.is(result.status, 2);
  } finally {
    await stop(s);
  }
});

test('a namespace outside the allow-list is refused before anything is rendered', async () => {
  const calls: string[] = [];
  const recording: CommandRunner = (command, options, io) => {
    calls.push(`${command} ${options.namespace}`);
    return runCommand(command, options, io);
  };
  const s = await start({}, { runCommand: recording });
  try {
    // A template that cannot render: were it rendered, the error would be a template error.
    writeFileSync(join(s.dir.path, 'broken.yaml'), 'kind: ConfigMap\nname: ${UNDEFINED_VARIABLE}\n');
    const err = sink();
    const code = await runViaAgent('deploy', { cwd: s.dir.path, env: { ...s.env, EASTERN_AGENT: s.socket }, file: 'broken.yaml', namespace: 'kube-system' }, { stdout: sink(), stderr: err });
    assert.is(code, 1);
    assert.match(err.text(), 'error: namespace "kube-system" is not in the allow-list of agent kube1 (agents/kube1.yaml: kubernetes.namespaces: app-*, staging)');
    assert.match(err.text(), 'fix: deploy to an allowed namespace');
    assert.not.match(err.text(), 'UNDEFINED_VARIABLE');
    assert.equal(calls, [], 'the deploy command never ran');
    const other = await runViaAgent('deploy', { cwd: s.dir.path, env: { ...s.env, EASTERN_AGENT: s.socket }, file: 'broken.yaml', namespace: 'default' }, { stdout: sink(), stderr: sink() });
    assert.is(other, 1);
    assert.equal(calls, [], 'not even "default" (not in this list)');
    await runViaAgent('deploy', { cwd: s.dir.path, env: { ...s.env, EASTERN_AGENT: s.socket }, file: 'broken.yaml', namespace: 'app-1' }, { stdout: sink(), stderr: sink() });
    assert.equal(calls, ['deploy app-1'], 'an allowed namespace reaches the deploy command');
  } finally {
    await stop(s);
  }
});

test('readyz answers 200 once the client is connected, and 503 while it is down', async () => {
  const s = await start();
  try {
    const ready = await waitFor('readiness', async () => {
      const r = await askAgent(s.socket, 'GET', '/readyz');
      return r.status === 200 && r;
    });
    assert.is(ready.json().cluster.version, 'v1.33.1');
    assert.is(ready.json().swarm.connected, true);
  } finally {
    await stop(s);
  }
});

test('the client crash-loop shows in readyz, and the restart waits with backoff', async () => {
  const s = await start({}, { backoff: { initialMs: 60_000, maxMs: 60_000, resetAfterMs: 60_000 } }, {});
  try {
    await waitFor('connected', () => s.agent.supervisor.state().connected);
    const pid = s.agent.supervisor.state().pid as number;
    process.kill(pid, 'SIGKILL');
    await waitFor('the restart wait', () => s.agent.supervisor.state().status === 'waiting');
    const r = await askAgent(s.socket, 'GET', '/readyz');
    assert.is(r.status, 503);
    assert.is(r.json().swarm.running, false);
    assert.is(r.json().ready, false);
    assert.ok(s.logged.some((l) => /Swarm client exited after .* \(killed by SIGKILL\); restarting in 60s/.test(l)), s.logged.join('\n'));
  } finally {
    await stop(s);
  }
});

test('SIGTERM drain: running work finishes, new work gets 503, then the client and the socket are gone', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slow: CommandRunner = async (_command, _options, io) => {
    io.stderr.write('  0.0s [kube1/app-1] applying\n');
    await gate;
    io.stderr.write('  1.0s [kube1/app-1] rolled out\n');
    io.stdout.write('done\n');
    return 0;
  };
  const s = await start({}, { runCommand: slow });
  try {
    const pid = await waitFor('a client pid', () => s.agent.supervisor.state().pid);
    const out = sink();
    const err = sink();
    const deploy = runViaAgent('deploy', { cwd: s.dir.path, env: { ...s.env, EASTERN_AGENT: s.socket }, file: 'k.yaml', namespace: 'app-1' }, { stdout: out, stderr: err });
    await waitFor('the deploy to run', () => err.text().includes('applying'));
    const stopped = s.agent.shutdown('SIGTERM received');
    const refused = sink();
    const second = await runViaAgent('deploy', { cwd: s.dir.path, env: { ...s.env, EASTERN_AGENT: s.socket }, file: 'k.yaml', namespace: 'app-2' }, { stdout: sink(), stderr: refused });
    assert.is(second, 1);
    assert.match(refused.text(), 'agent kube1 is shutting down');
    assert.ok(isAlive(pid), 'the client stays up while the deploy runs');
    assert.is((await askAgent(s.socket, 'GET', '/readyz')).status, 503);
    release();
    assert.is(await deploy, 0);
    assert.is(out.text(), 'done\n');
    assert.match(err.text(), 'rolled out');
    assert.is(await stopped, 0);
    assert.not.ok(isAlive(pid), 'the Swarm client is gone');
    assert.not.ok(existsSync(s.socket), 'the socket is removed');
    assert.not.ok(existsSync(`${s.socket}.token`), 'the token is removed');
    assert.ok(s.logged.some((l) => l.includes('waiting up to 5s for 1 running command(s)')));
  } finally {
    s.dir.remove();
  }
});

test('a deploy that outlives the grace period: exit 1, and the caller hears the agent went away', async () => {
  const never: CommandRunner = () => new Promise(() => {});
  const t = await start({}, { runCommand: never });
  try {
    // drainGraceSeconds: 5 in the file; hurry() stands in for the second signal.
    const err = sink();
    const deploy = runViaAgent('deploy', { cwd: t.dir.path, env: { ...t.env, EASTERN_AGENT: t.socket }, file: 'k.yaml', namespace: 'app-1' }, { stdout: sink(), stderr: err });
    await waitFor('the deploy to be running', () => t.agent.server.jobList().length === 1);
    const stopped = t.agent.shutdown('SIGTERM received');
    t.agent.hurry();
    assert.is(await stopped, 1);
    assert.is(await deploy, 1);
    assert.match(err.text(), 'stopped before the deploy finished');
    assert.ok(t.logged.some((l) => l.includes('stopping with 1 command(s) still running')));
  } finally {
    t.dir.remove();
  }
});

test('a second agent on the same socket is refused while the first runs', async () => {
  const s = await start();
  try {
    await startAgent({ config: 'agents/kube1.yaml', cwd: s.dir.path, env: s.env, home: s.dir.path, log: () => {}, connect: async () => probe() }).then(
      () => assert.unreachable('the second agent started'),
      (error) => assert.match((error as Error).message, 'another agent is already serving'),
    );
    assert.is((await askAgent(s.socket, 'GET', '/healthz')).status, 200, 'the first one still serves');
  } finally {
    await stop(s);
  }
});

test('SIGHUP rewrites the labels file from the edited agent file', async () => {
  const s = await start();
  try {
    const path = join(s.dir.path, 'agents', 'kube1.yaml');
    const doc = yaml.load(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, yaml.dump({ ...doc, environments: ['staging', 'qa', 'perf'] }));
    s.agent.reloadLabels();
    assert.is(readFileSync(join(s.dir.path, 'run', 'kube1.labels'), 'utf8'), 'eastern eastern-cluster-kube1 eastern-env-staging eastern-env-qa eastern-env-perf\n');
  } finally {
    await stop(s);
  }
});

test('start refuses a missing password variable, jar and java with one list of problems, and starts nothing', async () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir.path, 'agents'));
    writeFileSync(join(dir.path, 'agents', 'kube1.yaml'), yaml.dump({
      name: 'kube1', environments: ['qa'], jenkins: { url: 'https://j.example/', user: 'u', passwordEnv: 'JENKINS_TOKEN' },
      swarm: { jar: join(dir.path, 'missing.jar'), java: 'no-such-java-binary', sameUser: true }, agent: { socket: join(dir.path, 'run', 'a.sock') },
    }));
    const error = await startAgent({ config: 'agents/kube1.yaml', cwd: dir.path, env: { PATH: '/usr/bin' }, log: () => {}, connect: async () => probe() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.instance(error, ValidationError);
    const problems = (error as ValidationError).problems.join('\n');
    assert.match(problems, 'jenkins.passwordEnv: $JENKINS_TOKEN is not set');
    assert.match(problems, 'swarm.jar:');
    assert.match(problems, 'swarm.java: "no-such-java-binary" is not an executable on PATH');
    assert.not.ok(existsSync(join(dir.path, 'run')), 'nothing was created');
  } finally {
    dir.remove();
  }
});

test('an unreachable cluster at start: ClusterError naming the file, cluster, server and fix; nothing started', async () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir.path, 'agents'));
    // A kubeconfig whose server refuses connections (nothing listens on port 1).
    writeFileSync(join(dir.path, 'kubeconfig'), yaml.dump({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'dead',
      clusters: [{ name: 'dead', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 'x' } }],
      contexts: [{ name: 'dead', context: { cluster: 'dead', user: 'u' } }],
    }));
    writeFileSync(join(dir.path, 'agents', 'kube1.yaml'), yaml.dump({
      name: 'kube1', environments: ['qa'], kubernetes: { context: 'dead', kubeconfig: 'kubeconfig' },
      jenkins: { url: 'https://j.example/', user: 'u', passwordEnv: 'JENKINS_TOKEN' },
      swarm: { jar: standInJar, java: standIn, sameUser: true }, agent: { socket: join(dir.path, 'run', 'a.sock') },
    }));
    const record = join(dir.path, 'record.jsonl');
    const t0 = Date.now();
    const error = await startAgent({ config: 'agents/kube1.yaml', cwd: dir.path, env: { PATH: process.env.PATH, JENKINS_TOKEN: 'x', SWARM_STANDIN_RECORD: record }, log: () => {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.instance(error, ClusterError);
    const e = error as ClusterError;
    assert.match(e.message, 'agents/kube1.yaml: cluster kube1 does not answer at https://127.0.0.1:1 (context dead');
    assert.match(e.message, 'ECONNREFUSED');
    assert.match(e.fix ?? '', 'restarts');
    assert.is(e.exitCode, 1);
    // Loading the Kubernetes client alone takes seconds on a busy machine; the point is no endless retrying.
    assert.ok(Date.now() - t0 < 30_000, `fails fast (took ${Date.now() - t0} ms)`);
    assert.not.ok(existsSync(record), 'the Swarm client was not started');
    assert.not.ok(existsSync(join(dir.path, 'run', 'a.sock')));
  } finally {
    dir.remove();
  }
});

test.run();
