// The deploy lock with real processes: two `eastern deploy` of one project at the
// same time take turns, and a deploy killed with SIGKILL leaves a lock that
// expires, after which the next deploy proceeds with the history intact.
import { execa, type ResultPromise } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run as deploy } from '../../src/commands/deploy.js';
import { ReleaseStore } from '../../src/deploy/release-store.js';
import { capture, client, createNamespace, deleteNamespace, eventually, get, kubeconfig, manyObjects, projectDir, releases, uniqueNamespace, lockHolderOf } from '../kube/helpers.js';

const CTX = 'kube1';
const bin = fileURLToPath(new URL('../../bin/eastern', import.meta.url));
const namespaces: string[] = [];

function spawnDeploy(dir: string, namespace: string, extra: string[] = []): ResultPromise<{ reject: false; cwd: string; env: Record<string, string> }> {
  return execa(process.execPath, [bin, 'deploy', 'kubernetes.yaml', namespace, '-c', CTX, '--kubeconfig', kubeconfig(), '--no-wait', '--output', 'json', ...extra], {
    reject: false,
    cwd: dir,
    env: { NO_COLOR: '1' },
  });
}

test('two concurrent deploys of one project serialise on the lock', async () => {
  const namespace = uniqueNamespace('twins');
  namespaces.push(namespace);
  await createNamespace(CTX, namespace);
  // Different content per deploy, so that each has something to change and records a revision.
  const dir = projectDir('twins', { 'kubernetes.yaml': manyObjects(200, '${TAG}') });
  const pa = spawnDeploy(dir, namespace, ['--lock-timeout', '120', '-s', 'TAG=a']);
  const pb = spawnDeploy(dir, namespace, ['--lock-timeout', '120', '-s', 'TAG=b']);
  const [a, b] = await Promise.all([pa, pb]);
  assert.is(a.exitCode, 0, String(a.stderr));
  assert.is(b.exitCode, 0, String(b.stderr));
  const revisions = [JSON.parse(String(a.stdout)).revision, JSON.parse(String(b.stdout)).revision].sort();
  assert.equal(revisions, [1, 2]);
  const [waiter, holder, holderPid] = /waiting for the deploy lock/.test(String(a.stderr)) ? [a, b, pb.pid] : [b, a, pa.pid];
  assert.match(String(waiter.stderr), new RegExp(`waiting for the deploy lock: held by \\S+:${holderPid}\\b`));
  assert.not.match(String(holder.stderr), /waiting for the deploy lock/);
  const { heads } = await releases(CTX, namespace, 'twins');
  assert.equal(heads.map((h) => `${h.info.revision}:${h.info.outcome}`), ['2:deployed', '1:superseded']);
  // The waiter's pending record was written only after the holder finished.
  const first = heads[1]!.info;
  const secondHead = await get(CTX, 'v1', 'Secret', namespace, heads[0]!.name);
  assert.ok(Date.parse(String(secondHead?.metadata.creationTimestamp)) >= Date.parse(first.finishedAt!) - 1000);
});

test('a deploy killed with SIGKILL leaves a lock that expires; the next deploy proceeds with history intact', async () => {
  const namespace = uniqueNamespace('killed');
  namespaces.push(namespace);
  await createNamespace(CTX, namespace);
  const dir = projectDir('victim', { 'kubernetes.yaml': manyObjects(300) });
  const c = capture();
  await deploy({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, wait: false, io: c.io, file: 'kubernetes.yaml', namespace } as never);

  // A changed manifest, so the killed deploy still has 300 objects to apply after recording its revision.
  writeFileSync(join(dir, 'kubernetes.yaml'), manyObjects(300, '2.0'));
  const child = spawnDeploy(dir, namespace);
  const store = new ReleaseStore(await client(CTX), namespace, 'victim');
  await eventually('the second deploy to record its revision as pending', async () => (await store.list()).heads.find((h) => h.info.outcome === 'pending'), 30_000, 20);
  child.kill('SIGKILL');
  const killed = await child;
  assert.is(killed.signal, 'SIGKILL');
  const lease = await get(CTX, 'coordination.k8s.io/v1', 'Lease', namespace, 'eastern-lock-victim');
  assert.match(String((lease as { spec?: { holderIdentity?: string } } | undefined)?.spec?.holderIdentity), new RegExp(`:${child.pid}$`));

  const next = capture();
  const t0 = Date.now();
  const code = await deploy({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, wait: false, io: next.io, file: 'kubernetes.yaml', namespace, lockTimeout: 90, output: 'json' } as never);
  const waited = Date.now() - t0;
  assert.is(code, 0);
  assert.match(next.stderr(), /waiting for the deploy lock: held by/);
  assert.match(next.stderr(), /expired without being released/);
  assert.ok(waited < 45_000, `lease expired within its 30 s duration (waited ${waited} ms)`);
  assert.match(next.stderr(), /revision 2 was left pending by .*; marked interrupted/, next.stderr());
  const { heads, unreadable } = await store.list();
  assert.equal(unreadable, []);
  assert.equal(heads.map((h) => `${h.info.revision}:${h.info.outcome}`), ['3:deployed', '2:interrupted', '1:superseded']);
  // Every record, including the interrupted one, still reads back completely.
  for (const h of heads) assert.ok((await store.manifest(h.info)).includes('name: cm-299'));
  assert.ok((await store.manifest(heads[1]!.info)).includes('tag: "2.0"'), 'the interrupted revision holds its own manifest');
});

test('SIGTERM (a Jenkins abort) stops the wait, records the revision as interrupted and releases the lock', async () => {
  const namespace = uniqueNamespace('aborted');
  namespaces.push(namespace);
  await createNamespace(CTX, namespace);
  // A pod that never becomes ready keeps the deploy waiting.
  const never = manyObjects(1).replace('labels: {app: app}\n    spec:', 'labels: {app: app, eastern.test/simulate: unready}\n    spec:');
  assert.ok(never.includes('simulate: unready'));
  const dir = projectDir('aborted', { 'kubernetes.yaml': never });
  const child = execa(process.execPath, [bin, 'deploy', 'kubernetes.yaml', namespace, '-c', CTX, '--kubeconfig', kubeconfig(), '--timeout', '300'], { reject: false, cwd: dir, env: { NO_COLOR: '1' } });
  const store = new ReleaseStore(await client(CTX), namespace, 'aborted');
  await eventually('the deploy to wait for its rollout', async () => /waiting for \d+ objects/.test(String(child.stderr ?? '')) || (await store.list()).heads.some((h) => h.info.outcome === 'pending'), 30_000, 50);
  await new Promise((r) => setTimeout(r, 500));
  child.kill('SIGTERM');
  const result = await child;
  assert.is(result.exitCode, 143, String(result.stderr));
  assert.match(String(result.stderr), /SIGTERM received/);
  const { heads } = await store.list();
  assert.is(heads[0]!.info.outcome, 'interrupted', String(result.stderr));
  assert.is(await lockHolderOf(CTX, namespace, 'aborted'), undefined, 'lock released');
});

test.after(async () => {
  for (const n of namespaces) await deleteNamespace(CTX, n);
});

test.run();
