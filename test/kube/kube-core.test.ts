// client-node without its generated models: a fresh process (module loading is what
// is tested) loads KubeConfig through the resolve hook, and what it loaded
// authenticates requests. Fails when a client-node upgrade changed the layout, so the
// silent fallback to the whole package (0.5 s more per command) gets noticed.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const child = `
const { loadKubeCore } = await import(${JSON.stringify(join(root, 'src/kube/kubeconfig.ts'))});
const core = await loadKubeCore();
const kc = new core.KubeConfig();
kc.loadFromOptions({
  clusters: [{ name: 'c', server: 'https://127.0.0.1:6443/prefix', skipTLSVerify: true }],
  users: [{ name: 'u', token: 'secret-token' }],
  contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
  currentContext: 'x',
});
const request = new core.RequestContext(kc.getCurrentCluster().server + '/api/v1/namespaces', 'GET');
request.setQueryParam('limit', '5');
await kc.applySecurityAuthentication(request);
console.log(JSON.stringify({ slim: core.slim, url: request.getUrl(), auth: request.getHeaders().Authorization, watch: typeof core.Watch }));
`;

test('KubeConfig, RequestContext and Watch come without the generated models, and authenticate requests', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(out, { slim: true, url: 'https://127.0.0.1:6443/prefix/api/v1/namespaces?limit=5', auth: 'Bearer secret-token', watch: 'function' });
});

test.run();
