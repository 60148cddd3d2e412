// One warm client for a long-running process (the agent): commands get a view of it
// that logs to their own output, shares its connections and discovery, and leaves
// it open. An in-process HTTP server on loopback stands in for the API server.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeClient } from '../../src/kube/client.js';
import type { ClusterTarget } from '../../src/kube/kubeconfig.js';
import { openSession } from '../../src/kube/session.js';
import { createLogger } from '../../src/output/logger.js';

interface Fake {
  url: string;
  sockets: Set<Socket>;
  paths: string[];
  /** Answers the next n requests with 503. */
  failNext(n: number): void;
  close(): Promise<void>;
}

async function fakeApiServer(): Promise<Fake> {
  const sockets = new Set<Socket>();
  const paths: string[] = [];
  let failures = 0;
  const server = http.createServer((req, res) => {
    sockets.add(req.socket);
    paths.push(req.url ?? '');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (failures > 0) {
      failures--;
      return send(503, { kind: 'Status', message: 'the server is currently unable to handle the request', code: 503 });
    }
    if (req.url === '/version') return send(200, { gitVersion: 'v1.33.0-fake' });
    if (req.url === '/api' || req.url === '/apis') return send(200, { kind: 'APIGroupDiscoveryList', items: [] });
    return send(404, { kind: 'Status', message: 'not found', code: 404 });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    sockets,
    paths,
    failNext: (n) => { failures = n; },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

async function target(url: string): Promise<ClusterTarget> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'u' }],
    currentContext: 'fake',
  });
  return { kubeConfig: kc, context: 'fake', server: url, origin: 'test' };
}

function sink() {
  const lines: string[] = [];
  return { lines, out: { write: (s: string) => void lines.push(s) } };
}

test('a view logs retries to its own logger and shares the owner\'s connections; closing it keeps them', async () => {
  const api = await fakeApiServer();
  try {
    const owner = sink();
    const request = sink();
    const client = await KubeClient.connect(await target(api.url), { logger: createLogger({ out: owner.out, env: { NO_COLOR: '1' } }) });
    assert.is(await client.serverVersion(), 'v1.33.0-fake');
    const view = client.withLogger(createLogger({ out: request.out, scope: 'fake/ns', env: { NO_COLOR: '1' } }));
    api.failNext(1);
    assert.is(await view.serverVersion(), 'v1.33.0-fake');
    assert.match(request.lines.join(''), /\[fake\/ns\] warning: GET \/version: the server is currently unable to handle the request; retrying/);
    assert.equal(owner.lines, [], 'nothing in the owner\'s log');
    view.close();
    assert.is(await client.serverVersion(), 'v1.33.0-fake', 'the owner still works');
    assert.is(api.sockets.size, 1, 'one keep-alive connection for owner and view');
    client.close();
  } finally {
    await api.close();
  }
});

test('discovery is loaded once for the owner and every view', async () => {
  const api = await fakeApiServer();
  try {
    const t = await target(api.url);
    // Another server address than other tests use: the process-wide cache starts empty for it.
    const client = await KubeClient.connect(t);
    const a = await client.withLogger(createLogger({ out: sink().out })).discovery();
    const b = await client.withLogger(createLogger({ out: sink().out })).discovery();
    assert.is(a, b);
    assert.equal(api.paths.filter((p) => p === '/api' || p === '/apis').sort(), ['/api', '/apis']);
    client.close();
  } finally {
    await api.close();
  }
});

test('openSession with an injected cluster ignores the kubeconfig, scopes the log, and leaves the client open', async () => {
  const api = await fakeApiServer();
  try {
    const client = await KubeClient.connect(await target(api.url));
    const out = sink();
    const session = await openSession({ cwd: '/', env: {}, kubeconfig: '/does/not/exist', cluster: client }, { stdout: out.out, stderr: out.out }, 'team-a');
    assert.is(session.target, client.target);
    assert.is.not(session.client, client, 'a view, not the shared client');
    session.logger.info('hello');
    assert.match(out.lines.join(''), '[fake/team-a] hello');
    session.client.close();
    assert.is(await client.serverVersion(), 'v1.33.0-fake');
    client.close();
  } finally {
    await api.close();
  }
});

test.run();
