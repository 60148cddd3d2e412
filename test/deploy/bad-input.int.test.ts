// Bad input a red team sent (issue 13, items 9-11), each against the local clusters:
// an alias bomb and an oversized object are refused before any cluster call and
// loses nothing; invalid UTF-8 is refused at file:line; and no Secret value — nor a
// secret-looking variable's — appears in what a deploy or a diff prints, whether the
// YAML is broken, the API server quotes a value back, or the value is simply in a field.
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run as deploy } from '../../src/commands/deploy.js';
import { run as diff } from '../../src/commands/diff.js';
import { TemplateError, ValidationError } from '../../src/errors.js';
import { capture, createNamespace, deleteNamespace, get, kubeconfig, projectDir, releases, uniqueNamespace } from '../kube/helpers.js';

const CTX = 'kube1';
const namespaces: string[] = [];
const newNamespace = (prefix: string) => {
  const ns = uniqueNamespace(prefix);
  namespaces.push(ns);
  return ns;
};

async function attempt(run: () => Promise<number>, c: ReturnType<typeof capture>) {
  try {
    return { code: await run(), error: undefined as unknown, out: c.stdout() + c.stderr() };
  } catch (error) {
    const e = error as { describe?: () => string; message?: string };
    return { code: -1, error, out: `${c.stdout()}${c.stderr()}${e.describe ? e.describe() : String(e.message)}` };
  }
}

/** A server that counts connections and answers none: proof that nothing reached a cluster. */
async function countingServer() {
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, connections: () => connections, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const aliasBomb = [
  'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: bomb', 'data:',
  '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  '  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', '  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', '  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  '  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]', '  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]', '  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
  '  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]', '  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]', '',
].join('\n');

test('9: an alias bomb and an object larger than an API server accepts are refused before any cluster call', async () => {
  const server = await countingServer();
  try {
    const dead = join(projectDir('nowhere', {}), 'kubeconfig');
    writeFileSync(dead, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "http://127.0.0.1:${server.port}"}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n`);
    const bomb = projectDir('bomb', { 'kubernetes.yaml': aliasBomb });
    const c = capture();
    const t0 = Date.now();
    const r = await attempt(() => deploy({ cwd: bomb, kubeconfig: dead, wait: false, io: c.io, file: 'kubernetes.yaml', namespace: 'anywhere' } as never), c);
    assert.instance(r.error, TemplateError, r.out);
    assert.match(r.out, /kubernetes\.yaml:\d+: the rendered template is refused: aliases would add [\d,]+ nodes/);
    assert.match(r.out, 'an alias bomb?');
    assert.ok(Date.now() - t0 < 30_000, 'no expansion of the bomb');
    const big = projectDir('big', { 'kubernetes.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: "${'x'.repeat(3.2 * 1024 * 1024)}"\n` });
    const c2 = capture();
    const r2 = await attempt(() => deploy({ cwd: big, kubeconfig: dead, wait: false, io: c2.io, file: 'kubernetes.yaml', namespace: 'anywhere' } as never), c2);
    assert.instance(r2.error, TemplateError, r2.out.slice(0, 2000));
    assert.match(r2.out, /kubernetes\.yaml:1: this object is about 3\.2 MiB as JSON, more than the 3 MiB the Kubernetes API server accepts/);
    assert.is(server.connections(), 0, 'no connection to a cluster was made');
  } finally {
    await server.close();
  }
  // And on a real cluster: nothing written, no namespace made.
  const ns = newNamespace('bomb');
  const bomb = projectDir('bomb', { 'kubernetes.yaml': aliasBomb });
  const r = await attempt(() => deploy({ cwd: bomb, kubeconfig: kubeconfig(), context: CTX, wait: false, io: capture().io, file: 'kubernetes.yaml', namespace: ns } as never), capture());
  assert.instance(r.error, TemplateError);
  assert.is(await get(CTX, 'v1', 'Namespace', undefined, ns), undefined, 'the namespace was not even created');
});

test('11: invalid UTF-8 in a partial is refused at file:line before anything is applied', async () => {
  const ns = newNamespace('utf8');
  const dir = projectDir('utf8', { 'kubernetes.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: menu\ndata:\n  # load! menu.yaml\n' });
  writeFileSync(join(dir, 'menu.yaml'), Buffer.concat([Buffer.from('dish: "caf'), Buffer.from([0xe8]), Buffer.from('"\n')]));
  const c = capture();
  const r = await attempt(() => deploy({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, wait: false, io: c.io, file: 'kubernetes.yaml', namespace: ns } as never), c);
  assert.instance(r.error, TemplateError, r.out);
  assert.match(r.out, /menu\.yaml:1: not valid UTF-8: byte \d+ of the line is 0xE8/);
  assert.match(r.out, 'included from kubernetes.yaml:6');
  assert.not.match(r.out, '\uFFFD');
  assert.is(await get(CTX, 'v1', 'Namespace', undefined, ns), undefined, 'nothing was applied');
});

test('10: no Secret value, and no secret-looking variable\'s value, in what deploy and diff print', async () => {
  const ns = newNamespace('secrets');
  await createNamespace(CTX, ns);
  // (a) YAML broken on a Secret's line: the error shows the line, masked.
  const broken = projectDir('broken', { 'kubernetes.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2XYZ: x\n' });
  const a = capture();
  const ra = await attempt(() => deploy({ cwd: broken, kubeconfig: kubeconfig(), context: CTX, wait: false, verbose: true, io: a.io, file: 'kubernetes.yaml', namespace: ns } as never), a);
  assert.instance(ra.error, TemplateError, ra.out);
  assert.match(ra.out, 'kubernetes.yaml:6');
  assert.not.match(ra.out, 'hunter2XYZ');

  // (b) The API server quotes a value back (an unquoted number in stringData): masked.
  const quoted = projectDir('quoted', { 'kubernetes.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: pin\nstringData:\n  pin: 9081726354\n' });
  const b = capture();
  const rb = await attempt(() => deploy({ cwd: quoted, kubeconfig: kubeconfig(), context: CTX, wait: false, io: b.io, file: 'kubernetes.yaml', namespace: ns } as never), b);
  assert.instance(rb.error, ValidationError, rb.out);
  assert.match(rb.out, /kubernetes\.yaml:1: Secret\/pin: .*\.stringData\.pin: expected string/);
  assert.not.match(rb.out, '9081726354');
  assert.match(rb.out, '********');

  // (c) A secret-looking variable used outside a Secret: not in the deploy log, the diff, or the dry-run output.
  const template = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  url: "postgres://app:${DB_PASSWORD}@db/app"\n';
  const app = projectDir('app', { 'kubernetes.yaml': template });
  const set = (v: string) => [`DB_PASSWORD=${v}`];
  const first = capture();
  assert.is(await deploy({ cwd: app, kubeconfig: kubeconfig(), context: CTX, wait: false, verbose: true, io: first.io, file: 'kubernetes.yaml', namespace: ns, set: set('s3cretFirst') } as never), 0, first.stderr());
  assert.not.match(first.stdout() + first.stderr(), 's3cretFirst');
  const d = capture();
  await diff({ cwd: app, kubeconfig: kubeconfig(), context: CTX, verbose: true, io: d.io, file: 'kubernetes.yaml', namespace: ns, set: set('s3cretSecond') } as never);
  const shown = d.stdout() + d.stderr();
  assert.match(shown, 'data.url', 'the diff shows the change');
  assert.not.match(shown, 's3cretFirst');
  assert.not.match(shown, 's3cretSecond');
  const j = capture();
  await diff({ cwd: app, kubeconfig: kubeconfig(), context: CTX, output: 'json', io: j.io, file: 'kubernetes.yaml', namespace: ns, set: set('s3cretSecond') } as never);
  assert.not.match(j.stdout(), 's3cretSecond');
  const dry = capture();
  await deploy({ cwd: app, kubeconfig: kubeconfig(), context: CTX, dryRun: true, io: dry.io, file: 'kubernetes.yaml', namespace: ns, set: set('s3cretSecond') } as never);
  assert.not.match(dry.stdout() + dry.stderr(), 's3cretSecond');
  const { heads } = await releases(CTX, ns, 'app');
  assert.is(heads[0]?.info.variables.DB_PASSWORD, '********', 'the record masks it too');
});

test.after(async () => {
  await Promise.all(namespaces.map((ns) => deleteNamespace(CTX, ns)));
});

test.run();
