// What a red team broke (issue 13, "no lost data"), each reproduced on the local
// clusters: a failed first deploy must not delete a namespace someone else just
// deployed into; a deploy that lost its lock must stop writing; damaged or deleted
// release records must neither block deploys nor let revision numbers repeat; an
// interrupted deploy must show as such in drift and history; and one project must
// not silently take over another project's object.
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run as deploy } from '../../src/commands/deploy.js';
import { run as drift } from '../../src/commands/drift.js';
import { run as history } from '../../src/commands/history.js';
import { run as rollback } from '../../src/commands/rollback.js';
import { ReleaseStore } from '../../src/deploy/release-store.js';
import { ValidationError } from '../../src/errors.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { capture, client, createNamespace, deleteNamespace, eventually, get, kubeconfig, manyObjects, projectDir, releases, uniqueNamespace } from '../kube/helpers.js';

const CTX = 'kube1';
const bin = fileURLToPath(new URL('../../bin/eastern', import.meta.url));
const namespaces: string[] = [];
const newNamespace = (prefix: string) => {
  const ns = uniqueNamespace(prefix);
  namespaces.push(ns);
  return ns;
};

const configMap = (name: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join('\n')}\n`;

/** `eastern deploy` in this process; resolves with the exit code and the output (errors as the CLI reports them). */
async function deployIn(dir: string, namespace: string, extra: Record<string, unknown> = {}) {
  const c = capture();
  try {
    const code = await deploy({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, wait: false, io: c.io, file: 'kubernetes.yaml', namespace, ...extra } as never);
    return { code, error: undefined as unknown, stderr: c.stderr(), stdout: c.stdout() };
  } catch (error) {
    return { code: (error as { exitCode?: number }).exitCode ?? -1, error, stderr: c.stderr(), stdout: c.stdout() };
  }
}

function spawnDeploy(dir: string, namespace: string, extra: string[] = []) {
  return execa(process.execPath, [bin, 'deploy', 'kubernetes.yaml', namespace, '-c', CTX, '--kubeconfig', kubeconfig(), '--no-wait', ...extra], {
    reject: false,
    cwd: dir,
    env: { NO_COLOR: '1' },
    buffer: true,
  });
}

/** Resolves once the child wrote `pattern` to stderr. */
function stderrSays(child: ReturnType<typeof spawnDeploy>, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} in:\n${text}`)), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (pattern.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

test('1: a failed first deploy does not delete the namespace another project deployed into meanwhile', async () => {
  const ns = newNamespace('race');
  // Project A: many objects (a long dry run) and one the server rejects; it creates the namespace.
  const a = projectDir('race-a', { 'kubernetes.yaml': `${manyObjects(1500)}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata:\n  port: 8080\n` });
  const b = projectDir('race-b', { 'kubernetes.yaml': configMap('b-settings', { owner: 'b' }) });
  const first = deployIn(a, ns);
  await eventually('A to create the namespace', () => get(CTX, 'v1', 'Namespace', undefined, ns), 30_000, 20);
  const second = await deployIn(b, ns);
  assert.is(second.code, 0, second.stderr);
  const failed = await first;
  assert.instance(failed.error, ValidationError, failed.stderr);
  assert.match(String((failed.error as Error).message), /rejected 1 of 1502 objects in the dry run/);
  const namespace = await get(CTX, 'v1', 'Namespace', undefined, ns) as { status?: { phase?: string } } | undefined;
  assert.is(namespace?.status?.phase, 'Active', 'the namespace is not being deleted');
  assert.ok(await get(CTX, 'v1', 'ConfigMap', ns, 'b-settings'), "B's object is still there");
  assert.equal((await releases(CTX, ns, 'race-b')).heads.map((h) => `${h.info.revision}:${h.info.outcome}`), ['1:deployed']);
  assert.match(failed.stderr, `namespace ${ns} was created by this deploy and is left in place`);
  // An immediate retry of A (fixed) works: nothing is Terminating.
  writeFileSync(join(a, 'kubernetes.yaml'), manyObjects(3));
  assert.is((await deployIn(a, ns)).code, 0);
});

test('2: a deploy that lost its lock while stopped writes nothing when it continues', async () => {
  const ns = newNamespace('fenced');
  await createNamespace(CTX, ns);
  const dir = projectDir('fenced', { 'kubernetes.yaml': manyObjects(150, '13') });
  const stale = spawnDeploy(dir, ns);
  await stderrSays(stale, /revision 1 recorded as pending/);
  stale.kill('SIGSTOP');
  try {
    // The stopped deploy cannot renew its lease; the next deploy takes it once it expired.
    writeFileSync(join(dir, 'kubernetes.yaml'), manyObjects(150, '14'));
    const fresh = await deployIn(dir, ns, { lockTimeout: 120, output: 'json' });
    assert.is(fresh.code, 0, fresh.stderr);
    assert.match(fresh.stderr, /expired without being released/);
    assert.is(JSON.parse(fresh.stdout).revision, 2);
  } finally {
    stale.kill('SIGCONT');
  }
  const result = await stale;
  assert.is.not(result.exitCode, 0, String(result.stderr));
  assert.match(String(result.stderr), /lost the deploy lock/);
  const c = await client(CTX);
  const { items } = await c.list('v1', 'ConfigMap', { namespace: ns, labelSelector: 'eastern.io/project=fenced' });
  const tags = new Set(items.map((cm) => (cm.data as Record<string, string>).tag));
  assert.equal([...tags], ['14'], 'every object holds what the deploy that owns the lock applied');
  const { heads } = await releases(CTX, ns, 'fenced');
  assert.equal(heads.map((h) => `${h.info.revision}:${h.info.outcome}`), ['2:deployed', '1:interrupted']);
  const d = capture();
  await drift({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, io: d.io, namespaces: [ns], output: 'json' } as never);
  assert.equal(JSON.parse(d.stdout()).projects.map((p: { state: string; revision: number }) => `${p.revision}:${p.state}`), ['2:ok']);
});

test('3: a damaged release record is reported and skipped; a deleted one never gives its revision number away again', async () => {
  const ns = newNamespace('records');
  await createNamespace(CTX, ns);
  const dir = projectDir('records', { 'kubernetes.yaml': configMap('settings', { v: '1' }) });
  assert.is((await deployIn(dir, ns)).code, 0);
  writeFileSync(join(dir, 'kubernetes.yaml'), configMap('settings', { v: '2' }));
  assert.is((await deployIn(dir, ns)).code, 0);
  const c = await client(CTX);
  const headRef = (n: number) => ({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: `eastern.release.records.v${n}` });
  await c.mergePatch(headRef(2), { data: { 'release.json': Buffer.from('{"schema": 1, "revision": ').toString('base64'), 'release.json.gz': null } });
  const chunkBefore = await c.get({ ...headRef(2), name: 'eastern.release.records.v2.1' });

  writeFileSync(join(dir, 'kubernetes.yaml'), configMap('settings', { v: '3' }));
  const third = await deployIn(dir, ns, { output: 'json' });
  assert.is(third.code, 0, third.stderr);
  assert.is(JSON.parse(third.stdout).revision, 3);
  assert.match(third.stderr, /release record eastern\.release\.records\.v2 is damaged/);
  const chunkAfter = await c.get({ ...headRef(2), name: 'eastern.release.records.v2.1' });
  assert.is(chunkAfter?.metadata.resourceVersion, chunkBefore?.metadata.resourceVersion, "revision 2's chunk was not overwritten");

  const h = capture();
  assert.is(await history({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, io: h.io, project: 'records', namespace: ns } as never), 0);
  assert.match(h.stdout() + h.stderr(), /release record eastern\.release\.records\.v2 is damaged/);

  try {
    await rollback({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, io: capture().io, project: 'records', namespace: ns, to: 2, wait: false } as never);
    assert.unreachable('rolling back to a damaged revision must fail');
  } catch (error) {
    assert.not.match(String((error as Error).message), /internal error/);
    assert.match(String((error as Error).message), /revision 2 of records is not in the history|is damaged/);
    assert.ok((error as { fix?: string }).fix, 'the error says what to do');
  }

  // Revision 3 deleted by hand (head and chunks): the next deploy is 4, not 3 again.
  await c.deleteCollection('v1', 'Secret', ns, 'eastern.io/release-of=records,eastern.io/revision=3');
  writeFileSync(join(dir, 'kubernetes.yaml'), configMap('settings', { v: '4' }));
  const fourth = await deployIn(dir, ns, { output: 'json' });
  assert.is(fourth.code, 0, fourth.stderr);
  assert.is(JSON.parse(fourth.stdout).revision, 4);
});

test('4: a deploy killed half-way shows as interrupted in drift and history', async () => {
  const ns = newNamespace('halfway');
  await createNamespace(CTX, ns);
  const dir = projectDir('halfway', { 'kubernetes.yaml': manyObjects(100, 'old') });
  assert.is((await deployIn(dir, ns)).code, 0);
  writeFileSync(join(dir, 'kubernetes.yaml'), manyObjects(100, 'new'));
  const child = spawnDeploy(dir, ns);
  await stderrSays(child, /revision 2 recorded as pending/);
  await eventually('some objects to be applied', async () => {
    const { items } = await (await client(CTX)).list<KubeObject>('v1', 'ConfigMap', { namespace: ns, labelSelector: 'eastern.io/project=halfway' });
    return items.some((cm) => (cm.data as Record<string, string>).tag === 'new');
  }, 20_000, 5);
  child.kill('SIGKILL');
  await child;
  // Until its lease expires the dead deploy may still be running, as far as anyone can tell.
  const state = await eventually('drift to call the project interrupted', async () => {
    const d = capture();
    await drift({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, io: d.io, namespaces: [ns], output: 'json' } as never);
    const p = JSON.parse(d.stdout()).projects[0] as { state: string; revision: number };
    return p.state === 'in-progress' ? undefined : p;
  }, 60_000, 1000);
  assert.is(state.state, 'interrupted');
  assert.is(state.revision, 2);
  const exit = capture();
  assert.is(await drift({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, io: exit.io, namespaces: [ns], exitCode: true } as never), 1, 'an interrupted project fails the drift gate');
  assert.match(exit.stdout(), /halfway: interrupted/);
  const h = capture();
  await history({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, io: h.io, project: 'halfway', namespace: ns } as never);
  assert.match(h.stdout(), /2\s+.*interrupted/);
});

test('5: deploying an object that belongs to another project is refused before anything is written, unless --take-over', async () => {
  const ns = newNamespace('owners');
  await createNamespace(CTX, ns);
  const owner = projectDir('proj1', { 'kubernetes.yaml': configMap('web1-cfg', { owner: 'proj1' }) });
  assert.is((await deployIn(owner, ns)).code, 0);
  const other = projectDir('other', { 'kubernetes.yaml': `${configMap('other-cm', { a: '1' })}---\n${configMap('web1-cfg', { owner: 'other' })}` });
  const refused = await deployIn(other, ns);
  assert.instance(refused.error, ValidationError, refused.stderr);
  const text = [String((refused.error as Error).message), ...(refused.error as ValidationError).problems].join('\n');
  assert.match(text, /ConfigMap\/web1-cfg belongs to project proj1/);
  assert.match(String((refused.error as ValidationError).fix), /--take-over/);
  assert.is(await get(CTX, 'v1', 'ConfigMap', ns, 'other-cm'), undefined, 'nothing was applied');
  assert.equal((await releases(CTX, ns, 'other')).heads, [], 'no release was recorded');
  const cm = await get(CTX, 'v1', 'ConfigMap', ns, 'web1-cfg');
  assert.is((cm?.data as Record<string, string>).owner, 'proj1');

  const taken = await deployIn(other, ns, { takeOver: true });
  assert.is(taken.code, 0, taken.stderr);
  assert.match(taken.stderr, /ConfigMap\/web1-cfg: taken over from project proj1/);
  const now = await get(CTX, 'v1', 'ConfigMap', ns, 'web1-cfg');
  assert.is(now?.metadata.labels?.['eastern.io/project'], 'other');
});

test.after(async () => {
  await Promise.all(namespaces.map((ns) => deleteNamespace(CTX, ns)));
});

test.run();
