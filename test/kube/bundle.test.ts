// The CLI bundle (scripts/bundle.mjs, built by `npm test` before the tiers run):
// client-node is in it without its generated API classes and models, the render
// path does not load it at all, and the bundled CLI authenticates with the
// kubeconfig's credentials through Eastern's own access layer.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Meta {
  outputs: Record<string, { inputs: Record<string, unknown>; imports: { path: string; kind: string }[]; entryPoint?: string }>;
}

function meta(): Meta {
  return JSON.parse(readFileSync(join(root, 'dist/bin/meta.json'), 'utf8')) as Meta;
}

const CLIENT_NODE = 'node_modules/@kubernetes/client-node/';

test('the bundle carries client-node without its generated models and API classes', () => {
  const inputs = Object.values(meta().outputs).flatMap((o) => Object.keys(o.inputs)).filter((i) => i.includes(CLIENT_NODE));
  assert.ok(inputs.some((i) => i.endsWith('/config.js')), 'KubeConfig is bundled');
  assert.equal(inputs.filter((i) => i.includes('/gen/models/') || i.includes('/gen/apis/')), []);
});

test('the render path (what main.js loads before any command chunk) has no client-node in it', () => {
  const { outputs } = meta();
  const entry = Object.keys(outputs).find((k) => outputs[k]!.entryPoint === 'dist/cli/main.js');
  assert.ok(entry, 'main.js is an entry point');
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of outputs[file]?.imports ?? []) if (i.kind === 'import-statement' && i.path.startsWith('dist/')) visit(i.path);
  };
  visit(entry!);
  const loaded = [...seen].flatMap((f) => Object.keys(outputs[f]!.inputs));
  assert.equal(loaded.filter((i) => i.includes(CLIENT_NODE)), []);
});

test("the bundle leaves out whatwg-url and tr46 (node-fetch uses Node's URL) and never imports Node's deprecated punycode (DEP0040 on Node 21+)", () => {
  const inputs = Object.values(meta().outputs).flatMap((o) => Object.keys(o.inputs));
  assert.equal(inputs.filter((i) => /node_modules\/(whatwg-url|tr46|webidl-conversions)\//.test(i)), []);
  assert.ok(inputs.some((i) => i.endsWith('scripts/shims/whatwg-url.cjs')), 'the shim stands in for whatwg-url');
  const builtin = Object.entries(meta().outputs).filter(([, o]) => o.imports.some((i) => i.path === 'punycode' || i.path === 'node:punycode')).map(([f]) => f);
  assert.equal(builtin, []);
});

test('no chunk imports node:http or node:https as an ES module, so loading the access layer does not load undici (Node 22.4+)', () => {
  const esm = Object.entries(meta().outputs).flatMap(([file, o]) => o.imports
    .filter((i) => /^(node:)?https?$/.test(i.path) && i.kind !== 'require-call')
    .map((i) => `${file}: ${i.kind} ${i.path}`));
  assert.equal(esm, []);
  // And at run time: the chunk with the access layer, loaded on the Node running this test.
  const { outputs } = meta();
  const chunk = Object.keys(outputs).find((f) => Object.keys(outputs[f]!.inputs).includes('dist/kube/client.js'));
  assert.ok(chunk, 'a chunk holds dist/kube/client.js');
  const probe = `await import(${JSON.stringify(join(root, chunk!))}); console.log(JSON.stringify(process.moduleLoadList.filter((m) => m.includes('undici'))));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
  assert.equal(JSON.parse(out.trim().split('\n').pop()!), []);
});

interface Seen {
  path: string;
  auth: string | undefined;
  port: number;
}

/** A loopback API server with just enough for `eastern history web shop`. */
async function apiServer(): Promise<{ url: string; seen: Seen[]; close(): void }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', auth: req.headers.authorization, port: req.socket.remotePort ?? 0 });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/api') {
      return send(200, { kind: 'APIGroupDiscoveryList', items: [{ metadata: { name: '' }, versions: [{ version: 'v1', resources: [{ resource: 'secrets', responseKind: { kind: 'Secret' }, scope: 'Namespaced', verbs: ['list'] }] }] }] });
    }
    if (req.url === '/apis') return send(200, { kind: 'APIGroupDiscoveryList', items: [] });
    if (req.url?.startsWith('/api/v1/namespaces/shop/secrets?')) return send(200, { kind: 'SecretList', apiVersion: 'v1', metadata: { resourceVersion: '7' }, items: [] });
    return send(404, { kind: 'Status', message: 'not found', code: 404 });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => server.close() };
}

/** Runs the bundled CLI's `history web shop` with a kubeconfig whose cluster and user entries are given as YAML lines. */
async function history(cluster: string, user: string): Promise<{ code: number | null; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'eastern-bundle-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n${cluster}\nusers:\n- name: u\n  user:\n${user}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n`);
  const child = spawn(process.execPath, [join(root, 'bin/eastern'), 'history', 'web', 'shop', '--kubeconfig', kubeconfig], { env: { PATH: process.env.PATH ?? '', HOME: dir, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; });
  const code = await new Promise<number | null>((r) => child.on('close', r));
  return { code, stderr };
}

function listed(seen: Seen[]): boolean {
  return seen.some((s) => s.path.startsWith('/api/v1/namespaces/shop/secrets?') && s.path.includes('labelSelector=eastern.io%2Frelease-of%3Dweb'));
}

test('the bundled CLI sends the kubeconfig user\'s token on every request, over kept-alive connections', async () => {
  const api = await apiServer();
  try {
    const r = await history(`    server: ${api.url}\n    insecure-skip-tls-verify: true`, '    token: bundle-token');
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, 'no releases of project web in namespace shop');
    assert.ok(listed(api.seen), JSON.stringify(api.seen));
    assert.equal([...new Set(api.seen.map((s) => s.auth))], ['Bearer bundle-token']);
    // /api and /apis go out together (two connections); the list reuses one of them.
    assert.ok(new Set(api.seen.map((s) => s.port)).size < api.seen.length, `connections reused: ${JSON.stringify(api.seen)}`);
  } finally {
    api.close();
  }
});

// The packages below are in the bundle as stand-ins that load the real package on
// first use (scripts/bundle.mjs, optionalDependenciesOnFirstUse): these tests use each.

test("loading the access layer does not evaluate the packages only some kubeconfigs use (jsonpath-plus's node:vm stays unloaded)", () => {
  const { outputs } = meta();
  const chunk = Object.keys(outputs).find((f) => Object.keys(outputs[f]!.inputs).includes(`${CLIENT_NODE}dist/config.js`));
  assert.ok(chunk, "a chunk holds client-node's KubeConfig");
  const probe = `await import(${JSON.stringify(join(root, chunk!))}); console.log(JSON.stringify(process.moduleLoadList.filter((m) => / vm$/.test(m))));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
  assert.equal(JSON.parse(out.trim().split('\n').pop()!), []);
  const inputs = Object.keys(outputs[chunk!]!.inputs);
  for (const pkg of ['socks-proxy-agent', 'hpagent', 'jsonpath-plus']) assert.ok(inputs.some((i) => i.includes(`node_modules/${pkg}/`)), `${pkg} is still bundled`);
});

/** Connects `client` to host:port once the proxy has written its `reply`, then pipes bytes both ways. */
function tunnel(client: net.Socket, host: string, port: number, reply: string | Buffer): void {
  const up = net.connect(port, host, () => {
    client.write(reply);
    client.pipe(up).pipe(client);
  });
  up.on('error', () => client.destroy());
}

test("a cluster's http proxy-url: the bundled CLI goes through the proxy (hpagent)", async () => {
  const api = await apiServer();
  const forwarded: string[] = [];
  // hpagent tunnels with CONNECT, to an http:// server too; nothing else is served.
  const proxy = http.createServer((_req, res) => void res.writeHead(405).end());
  proxy.on('connect', (req: http.IncomingMessage, client: net.Socket) => {
    forwarded.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    tunnel(client, host!, Number(port), 'HTTP/1.1 200 Connection Established\r\n\r\n');
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  try {
    const r = await history(`    server: ${api.url}\n    insecure-skip-tls-verify: true\n    proxy-url: http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, '    token: proxied');
    assert.is(r.code, 0, r.stderr);
    assert.ok(listed(api.seen), JSON.stringify(api.seen));
    assert.ok(forwarded.includes(`CONNECT ${new URL(api.url).host}`), `through the proxy: ${JSON.stringify(forwarded)}`);
  } finally {
    proxy.close();
    api.close();
  }
});

test("a cluster's socks5 proxy-url: the bundled CLI goes through the proxy (socks-proxy-agent)", async () => {
  const api = await apiServer();
  const connects: string[] = [];
  // SOCKS5 without authentication (RFC 1928): greeting, CONNECT, then a byte pipe.
  const socks = net.createServer((client) => {
    client.once('data', (greeting) => {
      if (greeting[0] !== 5) return client.destroy();
      client.write(Buffer.from([5, 0]));
      client.once('data', (req) => {
        const type = req[3];
        let host: string;
        let at: number;
        if (type === 1) [host, at] = [`${req[4]}.${req[5]}.${req[6]}.${req[7]}`, 8];
        else if (type === 3) [host, at] = [req.subarray(5, 5 + req[4]!).toString(), 5 + req[4]!];
        else return client.destroy();
        const port = req.readUInt16BE(at);
        connects.push(`${host}:${port}`);
        tunnel(client, host, port, Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
      });
    });
  });
  await new Promise<void>((r) => socks.listen(0, '127.0.0.1', r));
  try {
    const r = await history(`    server: ${api.url}\n    insecure-skip-tls-verify: true\n    proxy-url: socks5://127.0.0.1:${(socks.address() as AddressInfo).port}`, '    token: socks');
    assert.is(r.code, 0, r.stderr);
    assert.ok(listed(api.seen), JSON.stringify(api.seen));
    assert.ok(connects.includes(new URL(api.url).host), `through the proxy: ${JSON.stringify(connects)}`);
  } finally {
    socks.close();
    api.close();
  }
});

test('a gcp auth-provider: the token comes from its command, picked out with the token-key path (jsonpath-plus)', async () => {
  const api = await apiServer();
  const dir = mkdtempSync(join(tmpdir(), 'eastern-gcp-'));
  const cmd = join(dir, 'gcloud');
  writeFileSync(cmd, `#!/bin/sh\necho '{"credential":{"access_token":"from-gcloud","token_expiry":"2999-01-01T00:00:00Z"}}'\n`, { mode: 0o755 });
  try {
    const r = await history(`    server: ${api.url}\n    insecure-skip-tls-verify: true`, `    auth-provider:\n      name: gcp\n      config:\n        cmd-path: ${cmd}\n        token-key: '{.credential.access_token}'\n        expiry-key: '{.credential.token_expiry}'`);
    assert.is(r.code, 0, r.stderr);
    assert.equal([...new Set(api.seen.map((s) => s.auth))], ['Bearer from-gcloud']);
  } finally {
    api.close();
  }
});

test('an oidc auth-provider with an expired token: the refresh goes to openid-client (loaded on first use)', async () => {
  const api = await apiServer();
  // exp in 2001: expired, so client-node asks openid-client to discover the issuer and refresh.
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const expired = `${part({ alg: 'none' })}.${part({ exp: 1_000_000_000 })}.sig`;
  try {
    const r = await history(`    server: ${api.url}\n    insecure-skip-tls-verify: true`, `    auth-provider:\n      name: oidc\n      config:\n        client-id: eastern\n        id-token: ${expired}\n        refresh-token: r\n        idp-issuer-url: http://127.0.0.1:1/issuer`);
    assert.is.not(r.code, 0);
    // An error of openid-client's own: the package was loaded and called. (client-node
    // 1.3.0 hands discovery() the issuer as a string, which openid-client 6 refuses;
    // unbundled client-node fails the same way. A fixed client-node would reach the
    // refusal of a plain-http issuer instead.)
    assert.match(r.stderr, /"server" must be an instance of URL|HTTPS/, r.stderr);
    assert.equal(api.seen, [], 'nothing reached the API server without a token');
  } finally {
    api.close();
  }
});

test.run();
