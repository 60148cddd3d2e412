// Deploys that do only what changed (issue 20), where a fast deploy could become a
// wrong one, on the local clusters: an object is left alone only when it provably
// did not change since Eastern applied it. A field Eastern owns changed by someone
// else, a deleted object, a changed variable, partial or label: applied. A status
// update by a controller: still skipped. --force-conflicts, prune and rollback as
// before; an interrupted deploy leaves a state the next one converges from; a deploy
// with nothing to change records no revision.
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run as deploy } from '../../src/commands/deploy.js';
import { run as rollback } from '../../src/commands/rollback.js';
import { capture, client, createNamespace, deleteNamespace, eventually, get, kubeconfig, manyObjects, patchAs, projectDir, releases, uniqueNamespace } from '../kube/helpers.js';

const CTX = 'kube2';
const bin = fileURLToPath(new URL('../../bin/eastern', import.meta.url));
const namespaces: string[] = [];

async function freshNamespace(prefix: string): Promise<string> {
  const ns = uniqueNamespace(prefix);
  namespaces.push(ns);
  await createNamespace(CTX, ns);
  return ns;
}

interface Result {
  code: number;
  json: { revision: number; unchanged?: boolean; objects: { kind: string; name: string; action: string }[] };
  stderr: string;
}

async function deployJson(dir: string, namespace: string, extra: Record<string, unknown> = {}): Promise<Result> {
  const c = capture();
  const code = await deploy({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, wait: false, output: 'json', io: c.io, file: 'kubernetes.yaml', namespace, ...extra } as never);
  return { code, json: JSON.parse(c.stdout()), stderr: c.stderr() };
}

const action = (r: Result, kind: string, name: string) => r.json.objects.find((o) => o.kind === kind && o.name === name)?.action;
const configMap = (name: string, value: string, labels = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${labels}data:\n  value: "${value}"\n`;

test('a deploy with nothing to change sends no dry run or apply, records no revision, and says so', async () => {
  const ns = await freshNamespace('noop');
  const dir = projectDir('noop', { 'kubernetes.yaml': manyObjects(40) });
  const first = await deployJson(dir, ns);
  assert.is(first.code, 0, first.stderr);
  const again = await deployJson(dir, ns, { verbose: true });
  assert.is(again.code, 0, again.stderr);
  assert.is(again.json.unchanged, true);
  assert.is(again.json.revision, 1);
  assert.ok(again.json.objects.every((o) => o.action === 'unchanged'));
  assert.match(again.stderr, /unchanged: all 41 objects are as revision 1 left them/);
  assert.not.match(again.stderr, /phase dry run/, 'no dry run was sent');
  const { heads } = await releases(CTX, ns, 'noop');
  assert.equal(heads.map((h) => `${h.info.revision}:${h.info.outcome}`), ['1:deployed'], 'no identical revision buries the history');
  assert.ok(heads[0]!.info.confirmed, 'the current revision notes the confirmation');
});

test('an owned field someone else changed, a deleted object, a changed variable, partial or label: applied; the rest left alone', async () => {
  const ns = await freshNamespace('skip');
  const dir = projectDir('skip', {
    'kubernetes.yaml': [configMap('edited', 'v1'), configMap('deleted', 'v1'), configMap('variable', '${TAG}'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: partial\ndata:\n  # load! data.yaml\n', configMap('labelled', 'v1', '  labels: {tier: a}\n'), configMap('untouched', 'v1')].join('---\n'),
    'data.yaml': 'value: "v1"\n',
  });
  const set = ['TAG=1'];
  assert.is((await deployJson(dir, ns, { set })).code, 0);
  await patchAs(CTX, 'kubectl-edit', { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'edited' }, { data: { value: 'by hand' } });
  await (await client(CTX)).delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'deleted' });
  writeFileSync(join(dir, 'data.yaml'), 'value: "v2"\n');
  writeFileSync(join(dir, 'kubernetes.yaml'), (await import('node:fs')).readFileSync(join(dir, 'kubernetes.yaml'), 'utf8').replace('tier: a', 'tier: b'));
  // Not skipped: the change is found, and, as always, it conflicts with the tool that made it…
  const conflict = await deployJson(dir, ns, { set: ['TAG=2'] }).catch((e: Error) => e);
  assert.instance(conflict, Error);
  assert.match(JSON.stringify({ m: (conflict as Error).message, p: (conflict as { problems?: string[] }).problems }), /ConfigMap\/edited: .*conflict.*kubectl-edit/);
  // …until the deploy takes the field back.
  const r = await deployJson(dir, ns, { set: ['TAG=2'], forceConflicts: true });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.json.revision, 2);
  assert.is(action(r, 'ConfigMap', 'edited'), 'configured', 'an owned field changed by kubectl-edit is put back');
  assert.is(action(r, 'ConfigMap', 'deleted'), 'created');
  assert.is(action(r, 'ConfigMap', 'variable'), 'configured');
  assert.is(action(r, 'ConfigMap', 'partial'), 'configured');
  assert.is(action(r, 'ConfigMap', 'labelled'), 'configured');
  assert.is(action(r, 'ConfigMap', 'untouched'), 'unchanged');
  assert.match(r.stderr, 'unchanged since the last release (not sent): 1 object');
  assert.is(((await get(CTX, 'v1', 'ConfigMap', ns, 'edited'))?.data as Record<string, string>).value, 'v1');
  assert.is(((await get(CTX, 'v1', 'ConfigMap', ns, 'partial'))?.data as Record<string, string>).value, 'v2');
  assert.is((await get(CTX, 'v1', 'ConfigMap', ns, 'labelled'))?.metadata.labels?.tier, 'b');
});

test('an object whose resourceVersion moved only because a controller wrote its status is still left alone', async () => {
  const ns = await freshNamespace('status');
  const dir = projectDir('status', { 'kubernetes.yaml': manyObjects(1) });
  assert.is((await deployJson(dir, ns)).code, 0);
  const applied = (await get(CTX, 'apps/v1', 'Deployment', ns, 'app'))!;
  // A status write like a controller's, made here so it surely comes after the apply
  // (the Deployment controller's own may land before the deploy returns).
  const later = await patchAs(CTX, 'test-controller', { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'app' },
    { status: { conditions: [{ type: 'Progressing', status: 'True', reason: 'TestWrite', message: 'written by the test', lastUpdateTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }] } },
    { subresource: 'status' });
  assert.is.not(later.metadata.resourceVersion, applied.metadata.resourceVersion, 'the status write moved the resourceVersion');
  assert.is(later.metadata.generation, applied.metadata.generation, 'a status write leaves the generation');
  const r = await deployJson(dir, ns);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.json.unchanged, true, r.stderr);
  const now = (await get(CTX, 'apps/v1', 'Deployment', ns, 'app'))!;
  assert.is(now.metadata.generation, later.metadata.generation, 'the Deployment was not applied again');
});

test('--force-conflicts, prune and rollback behave as without skipping', async () => {
  const ns = await freshNamespace('force');
  const dir = projectDir('force', { 'kubernetes.yaml': [configMap('a', '1'), configMap('b', '1'), configMap('c', '1')].join('---\n') });
  assert.is((await deployJson(dir, ns)).code, 0);
  // Someone takes a field with server-side apply: the next deploy conflicts, unless it forces.
  const c = await client(CTX);
  const { path } = await c.collection('v1', 'ConfigMap', ns);
  await c.send('PATCH', `${path}/a`, { query: { fieldManager: 'helm', force: true }, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { value: 'theirs' } }), contentType: 'application/apply-patch+yaml' });
  const refused = await deployJson(dir, ns).catch((e: Error) => e);
  assert.instance(refused, Error);
  assert.match(String((refused as Error).message), 'rejected 1 of 1 objects in the dry run');
  const forced = await deployJson(dir, ns, { forceConflicts: true });
  assert.is(forced.code, 0, forced.stderr);
  assert.is(action(forced, 'ConfigMap', 'a'), 'configured');
  assert.is(((await get(CTX, 'v1', 'ConfigMap', ns, 'a'))?.data as Record<string, string>).value, '1');
  // Prune: c leaves the template; a and b are left alone, c deleted.
  writeFileSync(join(dir, 'kubernetes.yaml'), [configMap('a', '1'), configMap('b', '1')].join('---\n'));
  const pruned = await deployJson(dir, ns, { prune: true });
  assert.is(pruned.code, 0, pruned.stderr);
  assert.is(await get(CTX, 'v1', 'ConfigMap', ns, 'c'), undefined);
  assert.is(action(pruned, 'ConfigMap', 'a'), 'unchanged');
  // Rollback to revision 1 brings c back; nothing is skipped for a rollback.
  const rb = capture();
  assert.is(await rollback({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, io: rb.io, project: 'force', namespace: ns, to: 1, wait: false } as never), 0, rb.stderr());
  assert.ok(await get(CTX, 'v1', 'ConfigMap', ns, 'c'));
});

test('a deploy killed after some writes leaves a state the next deploy converges from', async () => {
  const ns = await freshNamespace('converge');
  const dir = projectDir('converge', { 'kubernetes.yaml': manyObjects(120, 'old') });
  assert.is((await deployJson(dir, ns)).code, 0);
  writeFileSync(join(dir, 'kubernetes.yaml'), manyObjects(120, 'new'));
  const child = execa(process.execPath, [bin, 'deploy', 'kubernetes.yaml', ns, '-c', CTX, '--kubeconfig', kubeconfig(), '--no-wait'], { reject: false, cwd: dir, env: { NO_COLOR: '1' } });
  const c = await client(CTX);
  await eventually('some objects to be applied', async () => {
    const { items } = await c.list('v1', 'ConfigMap', { namespace: ns, labelSelector: 'eastern.io/project=converge' });
    return items.some((cm) => (cm.data as Record<string, string>).tag === 'new');
  }, 30_000, 5);
  child.kill('SIGKILL');
  await child;
  const next = await deployJson(dir, ns, { lockTimeout: 90 });
  assert.is(next.code, 0, next.stderr);
  const { items } = await c.list('v1', 'ConfigMap', { namespace: ns, labelSelector: 'eastern.io/project=converge' });
  assert.equal([...new Set(items.map((cm) => (cm.data as Record<string, string>).tag))], ['new']);
  // And a deploy right after has nothing left to do.
  assert.is((await deployJson(dir, ns)).json.unchanged, true);
});

test.after(async () => {
  await Promise.all(namespaces.map((ns) => deleteNamespace(CTX, ns)));
});

test.run();
