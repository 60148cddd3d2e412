// `eastern status` and its page on the local clusters. Two projects in one namespace
// of kube1 and kube2, deployed as Jenkins builds for the environment `staging`:
//   shop    kube1 revisions 1 and 2 (image 1.0 then 1.1, another password), kube2 revision 1
//           (1.0): staging is out of sync; then `kubectl scale` on kube1: drifted.
//   crashy  kube1 healthy, kube2 with pods that crash-loop (KWOK's eastern.test/simulate).
// The status must report each correctly, show a cluster that stops answering as
// unreachable while still reporting the other (exit 1), and the page — in a real
// browser — must show all of it, link to the project and a revision diff, refuse
// readers without credentials off loopback, and never contain a Secret value.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run as deploy } from '../../src/commands/deploy.js';
import { run as status } from '../../src/commands/status.js';
import { EasternError, UsageError } from '../../src/errors.js';
import type { StatusReport } from '../../src/status/schema.js';
import { capture, deleteNamespace, eventually, get, kubeconfig, projectDir, scaleLikeKubectl, uniqueNamespace } from '../kube/helpers.js';
import { eastern, repoRoot, show, type CliResult } from '../export/kube-helpers.js';
import { execa } from 'execa';
import { ensureChromium } from './setup.mjs';

const ns = uniqueNamespace('status');
const PW1 = 'status-first-password-7Qx';
const PW2 = 'status-second-password-9Zk';
const SECRETS = [PW1, PW2, Buffer.from(PW1).toString('base64'), Buffer.from(PW2).toString('base64')];
const artifacts = join(repoRoot, 'test', 'status', 'artifacts');
const agents = join(repoRoot, 'agents');

function assertNoSecret(text: string, where: string): void {
  for (const s of SECRETS) assert.not.ok(text.includes(s), `a Secret value appears in ${where}: ${s}`);
}

const SHOP = `apiVersion: v1
kind: Secret
metadata:
  name: shop-db
stringData:
  password: \${DB_PASSWORD}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-scripts
data:
  start.sh: |
    #!/bin/sh
    echo "starting shop \${IMAGE_TAG}"
    exec /shop --port 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: 1
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      containers:
        - name: shop
          image: registry.example/shop:\${IMAGE_TAG}
---
apiVersion: v1
kind: Service
metadata:
  name: shop
spec:
  selector: {app: shop}
  ports: [{port: 80, targetPort: 8080}]
`;

const crashy = (simulate: boolean) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: crashy
spec:
  replicas: 1
  selector: {matchLabels: {app: crashy}}
  template:
    metadata:
      labels:
        app: crashy${simulate ? '\n        eastern.test/simulate: crashloop' : ''}
    spec:
      containers:
        - name: crashy
          image: registry.example/crashy:3.2
`;

const shopDir = projectDir('shop', { 'kubernetes.yaml': SHOP });
const crashyDir = projectDir('crashy', { 'kubernetes.yaml': crashy(false) });
const crashyLoopDir = projectDir('crashy', { 'kubernetes.yaml': crashy(true) });

/** A deploy as a Jenkins build of the `staging` environment would run it on an agent. */
async function deployAs(context: string, dir: string, build: number, set: string[]): Promise<number> {
  const c = capture();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    EASTERN_ENVIRONMENT: 'staging',
    EASTERN_CLUSTER: context,
    BUILD_URL: `https://jenkins.example.com/job/${dir.split('/').pop()}/${build}/`,
    JOB_NAME: dir.split('/').pop()!,
    BUILD_NUMBER: String(build),
    GIT_COMMIT: (build % 2 ? '1a2b3c4d5e6f' : '9f8e7d6c5b4a').repeat(3).slice(0, 40),
  };
  delete env.EASTERN_AGENT;
  delete env.EASTERN_CONTEXT;
  // Commands throw their errors (the CLI maps them to exit codes): a failed rollout is exit 3.
  const code = await deploy({ cwd: dir, env, io: c.io, file: 'kubernetes.yaml', namespace: ns, context, kubeconfig: kubeconfig(), set, timeout: 90, name: dir.split('/').pop()! } as never)
    .catch((error: unknown) => (error instanceof EasternError ? error.exitCode : Promise.reject(error)));
  if (code !== 0 && code !== 3) throw new Error(`deploy to ${context} exited ${code}\n${c.stderr()}`);
  return code;
}

async function statusJson(extra: Record<string, unknown> = {}): Promise<{ code: number; report: StatusReport; stderr: string; stdout: string }> {
  const c = capture();
  const env = { ...process.env };
  delete env.EASTERN_CONTEXT;
  const code = await status({ cwd: repoRoot, env, io: c.io, kubeconfig: kubeconfig(), context: ['kube1', 'kube2'], agents, namespace: ns, output: 'json', ...extra });
  return { code, report: JSON.parse(c.stdout()) as StatusReport, stderr: c.stderr(), stdout: c.stdout() };
}

const find = (report: StatusReport, cluster: string, project: string) => report.releases.find((r) => r.cluster === cluster && r.project === project);

let setUp: Promise<void> | undefined;
function fleet(): Promise<void> {
  setUp ??= (async () => {
    mkdirSync(artifacts, { recursive: true });
    await Promise.all([
      (async () => {
        await deployAs('kube1', shopDir, 11, ['IMAGE_TAG=1.0', `DB_PASSWORD=${PW1}`]);
        await deployAs('kube1', shopDir, 12, ['IMAGE_TAG=1.1', `DB_PASSWORD=${PW2}`]);
        await deployAs('kube1', crashyDir, 5, []);
      })(),
      (async () => {
        await deployAs('kube2', shopDir, 11, ['IMAGE_TAG=1.0', `DB_PASSWORD=${PW1}`]);
        assert.is(await deployAs('kube2', crashyLoopDir, 5, []), 3, 'the crash-looping deploy fails');
      })(),
    ]);
    // Someone scales by hand on kube1 (kubectl scale --replicas=2): drift, named with the field and kubectl.
    await scaleLikeKubectl('kube1', ns, 'shop', 2);
  })();
  // uvu swallows an error thrown by a `before` hook (it only shows 0 of N passed): say it.
  return setUp.catch((error: unknown) => {
    process.stderr.write(`status fixture setup failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    throw error;
  });
}

// ------------------------------------------------------------------ the CLI

const cli = suite('eastern status across kube1 and kube2');
cli.before(fleet);

cli('--output json reports each release: revision, outcome, build, commit, images, health and drift', async () => {
  const { code, report, stdout, stderr } = await eventually('kube1 shop ready after the scale', async () => {
    const r = await statusJson();
    return find(r.report, 'kube1', 'shop')?.health.state === 'ready' ? r : undefined;
  }, 30_000, 500);
  assert.is(code, 0, stderr);
  assertNoSecret(stdout + stderr, 'the JSON output');
  assert.is(report.schema, 'eastern.io/status/v1');
  assert.equal(report.clusters.map((c) => [c.name, c.reachable, c.agent, c.releases]), [['kube1', true, 'kube1', 2], ['kube2', true, 'kube2', 2]]);

  const shop1 = find(report, 'kube1', 'shop')!;
  assert.equal([shop1.revision, shop1.outcome, shop1.environment, shop1.namespace], [2, 'deployed', 'staging', ns]);
  assert.equal(shop1.build, { url: 'https://jenkins.example.com/job/shop/12/', job: 'shop', number: '12' });
  assert.is(shop1.deployedBy, 'https://jenkins.example.com/job/shop/12/');
  assert.match(shop1.commit ?? '', /^9f8e7d6c5b4a/);
  assert.equal(shop1.images, { release: ['registry.example/shop:1.1'], live: ['registry.example/shop:1.1'] });
  assert.equal(shop1.history.map((h) => [h.revision, h.outcome]), [[2, 'deployed'], [1, 'superseded']]);
  assert.is(shop1.drift.state, 'drifted');
  assert.is(shop1.drift.drifted, true);
  const replicas = shop1.drift.entries.find((e) => e.path === 'spec.replicas');
  assert.ok(replicas, JSON.stringify(shop1.drift));
  assert.equal([replicas!.object, replicas!.released, replicas!.live], ['deployment/shop', 1, 2]);
  assert.match(replicas!.managers[0] ?? '', /^kubectl/);

  const shop2 = find(report, 'kube2', 'shop')!;
  assert.equal([shop2.revision, shop2.outcome, shop2.drift.state, shop2.health.state], [1, 'deployed', 'ok', 'ready']);
  assert.equal(shop2.images.live, ['registry.example/shop:1.0']);
  assert.equal(shop2.health.objects.map((o) => [o.object, o.state]), [['deployment/shop', 'ready'], ['service/shop', 'ready']]);

  const crashy2 = find(report, 'kube2', 'crashy')!;
  assert.is(crashy2.outcome, 'failed');
  assert.is(crashy2.health.state, 'failing');
  assert.match(crashy2.health.summary, /^deployment\/crashy: .*crash-looping/);
  assert.is(find(report, 'kube1', 'crashy')!.health.state, 'ready');

  const staging = report.environments.find((e) => e.name === 'staging')!;
  assert.equal(staging.clusters, ['kube1', 'kube2']);
  const shopRow = staging.projects.find((p) => p.project === 'shop')!;
  assert.equal([shopRow.inSync, shopRow.drifted, shopRow.failing], [false, true, false]);
  assert.ok(shopRow.differences.some((d) => d === 'images differ: kube1 registry.example/shop:1.1; kube2 registry.example/shop:1.0'), shopRow.differences.join('\n'));
  const crashyRow = staging.projects.find((p) => p.project === 'crashy')!;
  assert.equal([crashyRow.inSync, crashyRow.failing], [true, true]);
});

cli('the built CLI prints the table and the fleet view (PROJECT filter, -c repeated)', async () => {
  const r = await eastern(['status', 'shop', '-c', 'kube1', '-c', 'kube2', '-n', ns, '--agents', agents]);
  assert.is(r.code, 0, show(r));
  assertNoSecret(r.stdout + r.stderr, 'the table');
  const lines = r.stdout.split('\n');
  assert.match(lines[0]!, /^CLUSTER\s+ENVIRONMENT\s+NAMESPACE\s+PROJECT\s+REV\s+OUTCOME/);
  assert.ok(lines.some((l) => new RegExp(`^kube1\\s+staging\\s+${ns}\\s+shop\\s+2\\s+deployed .*shop #12\\s+9f8e7d6c5b4a\\s+registry.example/shop:1.1\\s+yes: deployment/shop spec.replicas`).test(l)), r.stdout);
  assert.ok(lines.some((l) => new RegExp(`^kube2\\s+staging\\s+${ns}\\s+shop\\s+1\\s+deployed .*\\s+no\\s+ready$`).test(l)), r.stdout);
  assert.not.match(r.stdout, /crashy/);
  assert.match(r.stdout, new RegExp(`\\n {2}shop \\(${ns}\\): OUT OF SYNC, DRIFTED \\[kube1 rev 2, kube2 rev 1\\]\\n {4}images differ`));
});

// ------------------------------------------------------------------ unreachable

/** A TCP proxy in front of kube2's API server that can be stopped like the server itself. */
async function proxyTo(target: URL): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((down) => {
    const up = net.connect(Number(target.port), target.hostname);
    for (const s of [down, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    down.pipe(up).pipe(down);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stop: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

interface KubeconfigFile {
  contexts: { name: string; context: { cluster: string } }[];
  clusters: { name: string; cluster: { server: string } }[];
}

function kube2Of(config: KubeconfigFile): { server: string } {
  return config.clusters.find((c) => c.name === config.contexts.find((x) => x.name === 'kube2')!.context.cluster)!.cluster;
}

const kube2Server = () => new URL(kube2Of(yaml.load(readFileSync(kubeconfig(), 'utf8')) as KubeconfigFile).server);

/** A copy of the test kubeconfig whose kube2 points at another port. */
function kubeconfigWithKube2At(port: number): { file: string } {
  const config = yaml.load(readFileSync(kubeconfig(), 'utf8')) as KubeconfigFile;
  kube2Of(config).server = `https://127.0.0.1:${port}`;
  const file = join(tmpdir(), `eastern-status-${process.pid}-${port}.json`);
  writeFileSync(file, JSON.stringify(config));
  return { file };
}

/** The built CLI with another kubeconfig (the shared helper always passes the test one). */
async function easternWith(file: string, args: string[]): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.EASTERN_AGENT;
  delete env.EASTERN_CONTEXT;
  const r = await execa('node', [join(repoRoot, 'bin', 'eastern'), ...args, '--kubeconfig', file], { cwd: repoRoot, env, reject: false, timeout: 120_000 });
  return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const down = suite('a cluster that stops answering');
down.before(fleet);

down('kube2 stopped: shown unreachable, kube1 still reported, exit 1', async () => {
  const proxy = await proxyTo(kube2Server());
  const { file } = kubeconfigWithKube2At(proxy.port);
  const args = ['status', '-c', 'kube1', '-c', 'kube2', '-n', ns, '--agents', agents, '--output', 'json'];
  const eastern = (a: string[]) => easternWith(file, a);
  const before = await eastern(args);
  assert.is(before.code, 0, show(before));
  assert.equal((JSON.parse(before.stdout) as StatusReport).clusters.map((c) => c.reachable), [true, true]);

  await proxy.stop();
  const started = Date.now();
  const r = await eastern(args);
  const elapsed = Date.now() - started;
  assert.is(r.code, 1, show(r));
  const report = JSON.parse(r.stdout) as StatusReport;
  const kube2 = report.clusters.find((c) => c.name === 'kube2')!;
  assert.is(kube2.reachable, false);
  assert.match(kube2.error ?? '', /ECONNREFUSED/);
  assert.equal(report.releases.map((x) => x.cluster), ['kube1', 'kube1']);
  const shopRow = report.environments.find((e) => e.name === 'staging')!.projects.find((p) => p.project === 'shop')!;
  assert.equal(shopRow.cells.map((c) => [c.cluster, c.presence]), [['kube1', 'deployed'], ['kube2', 'unreachable']]);
  assert.is(shopRow.inSync, null);
  assert.match(r.stderr, /error: kube2: unreachable: cannot reach https:\/\/127\.0\.0\.1:\d+/);
  assert.ok(elapsed < 15_000, `took ${elapsed} ms`);

  const text = await eastern(args.filter((a) => a !== '--output' && a !== 'json'));
  assert.is(text.code, 1);
  assert.match(text.stdout, /^kube2: UNREACHABLE: cannot reach/m);
  assert.match(text.stdout, /^kube1\s+staging/m);
});

down('a cluster that accepts connections but never answers is unreachable after --timeout, the other still shown', async () => {
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => { sockets.push(s); s.on('error', () => {}); });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const { file } = kubeconfigWithKube2At((silent.address() as net.AddressInfo).port);
    const started = Date.now();
    const { code, report } = await statusJson({ kubeconfig: file, timeout: 2 });
    const elapsed = Date.now() - started;
    assert.is(code, 1);
    const kube2 = report.clusters.find((c) => c.name === 'kube2')!;
    assert.equal([kube2.reachable, kube2.releases], [false, 0]);
    assert.ok(find(report, 'kube1', 'shop'), 'kube1 is still reported');
    assert.ok(elapsed < 8_000, `the silent cluster held the status up for ${elapsed} ms`);
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

// ------------------------------------------------------------------ the page, in a real browser

interface Served {
  url: string;
  stop(): Promise<number>;
}

async function serve(extra: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = process.env): Promise<Served> {
  let stop!: () => void;
  const until = new Promise<void>((resolve) => { stop = resolve; });
  let ready!: (url: string) => void;
  const listening = new Promise<string>((resolve) => { ready = resolve; });
  const c = capture();
  const done = status({ cwd: repoRoot, env, io: c.io, kubeconfig: kubeconfig(), context: ['kube1', 'kube2'], agents, namespace: ns, serve: true, listen: '127.0.0.1:0', refresh: 60, until, onListening: ready, ...extra });
  const url = await Promise.race([listening, done.then((code) => { throw new Error(`the page stopped at once (exit ${code})\n${c.stderr()}`); })]);
  return { url, stop: () => { stop(); return done; } };
}

const page = suite('the status page in chromium');
let browser: import('playwright-core').Browser;
let served: Served;
const seen: string[] = [];

page.before(async () => {
  await fleet();
  const { executablePath, args } = ensureChromium();
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath, args });
  served = await serve();
});

page.after(async () => {
  await browser?.close();
  await served?.stop();
  await Promise.all([deleteNamespace('kube1', ns), deleteNamespace('kube2', ns)]);
});

async function shot(p: import('playwright-core').Page, name: string): Promise<void> {
  const file = join(artifacts, `status-${name}.png`);
  await p.screenshot({ path: file, fullPage: true });
  // README screenshots are refreshed on request, like golden files.
  if (process.env.UPDATE_SCREENSHOTS) copyFileSync(file, join(repoRoot, 'docs', `status-${name}.png`));
}

page('the fleet matrix shows both clusters, the out-of-sync environment, the drifted and the failing project', async () => {
  const p = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const response = await p.goto(served.url);
  assert.is(response?.status(), 200);
  const staging = p.locator('section.environment[data-environment="staging"]');
  assert.equal(await staging.locator('thead th').allInnerTexts(), ['project', 'kube1', 'kube2', 'state']);
  const shop = staging.locator('tr[data-project="shop"]');
  assert.match((await shop.getAttribute('class')) ?? '', /outofsync/);
  assert.match(await shop.innerText(), /out of sync[\s\S]*drifted[\s\S]*images differ: kube1 registry\.example\/shop:1\.1; kube2 registry\.example\/shop:1\.0/);
  const crashyRow = staging.locator('tr[data-project="crashy"]');
  assert.match((await crashyRow.getAttribute('class')) ?? '', /failing/);
  assert.match(await crashyRow.locator('td').nth(1).innerText(), /rev 1\s+failed[\s\S]*failing/);
  assert.equal(await p.locator('.cluster h3').allInnerTexts(), ['kube1', 'kube2']);
  assert.match(await p.locator('ul.summary').innerText(), /2\s+clusters[\s\S]*0\s+unreachable[\s\S]*4\s+releases[\s\S]*1\s+out of sync[\s\S]*1\s+failing[\s\S]*1\s+drifted/);
  seen.push(await p.content());
  await shot(p, 'fleet');

  // The project page, then a revision diff, by following links as a person would.
  await staging.locator('tr[data-project="shop"] th a').click();
  await p.waitForURL(/\/projects\/shop$/);
  const kube1 = p.locator('section.instance[data-cluster="kube1"]');
  assert.equal(await kube1.locator('table.history tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-revision'))), ['2', '1']);
  assert.match(await kube1.innerText(), /deployment\/shop spec\.replicas: 1 → 2 \(by kubectl/);
  assert.match(await kube1.locator('table.history').innerText(), /shop #12[\s\S]*9f8e7d6c5b4a/);
  assert.is(await kube1.locator('a[href="https://jenkins.example.com/job/shop/12/"]').count() > 0, true);
  assert.match(await kube1.locator('ol.events').innerText(), /deployment\/shop|replicaset\/shop|pod\/shop/);
  assert.match(await p.locator('p.sync').innerText(), /staging: out of sync — images differ/);
  seen.push(await p.content());
  await shot(p, 'project');

  await kube1.locator('a.diff-link').first().click();
  await p.waitForURL(/\/projects\/shop\/diff\?/);
  const diff = await p.locator('main').innerText();
  assert.match(diff, /revision 1 → revision 2: 3 objects differ, 1 unchanged/);
  assert.match(diff, /spec\.template\.spec\.containers\[name=shop\]\.image: "registry\.example\/shop:1\.0" → "registry\.example\/shop:1\.1"/);
  assert.match(diff, /secret\/shop-db changed\s+~ data: \(1 key changed\)/);
  assert.match(diff, /- echo "starting shop 1\.0"\s+\+ echo "starting shop 1\.1"/);
  seen.push(await p.content());
  await shot(p, 'diff');
  await p.close();
});

page('the failing project page names the crash loop and shows its rollout events', async () => {
  const p = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await p.goto(new URL('/projects/crashy', served.url).href);
  const kube2 = p.locator('section.instance[data-cluster="kube2"]');
  assert.match(await kube2.locator('dl.facts').innerText(), /failing[\s\S]*crash-looping/);
  // KWOK plays the pods but not the kubelet's events: the controllers' events are there.
  assert.match(await kube2.locator('ol.events').innerText(), /deployment\/crashy Normal ScalingReplicaSet[\s\S]*pod\/crashy-\S+ Normal Scheduled/);
  seen.push(await p.content());
  await p.close();
});

page('the page works without JavaScript, and page views are served from memory', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const p = await context.newPage();
  await p.goto(served.url);
  assert.is(await p.locator('section.environment tr[data-project="shop"]').count(), 1);
  await p.goto(new URL('/projects/shop', served.url).href);
  await p.locator('form.diff-form button').click();
  await p.waitForURL(/\/diff\?/);
  assert.match(await p.locator('main').innerText(), /revision 1 → revision 2/);
  await context.close();
  const a = await (await fetch(new URL('/api/status.json', served.url))).json() as StatusReport;
  const b = await (await fetch(new URL('/api/status.json', served.url))).json() as StatusReport;
  assert.is(a.generatedAt, b.generatedAt, 'two views within the refresh period read the same data');
});

page('no Secret value appears in any page or in the JSON', async () => {
  const urls = ['/', '/projects/shop', '/projects/crashy', '/api/status.json',
    `/projects/shop/diff?cluster=kube1&namespace=${ns}&from=1&to=2`, `/projects/shop/diff?cluster=kube1&namespace=${ns}&from=2&to=1`];
  for (const u of urls) {
    const r = await fetch(new URL(u, served.url));
    assert.is(r.status, 200, u);
    seen.push(await r.text());
  }
  assert.ok(seen.length >= 9);
  seen.forEach((html, i) => assertNoSecret(html, `page ${i}`));
  // The values are really in the release (so the search above could fail).
  const raw = (await get('kube1', 'v1', 'Secret', ns, 'shop-db')) as { data?: { password?: string } } | undefined;
  assert.is(raw?.data?.password, Buffer.from(PW2).toString('base64'));
});

page('off loopback the page needs credentials: 401 without them, and it says so', async () => {
  const env = { ...process.env, EASTERN_STATUS_TOKEN: 'status-page-token-0123456789' };
  const guarded = await serve({ listen: '0.0.0.0:0' }, env);
  try {
    const port = new URL(guarded.url).port;
    const local = `http://127.0.0.1:${port}/`;
    const denied = await fetch(local);
    assert.is(denied.status, 401);
    assert.match(denied.headers.get('www-authenticate') ?? '', /^Basic/);
    const allowed = await fetch(local, { headers: { authorization: 'Bearer status-page-token-0123456789' } });
    assert.is(allowed.status, 200);
    assert.match(await allowed.text(), /every request needs credentials/);
    // In the browser: basic auth with the token as password opens it; the same request without credentials is refused.
    const context = await browser.newContext({ httpCredentials: { username: 'ops', password: 'status-page-token-0123456789' } });
    const q = await context.newPage();
    assert.is((await q.goto(local))?.status(), 200);
    assert.match(await q.locator('footer').innerText(), /Serving on 0\.0\.0\.0:\d+: every request needs credentials/);
    const anonymous = await q.evaluate(async () => {
      const r = await fetch('/', { credentials: 'omit' });
      return { status: r.status, text: await r.text() };
    });
    assert.is(anonymous.status, 401);
    assert.match(anonymous.text, /needs credentials: a bearer token \(EASTERN_STATUS_TOKEN\)/);
    await context.close();
  } finally {
    await guarded.stop();
  }
  const refused = await status({ cwd: repoRoot, env: { ...process.env, EASTERN_STATUS_TOKEN: '' }, io: capture().io, kubeconfig: kubeconfig(), context: ['kube1'], agents, serve: true, listen: '0.0.0.0:0', until: Promise.resolve() }).catch((e: unknown) => e);
  assert.ok(refused instanceof UsageError, String(refused));
});

cli.run();
down.run();
page.run();
