// The CLI bundle (scripts/bundle.mjs, built by `npm test` before the tiers run):
// client-node is in it without its generated API classes and models, the render
// path does not load it at all, and the bundled CLI authenticates with the
// kubeconfig's credentials through Eastern's own access layer.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

test('the bundled CLI sends the kubeconfig user\'s token on every request, over kept-alive connections', async () => {
  const seen: { path: string; auth: string | undefined; port: number }[] = [];
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
  try {
    const dir = mkdtempSync(join(tmpdir(), 'eastern-bundle-'));
    const kubeconfig = join(dir, 'config');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${url}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: bundle-token\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n`);
    const child = spawn(process.execPath, [join(root, 'bin/eastern'), 'history', 'web', 'shop', '--kubeconfig', kubeconfig], { env: { PATH: process.env.PATH ?? '', HOME: dir, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => { stderr += c; });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.is(code, 0, stderr);
    assert.match(stderr, 'no releases of project web in namespace shop');
    assert.ok(seen.some((s) => s.path.startsWith('/api/v1/namespaces/shop/secrets?') && s.path.includes('labelSelector=eastern.io%2Frelease-of%3Dweb')), JSON.stringify(seen));
    assert.equal([...new Set(seen.map((s) => s.auth))], ['Bearer bundle-token']);
    // /api and /apis go out together (two connections); the list reuses one of them.
    assert.ok(new Set(seen.map((s) => s.port)).size < seen.length, `connections reused: ${JSON.stringify(seen)}`);
  } finally {
    server.close();
  }
});

test.run();
