// The cluster engine against a real API server (kube1): the life of one project
// (deploy, no-op, image change, history, rollback, prune, diff) and the ways a
// deploy must refuse before writing anything.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run as deploy } from '../../src/commands/deploy.js';
import { run as diff } from '../../src/commands/diff.js';
import { run as history } from '../../src/commands/history.js';
import { run as rollback } from '../../src/commands/rollback.js';
import { EasternError, ValidationError } from '../../src/errors.js';
import { ReleaseStore } from '../../src/deploy/release-store.js';
import { capture, client, createNamespace, deleteNamespace, get, kubeconfig, patchAs, projectDir, releases, uniqueNamespace, lockHolderOf } from '../kube/helpers.js';

const CTX = 'kube1';
const PASSWORD = 'pa55-word-never-printed';
const namespaces: string[] = [];
const ns = (prefix: string) => {
  const n = uniqueNamespace(prefix);
  namespaces.push(n);
  return n;
};

const hello = readFileSync(new URL('./fixtures/hello/kubernetes.yaml', import.meta.url), 'utf8');
const helloDir = projectDir('hello', { 'kubernetes.yaml': hello });
const lifeNs = ns('life');

function common(extra: Record<string, unknown> = {}) {
  return { cwd: helloDir, kubeconfig: kubeconfig(), context: CTX, wait: false, lockTimeout: 30, env: { ...process.env, BUILD_URL: 'https://ci.example/job/hello/7/', JOB_NAME: 'hello', BUILD_NUMBER: '7', GIT_COMMIT: 'a'.repeat(40) }, ...extra };
}

async function deployHello(tag: string, extra: Record<string, unknown> = {}) {
  const c = capture();
  const code = await deploy({ ...common(extra), io: c.io, file: 'kubernetes.yaml', namespace: lifeNs, output: 'json', set: ['GREETING=hi', `PASSWORD=${PASSWORD}`, `IMAGE_TAG=${tag}`] } as never);
  return { code, result: JSON.parse(c.stdout()), stderr: c.stderr() };
}

const actions = (result: { objects: { kind: string; action: string }[] }) => Object.fromEntries(result.objects.map((o) => [o.kind, o.action]));

test('deploy creates every object with Eastern labels, in order, and records revision 1', async () => {
  const { code, result, stderr } = await deployHello('1.0');
  assert.is(code, 0);
  assert.is(result.revision, 1);
  assert.is(result.outcome, 'deployed');
  assert.equal(actions(result), { ConfigMap: 'created', Secret: 'created', Service: 'created', Deployment: 'created' });
  // Config before services before workloads.
  assert.equal(result.objects.map((o: { kind: string }) => o.kind), ['ConfigMap', 'Secret', 'Service', 'Deployment']);
  assert.match(result.objects[0].source, /kubernetes\.yaml:2$/);
  const dep = await get(CTX, 'apps/v1', 'Deployment', lifeNs, 'hello');
  assert.is(dep?.metadata.labels?.['app.kubernetes.io/managed-by'], 'eastern');
  assert.is(dep?.metadata.labels?.['eastern.io/project'], 'hello');
  assert.ok(((dep?.metadata.managedFields ?? []) as { manager: string }[]).some((m) => m.manager === 'eastern'));
  assert.match(stderr, new RegExp(`\\[${CTX}/${lifeNs}\\] created Deployment/hello`));
  assert.not.ok(stderr.includes(PASSWORD), 'secret value printed');
  const { heads } = await releases(CTX, lifeNs, 'hello');
  assert.is(heads.length, 1);
  assert.is(heads[0]!.info.outcome, 'deployed');
  assert.is(heads[0]!.info.build?.url, 'https://ci.example/job/hello/7/');
  assert.is(heads[0]!.info.commit, 'a'.repeat(40));
  assert.is(heads[0]!.info.variables.PASSWORD, '********');
  assert.is(heads[0]!.info.variables.IMAGE_TAG, '1.0');
});

test('a redeploy of the same manifest reports every object unchanged and records no new revision', async () => {
  const before = await get(CTX, 'apps/v1', 'Deployment', lifeNs, 'hello');
  const { code, result, stderr } = await deployHello('1.0');
  assert.is(code, 0);
  assert.is(result.revision, 1);
  assert.is(result.unchanged, true);
  assert.equal(actions(result), { ConfigMap: 'unchanged', Secret: 'unchanged', Service: 'unchanged', Deployment: 'unchanged' });
  assert.match(stderr, /unchanged: all 4 objects are as revision 1 left them/);
  const after = await get(CTX, 'apps/v1', 'Deployment', lifeNs, 'hello');
  assert.is(after?.metadata.generation, before?.metadata.generation, 'no spec change');
  const { heads } = await releases(CTX, lifeNs, 'hello');
  assert.equal(heads.map((h) => `${h.info.revision}:${h.info.outcome}`), ['1:deployed']);
  assert.ok(heads[0]!.info.confirmed?.at && heads[0]!.info.confirmed.by, 'the current revision notes who confirmed it, and when');
});

test('changing the image configures the Deployment only and names the changed field', async () => {
  const { result } = await deployHello('2.0');
  assert.is(result.revision, 2);
  assert.equal(actions(result), { ConfigMap: 'unchanged', Secret: 'unchanged', Service: 'unchanged', Deployment: 'configured' });
  const d = result.objects.find((o: { kind: string }) => o.kind === 'Deployment');
  assert.match(d.detail, /spec\.template\.spec\.containers\[name=hello\]\.image/);
  const dep = (await get(CTX, 'apps/v1', 'Deployment', lifeNs, 'hello')) as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } };
  assert.is(dep.spec.template.spec.containers[0]!.image, 'registry.example/hello:2.0');
});

test('a changed Secret is reported as a key count, never its value', async () => {
  const c = capture();
  await deploy({ ...common(), io: c.io, file: 'kubernetes.yaml', namespace: lifeNs, set: ['GREETING=hi', 'PASSWORD=another-secret-value', 'IMAGE_TAG=2.0'] } as never);
  assert.match(c.stderr(), /configured Secret\/hello-secret \(1 key changed\)/);
  assert.not.ok(c.stderr().includes('another-secret-value'));
  // Back to the original password for the following tests.
  await deployHello('2.0');
});

test('history lists revisions newest first with time, outcome, build and commit', async () => {
  const c = capture();
  await history({ cwd: helloDir, kubeconfig: kubeconfig(), context: CTX, io: c.io, project: 'hello', namespace: lifeNs } as never);
  const lines = c.stdout().trim().split('\n');
  assert.match(lines[0]!, /^REVISION\s+TIME\s+OUTCOME\s+BUILD\s+COMMIT/);
  assert.match(lines[1]!, /^4\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+deployed\s+hello #7\s+aaaaaaaaaaaa/);
  assert.is(lines.length, 5);
  const j = capture();
  await history({ cwd: helloDir, kubeconfig: kubeconfig(), context: CTX, io: j.io, project: 'hello', namespace: lifeNs, output: 'json' } as never);
  const list = JSON.parse(j.stdout());
  assert.equal(list.map((r: { revision: number }) => r.revision), [4, 3, 2, 1]);
  assert.is(list[0].variables.PASSWORD, '********');
});

test('rollback re-applies the previous good revision as a new revision', async () => {
  // Revision 4 (image 2.0) is current; revision 3 is the previous good one (also 2.0): go to 1 explicitly.
  const c = capture();
  const code = await rollback({ cwd: helloDir, kubeconfig: kubeconfig(), context: CTX, io: c.io, project: 'hello', namespace: lifeNs, to: 1, wait: false, output: 'json' } as never);
  assert.is(code, 0);
  const result = JSON.parse(c.stdout());
  assert.is(result.revision, 5);
  assert.is(result.rollbackOf, 1);
  assert.equal(actions(result).Deployment, 'configured');
  const dep = (await get(CTX, 'apps/v1', 'Deployment', lifeNs, 'hello')) as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } };
  assert.is(dep.spec.template.spec.containers[0]!.image, 'registry.example/hello:1.0');
  const { heads } = await releases(CTX, lifeNs, 'hello');
  assert.equal(heads.slice(0, 2).map((h) => `${h.info.revision}:${h.info.outcome}:${h.info.rollbackOf ?? ''}`), ['5:deployed:1', '4:rolled-back:']);
  // Without --to: back to the newest good revision before the current one (3, image 2.0).
  const again = capture();
  await rollback({ cwd: helloDir, kubeconfig: kubeconfig(), context: CTX, io: again.io, project: 'hello', namespace: lifeNs, wait: false, output: 'json' } as never);
  assert.is(JSON.parse(again.stdout()).rollbackOf, 3);
});

test('a history limit keeps only the newest revisions and their chunks', async () => {
  const { result } = await deployHello('2.0', { historyLimit: 3 });
  const { heads } = await releases(CTX, lifeNs, 'hello');
  assert.equal(heads.map((h) => h.info.revision), [result.revision, result.revision - 1, result.revision - 2]);
  const { items: secrets } = await (await client(CTX)).list('v1', 'Secret', { namespace: lifeNs, labelSelector: 'eastern.io/release-of=hello' });
  const revisions = new Set(secrets.map((s) => Number(s.metadata.labels!['eastern.io/revision'])));
  assert.equal([...revisions].sort((a, b) => a - b), heads.map((h) => h.info.revision).sort((a, b) => a - b));
});

test('prune deletes what the previous revision had and this one lacks, and nothing else', async () => {
  const namespace = ns('prune');
  const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`;
  const dir = projectDir('shop', { 'kubernetes.yaml': [cm('keep'), cm('drop'), cm('relabelled')].join('---\n') });
  const run = async (text: string, extra: Record<string, unknown> = {}) => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'kubernetes.yaml'), text);
    const c = capture();
    await deploy({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, wait: false, io: c.io, file: 'kubernetes.yaml', namespace, output: 'json', ...extra } as never);
    return { result: JSON.parse(c.stdout()), stderr: c.stderr() };
  };
  await run([cm('keep'), cm('drop'), cm('relabelled')].join('---\n'));
  const k = await client(CTX);
  // Someone else's objects in the same namespace: unlabelled, and another project's.
  await k.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unlabelled', namespace } });
  await k.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other-project', namespace, labels: { 'app.kubernetes.io/managed-by': 'eastern', 'eastern.io/project': 'other' } } });
  // An object of ours that someone took over (label changed) must survive too.
  await k.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'relabelled' }, { metadata: { labels: { 'eastern.io/project': 'someone-else' } } });

  const preview = capture();
  await diff({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, io: preview.io, file: 'kubernetes.yaml', namespace } as never).catch(() => undefined);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'kubernetes.yaml'), cm('keep'));
  const shown = capture();
  await diff({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, io: shown.io, file: 'kubernetes.yaml', namespace } as never);
  assert.match(shown.stdout(), /- ConfigMap\/drop \(would be pruned with --prune\)/);
  assert.not.match(shown.stdout(), /relabelled \(would be pruned/);

  const { result, stderr } = await run(cm('keep'), { prune: true });
  assert.equal(result.pruned.map((p: { name: string }) => p.name), ['drop']);
  assert.match(stderr, /pruned ConfigMap\/drop/);
  assert.match(stderr, /kept ConfigMap\/relabelled/);
  assert.is(await get(CTX, 'v1', 'ConfigMap', namespace, 'drop'), undefined);
  for (const name of ['keep', 'unlabelled', 'other-project', 'relabelled']) assert.ok(await get(CTX, 'v1', 'ConfigMap', namespace, name), `${name} survives`);
  // Without --prune nothing is deleted.
  await run(cm('keep2'));
  assert.ok(await get(CTX, 'v1', 'ConfigMap', namespace, 'keep'));
});

test('diff shows created, changed (field-level), unchanged and would-be-pruned objects, and --exit-code', async () => {
  const changed = hello.replace('replicas: 2', 'replicas: 3') + `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hello-extra\ndata: {}\n`;
  const dir = projectDir('hello', { 'kubernetes.yaml': changed });
  const c = capture();
  const code = await diff({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, io: c.io, file: 'kubernetes.yaml', namespace: lifeNs, set: ['GREETING=hi', `PASSWORD=${PASSWORD}`, 'IMAGE_TAG=2.0'], exitCode: true } as never);
  const out = c.stdout();
  assert.is(code, 1);
  assert.match(out, /\+ ConfigMap\/hello-extra \(create\)/);
  assert.match(out, /~ Deployment\/hello \(change\)\s+kubernetes\.yaml:\d+\n\s+~ spec\.replicas: 2 → 3/);
  assert.match(out, /= Service\/hello \(unchanged\)/);
  assert.match(out, /1 to create, 1 to change, 3 unchanged/);
  assert.not.ok(out.includes(PASSWORD));
  const same = capture();
  const code2 = await diff({ cwd: helloDir, kubeconfig: kubeconfig(), context: CTX, io: same.io, file: 'kubernetes.yaml', namespace: lifeNs, set: ['GREETING=hi', `PASSWORD=${PASSWORD}`, 'IMAGE_TAG=2.0'], exitCode: true, output: 'json' } as never);
  assert.is(code2, 0);
  assert.equal(JSON.parse(same.stdout()).summary, { create: 0, change: 0, unchanged: 4, prune: 0 });
});

test('deploy --dry-run prints the diff and writes nothing', async () => {
  const before = await releases(CTX, lifeNs, 'hello');
  const c = capture();
  await deploy({ ...common(), io: c.io, file: 'kubernetes.yaml', namespace: lifeNs, dryRun: true, set: ['GREETING=changed', `PASSWORD=${PASSWORD}`, 'IMAGE_TAG=2.0'] } as never);
  assert.match(c.stdout(), /~ ConfigMap\/hello-config \(change\).*\n\s+~ data\.GREETING: "hi" → "changed"/);
  const cm = await get(CTX, 'v1', 'ConfigMap', lifeNs, 'hello-config');
  assert.is((cm as unknown as { data: Record<string, string> }).data.GREETING, 'hi');
  const after = await releases(CTX, lifeNs, 'hello');
  assert.is(after.heads.length, before.heads.length);
});

test('an object the API server rejects stops the deploy before anything is written, naming every bad object and its line', async () => {
  const namespace = ns('invalid');
  const text = [
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\ndata:\n  a: "1"\n`,
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: broken\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: x}\n  template:\n    metadata:\n      labels: {app: x}\n    spec:\n      containers:\n        - name: x\n`,
    `apiVersion: v1\nkind: Service\nmetadata:\n  name: also-broken\nspec:\n  ports:\n    - port: 99999\n`,
  ].join('---\n');
  const dir = projectDir('bad', { 'kubernetes.yaml': text });
  const c = capture();
  try {
    await deploy({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, wait: false, io: c.io, file: 'kubernetes.yaml', namespace } as never);
    assert.unreachable('deploy should fail');
  } catch (e) {
    assert.ok(e instanceof ValidationError, String(e));
    const text = (e as EasternError).describe();
    assert.match(text, /rejected 2 of 3 objects in the dry run; nothing was applied/);
    assert.match(text, /kubernetes\.yaml:8: Deployment\/broken: .*image/i);
    assert.match(text, /kubernetes\.yaml:23: Service\/also-broken: .*port/i);
  }
  assert.is(await get(CTX, 'v1', 'ConfigMap', namespace, 'fine'), undefined);
  // The namespace this deploy created stays (another deploy may be using it by now), and says so.
  const nsObj = await get(CTX, 'v1', 'Namespace', undefined, namespace);
  assert.is((nsObj as { status?: { phase?: string } } | undefined)?.status?.phase, 'Active');
  assert.match(c.stderr(), `namespace ${namespace} was created by this deploy and is left in place`);
});

test('a rejected deploy into an existing namespace leaves no objects and no release record', async () => {
  const namespace = ns('invalid2');
  await createNamespace(CTX, namespace);
  const dir = projectDir('bad', { 'kubernetes.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_A_Valid_Name\n` });
  const err = await deploy({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, wait: false, io: capture().io, file: 'kubernetes.yaml', namespace } as never).catch((e) => e);
  assert.ok(err instanceof ValidationError);
  assert.match((err as EasternError).describe(), /kubernetes\.yaml:6: ConfigMap\/Not_A_Valid_Name/);
  assert.is(await get(CTX, 'v1', 'ConfigMap', namespace, 'fine'), undefined);
  assert.is((await releases(CTX, namespace, 'bad')).heads.length, 0);
  assert.is(await lockHolderOf(CTX, namespace, 'bad'), undefined, 'lock released');
});

test('an apiVersion the cluster does not serve fails before anything is written, naming the line and the served versions', async () => {
  const namespace = ns('unserved');
  const dir = projectDir('old', {
    'kubernetes.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n---\n# an old manifest\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: web\nspec: {}\n`,
  });
  const err = await deploy({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, wait: false, io: capture().io, file: 'kubernetes.yaml', namespace } as never).catch((e) => e);
  assert.ok(err instanceof ValidationError, String(err));
  const text = (err as EasternError).describe();
  assert.match(text, /kubernetes\.yaml:7: Ingress\/web: extensions\/v1beta1 Ingress is not served by cluster kube1; it serves Ingress as networking\.k8s\.io\/v1/);
  assert.is(await get(CTX, 'v1', 'Namespace', undefined, namespace), undefined, 'not even the namespace was created');
});

test('a 3 MiB manifest is recorded in chunks and read back exactly', async () => {
  const namespace = ns('big');
  const { randomBytes } = await import('node:crypto');
  const docs: string[] = [];
  for (let i = 0; i < 4; i++) {
    const lines = Array.from({ length: 10_000 }, (_, j) => `  k${j}: ${randomBytes(60).toString('base64')}`);
    docs.push(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big-${i}\ndata:\n${lines.join('\n')}\n`);
  }
  const text = docs.join('---\n');
  assert.ok(text.length > 3 * 1024 * 1024, `${text.length} bytes`);
  const dir = projectDir('big', { 'kubernetes.yaml': text });
  const c = capture();
  await deploy({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, wait: false, io: c.io, file: 'kubernetes.yaml', namespace, output: 'json' } as never);
  assert.is(JSON.parse(c.stdout()).outcome, 'deployed');
  const store = new ReleaseStore(await client(CTX), namespace, 'big');
  const { heads } = await store.list();
  assert.ok(heads[0]!.info.manifest.chunks >= 4, `${heads[0]!.info.manifest.chunks} chunks`);
  assert.is(await store.manifest(heads[0]!.info), text);
});

test('fields owned by another manager are a conflict until --force-conflicts takes them over', async () => {
  const namespace = ns('conflict');
  await createNamespace(CTX, namespace);
  // kubectl apply --server-side --field-manager other-tool
  const theirs = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace }, data: { mode: 'theirs' } };
  await patchAs(CTX, 'other-tool', { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'shared' }, theirs, { type: 'apply' });
  const dir = projectDir('conflict', { 'kubernetes.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata:\n  mode: ours\n` });
  const opts = { cwd: dir, kubeconfig: kubeconfig(), context: CTX, wait: false, file: 'kubernetes.yaml', namespace };
  const err = await deploy({ ...opts, io: capture().io } as never).catch((e) => e);
  assert.ok(err instanceof ValidationError, String(err));
  assert.match((err as EasternError).describe(), /kubernetes\.yaml:1: ConfigMap\/shared: .*conflict.*other-tool/i);
  assert.match((err as EasternError).fix ?? '', /--force-conflicts/);
  assert.is(((await get(CTX, 'v1', 'ConfigMap', namespace, 'shared')) as unknown as { data: { mode: string } }).data.mode, 'theirs');
  const code = await deploy({ ...opts, io: capture().io, forceConflicts: true } as never);
  assert.is(code, 0);
  assert.is(((await get(CTX, 'v1', 'ConfigMap', namespace, 'shared')) as unknown as { data: { mode: string } }).data.mode, 'ours');
});

test.after(async () => {
  for (const n of namespaces) await deleteNamespace(CTX, n);
});

test.run();
