// The local API server alone, on a real socket, with a command runner the test
// controls (so queueing and locking can be observed step by step).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { runViaAgent } from '../../src/agent/client.js';
import { namespaceAllowed } from '../../src/fleet/schema.js';
import { AgentServer, type CommandRunner } from '../../src/agent/server.js';
import { listenPrivate, writeToken } from '../../src/agent/socket.js';
import { askAgent, sink, tempDir, waitFor } from './helpers.js';

interface Gate {
  open(): void;
  wait: Promise<void>;
}
const gate = (): Gate => {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { open, wait };
};

async function serve(runCommand: CommandRunner, maxDeploys = 2) {
  const dir = tempDir();
  const socket = join(dir.path, 'run', 'a.sock');
  const token = 'ab'.repeat(32);
  const logged: string[] = [];
  const server = new AgentServer({
    name: 'kube1',
    configPath: 'agents/kube1.yaml',
    token,
    allowNamespace: (ns) => namespaceAllowed(['*', '!kube-*'], ns),
    namespacePolicy: '*, !kube-*',
    maxDeploys,
    runCommand,
    clusterHealth: async () => ({ reachable: true, version: 'v1.33.1' }),
    swarmState: () => undefined,
    log: (l) => logged.push(l),
  });
  await listenPrivate(server.http, socket);
  writeToken(`${socket}.token`, token);
  const deploy = (file: string, namespace: string, extra: Record<string, unknown> = {}) => {
    const err = sink();
    const out = sink();
    const code = runViaAgent('deploy', { cwd: dir.path, env: { EASTERN_AGENT: socket, NO_COLOR: '1' }, file, namespace, ...extra }, { stdout: out, stderr: err });
    return { code, err, out };
  };
  return {
    server,
    socket,
    token,
    logged,
    deploy,
    async close() {
      await server.close();
      dir.remove();
    },
  };
}

test('two deploys of one project and namespace run one after the other, with a message', async () => {
  const gates = new Map<string, Gate>();
  const started: string[] = [];
  const s = await serve(async (_c, options) => {
    const id = String(options.set);
    started.push(id);
    const g = gate();
    gates.set(id, g);
    await g.wait;
    return 0;
  });
  try {
    const first = s.deploy('shop/kubernetes.yaml', 'app', { set: ['first'] });
    await waitFor('the first to start', () => started.length === 1);
    const second = s.deploy('shop/kubernetes.yaml', 'app', { set: ['second'] });
    await waitFor('the second to wait', () => second.err.text().includes('waiting'));
    assert.match(second.err.text(), /^\s+\d+\.\ds \[kube1\/app\] waiting for another deploy of shop to app on agent kube1\n$/);
    assert.equal(s.server.jobList().map((j) => [j.project, j.state]), [['shop', 'running'], ['shop', 'waiting-for-lock']]);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(started, ['first'], 'the second has not started');
    gates.get('first')?.open();
    assert.is(await first.code, 0);
    await waitFor('the second to start', () => started.length === 2);
    gates.get('second')?.open();
    assert.is(await second.code, 0);
  } finally {
    await s.close();
  }
});

test('--name decides the project: same folder, other names run side by side', async () => {
  const g = gate();
  let running = 0;
  let most = 0;
  const s = await serve(async () => {
    running += 1;
    most = Math.max(most, running);
    await g.wait;
    running -= 1;
    return 0;
  });
  try {
    const a = s.deploy('shop/k.yaml', 'app', { name: 'a' });
    const b = s.deploy('shop/k.yaml', 'app', { name: 'b' });
    await waitFor('both to run', () => running === 2);
    g.open();
    assert.equal([await a.code, await b.code], [0, 0]);
    assert.is(most, 2);
  } finally {
    await s.close();
  }
});

test('beyond the limit, deploys queue and say so; they start as slots free up', async () => {
  const gates: Gate[] = [];
  const s = await serve(async () => {
    const g = gate();
    gates.push(g);
    await g.wait;
    return 0;
  }, 2);
  try {
    const a = s.deploy('a/k.yaml', 'app');
    const b = s.deploy('b/k.yaml', 'app');
    await waitFor('two running', () => gates.length === 2);
    const c = s.deploy('c/k.yaml', 'app');
    await waitFor('the third to queue', () => c.err.text().includes('waiting'));
    assert.match(c.err.text(), 'waiting for a deploy slot on agent kube1 (2 running, limit 2, 0 queued ahead)');
    const status = await askAgent(s.socket, 'GET', '/status', { token: s.token });
    assert.equal(status.json().jobs.map((j: { state: string }) => j.state), ['running', 'running', 'queued']);
    gates[0]?.open();
    await waitFor('the third to start', () => gates.length === 3);
    gates[1]?.open();
    gates[2]?.open();
    assert.equal([await a.code, await b.code, await c.code], [0, 0, 0]);
  } finally {
    await s.close();
  }
});

test('waiting longer than --lock-timeout for the in-process lock fails like a lock error', async () => {
  const g = gate();
  const s = await serve(async () => {
    await g.wait;
    return 0;
  });
  try {
    const first = s.deploy('shop/k.yaml', 'app');
    await waitFor('the first to run', () => s.server.jobList().length === 1);
    const second = s.deploy('shop/k.yaml', 'app', { lockTimeout: 0.1 });
    assert.is(await second.code, 1);
    assert.match(second.err.text(), 'error: another deploy of shop to app still runs on agent kube1 after 0.1s');
    assert.match(second.err.text(), 'fix: wait for it to finish, or raise --lock-timeout');
    g.open();
    assert.is(await first.code, 0);
  } finally {
    await s.close();
  }
});

test('stdout and stderr frames keep their order and content; a thrown error is reported like the CLI does', async () => {
  const s = await serve(async (_c, options, io) => {
    if (options.namespace === 'boom') throw new Error('kaput');
    io.stderr.write('progress 1\n');
    io.stdout.write('{"a":1}\n');
    io.stderr.write('progress 2\n');
    return 3;
  });
  try {
    const ok = s.deploy('p/k.yaml', 'app');
    assert.is(await ok.code, 3);
    assert.is(ok.out.text(), '{"a":1}\n');
    assert.is(ok.err.text(), 'progress 1\nprogress 2\n');
    const boom = s.deploy('p/k.yaml', 'boom');
    assert.is(await boom.code, 1);
    assert.match(boom.err.text(), 'error: internal error: kaput');
  } finally {
    await s.close();
  }
});

test('bad requests: body, route and method', async () => {
  const s = await serve(async () => 0);
  try {
    const t = { token: s.token };
    assert.is((await askAgent(s.socket, 'POST', '/deploy', { ...t, body: { command: 'generate' } })).status, 400);
    const noCwd = await askAgent(s.socket, 'POST', '/deploy', { ...t, body: { command: 'deploy', options: {}, cwd: 'relative', env: {} } });
    assert.is(noCwd.status, 400);
    assert.match(noCwd.json().error, 'cwd must be an absolute path');
    assert.is((await askAgent(s.socket, 'GET', '/deploy', t)).status, 405);
    assert.is((await askAgent(s.socket, 'GET', '/nothing', t)).status, 404);
    assert.is((await askAgent(s.socket, 'POST', '/healthz')).status, 405);
  } finally {
    await s.close();
  }
});

test('a caller that goes away while queued is dropped from the queue', async () => {
  const g = gate();
  const s = await serve(async () => {
    await g.wait;
    return 0;
  }, 1);
  try {
    const first = s.deploy('a/k.yaml', 'app');
    await waitFor('the first to run', () => s.server.jobList().length === 1);
    const { request } = await import('node:http');
    const req = request({ socketPath: s.socket, method: 'POST', path: '/deploy', headers: { authorization: `Bearer ${s.token}` } });
    req.on('error', () => {});
    req.end(JSON.stringify({ command: 'deploy', options: { file: 'b/k.yaml', namespace: 'app' }, cwd: '/', env: {}, tty: {} }));
    await waitFor('the second to queue', () => s.server.jobList().length === 2);
    req.destroy();
    await waitFor('the second to leave', () => s.server.jobList().length === 1);
    g.open();
    assert.is(await first.code, 0);
  } finally {
    await s.close();
  }
});

test.run();
