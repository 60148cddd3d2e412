// The page's guard rails without a cluster: who may read it, the security headers,
// read-only methods, and the refusal to listen beyond loopback without credentials.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EasternError, UsageError, ValidationError } from '../../src/errors.js';
import { createLogger } from '../../src/output/logger.js';
import { ManifestCache } from '../../src/status/manifests.js';
import { StatusMonitor } from '../../src/status/monitor.js';
import { accessFor, authorized, isLoopback, parseListen, statusHandler, type Access } from '../../src/status/server.js';

const TOKEN = 'a-token-of-thirty-two-characters';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const access = suite('who may read the page');

access('--listen: host:port, IPv6 in brackets; anything else is a usage error', () => {
  assert.equal(parseListen('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
  assert.equal(parseListen('[::1]:0'), { host: '::1', port: 0 });
  assert.equal(parseListen('0.0.0.0:9'), { host: '0.0.0.0', port: 9 });
  assert.throws(() => parseListen('8080'), (e: unknown) => e instanceof UsageError);
  assert.throws(() => parseListen('x:99999'), (e: unknown) => e instanceof UsageError);
  assert.ok(isLoopback('127.0.0.2') && isLoopback('::1') && isLoopback('localhost'));
  assert.not.ok(isLoopback('0.0.0.0') || isLoopback('10.0.0.1') || isLoopback('::'));
});

access('loopback is open; any other address needs credentials, else the page does not start', () => {
  assert.equal(accessFor({ host: '127.0.0.1', port: 1 }, {}), { describe: 'loopback only, no credentials needed' });
  assert.throws(() => accessFor({ host: '0.0.0.0', port: 8080 }, {}), (e: unknown) => e instanceof UsageError && /refusing to serve the status page on 0\.0\.0\.0:8080 without credentials/.test(e.message) && /EASTERN_STATUS_TOKEN/.test((e as EasternError).fix ?? ''));
  const a = accessFor({ host: '0.0.0.0', port: 8080 }, { EASTERN_STATUS_TOKEN: TOKEN });
  assert.is(a.token, TOKEN);
  assert.match(a.describe, /bearer token \(EASTERN_STATUS_TOKEN\)/);
});

access('unusable credentials are refused with every problem listed', () => {
  assert.throws(() => accessFor({ host: '0.0.0.0', port: 1 }, { EASTERN_STATUS_TOKEN: 'short', EASTERN_STATUS_USER: 'ops' }), (e: unknown) =>
    e instanceof ValidationError && e.problems.length === 2 && e.problems.some((p) => /go together/.test(p)) && e.problems.some((p) => /shorter than 16/.test(p)));
});

access('bearer token, basic auth, and the token as the basic-auth password', () => {
  const a: Access = { token: TOKEN, user: 'ops', password: 'a-long-enough-password', describe: '' };
  assert.ok(authorized(a, `Bearer ${TOKEN}`));
  assert.ok(authorized(a, basic('ops', 'a-long-enough-password')));
  assert.ok(authorized(a, basic('anyone', TOKEN)));
  assert.not.ok(authorized(a, undefined));
  assert.not.ok(authorized(a, `Bearer ${TOKEN}x`));
  assert.not.ok(authorized(a, basic('ops', 'wrong')));
  assert.not.ok(authorized(a, basic('other', 'a-long-enough-password')));
  assert.not.ok(authorized({ user: 'ops', password: 'a-long-enough-password', describe: '' }, `Bearer ${TOKEN}`));
  assert.ok(authorized({ describe: 'open' }, undefined));
});

const http = suite('the page over HTTP, with no clusters');
let server: Server;
let base: string;
let monitor: StatusMonitor;

http.before(async () => {
  const logger = createLogger({ out: { write: () => true }, env: {} });
  monitor = new StatusMonitor({ source: 'contexts', clusters: [], routes: [] }, { timeoutMs: 1000, manifests: new ManifestCache(), refreshSeconds: 60, logger });
  await monitor.start();
  const guarded: Access = { token: TOKEN, describe: 'every request needs credentials: a bearer token (EASTERN_STATUS_TOKEN)' };
  server = createServer(statusHandler(monitor, guarded, { access: guarded.describe, listen: 'test', refreshSeconds: 60 }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

http.after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await monitor.stop();
});

http('without credentials: 401 with a basic-auth challenge and a page saying what is needed', async () => {
  const r = await fetch(`${base}/`);
  assert.is(r.status, 401);
  assert.match(r.headers.get('www-authenticate') ?? '', /^Basic realm="Eastern status"/);
  assert.match(await r.text(), /needs credentials: a bearer token \(EASTERN_STATUS_TOKEN\)/);
  assert.is((await fetch(`${base}/api/status.json`)).status, 401);
  assert.is((await fetch(`${base}/healthz`)).status, 200);
});

http('with the token: the page, with CSP and no framing; other methods are refused', async () => {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const r = await fetch(`${base}/`, { headers: auth });
  assert.is(r.status, 200);
  assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'; style-src 'self'.*frame-ancestors 'none'/);
  assert.is(r.headers.get('x-frame-options'), 'DENY');
  assert.is(r.headers.get('x-content-type-options'), 'nosniff');
  const body = await r.text();
  assert.match(body, /No Eastern releases in the clusters read/);
  assert.not.match(body, /<script>|\sstyle=|\son[a-z]+=/, 'no inline script, style or handlers (the CSP would block them)');
  const post = await fetch(`${base}/`, { method: 'POST', headers: auth });
  assert.is(post.status, 405);
  assert.is(post.headers.get('allow'), 'GET, HEAD');
  assert.is((await fetch(`${base}/nothing`, { headers: auth })).status, 404);
  const json = await (await fetch(`${base}/api/status.json`, { headers: auth })).json() as { schema: string; clusters: unknown[] };
  assert.equal([json.schema, json.clusters], ['eastern.io/status/v1', []]);
  const js = await fetch(`${base}/assets/status.js`, { headers: auth });
  assert.match(js.headers.get('content-type') ?? '', /javascript/);
});

access.run();
http.run();
