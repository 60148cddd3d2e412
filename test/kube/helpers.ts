// Shared by the cluster-engine integration tests: the test kubeconfig (fail
// loudly without it), a unique namespace per test, project folders on disk,
// in-process command runs with captured output, and a client to inspect the cluster.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '../../src/kube/client.js';
import { loadClusterTarget } from '../../src/kube/kubeconfig.js';
import type { KubeObject, ObjectRef } from '../../src/kube/objects.js';
import { ReleaseStore } from '../../src/deploy/release-store.js';

export function kubeconfig(): string {
  const file = process.env.EASTERN_TEST_KUBECONFIG;
  if (!file) {
    throw new Error('EASTERN_TEST_KUBECONFIG is not set: run the integration tier through `npm test` (or `node test/cluster/cluster.mjs up` and set it to .cluster/kubeconfig)');
  }
  if (!existsSync(file)) throw new Error(`EASTERN_TEST_KUBECONFIG=${file} does not exist`);
  return file;
}

let counter = 0;
export function uniqueNamespace(prefix: string): string {
  return `${prefix}-${process.pid.toString(36)}-${Date.now().toString(36)}-${(counter++).toString(36)}`.slice(0, 63);
}

const clients = new Map<string, Promise<KubeClient>>();
export function client(context = 'kube1', config = kubeconfig()): Promise<KubeClient> {
  const key = `${config}|${context}`;
  let c = clients.get(key);
  if (!c) {
    c = KubeClient.connect(loadClusterTarget({ kubeconfig: config, context }));
    clients.set(key, c);
  }
  return c;
}

/** A project folder holding kubernetes.yaml (and extra files); the folder name is the project. */
export function projectDir(project: string, files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'eastern-int-'));
  const dir = join(root, project);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => void out.push(s) }, stderr: { write: (s: string) => void err.push(s) } },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

export async function get(context: string, apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
  return (await client(context)).get({ apiVersion, kind, name, ...(namespace && { namespace }) });
}

export async function releases(context: string, namespace: string, project: string) {
  return new ReleaseStore(await client(context), namespace, project).list();
}

export async function deleteNamespace(context: string, namespace: string): Promise<void> {
  await (await client(context)).delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }).catch(() => undefined);
}

export async function createNamespace(context: string, namespace: string): Promise<void> {
  await (await client(context)).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
}

const PATCH_TYPES = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/**
 * A PATCH by another field manager, sent the way kubectl or a web console sends it
 * (not through Eastern's own writes, which always name the manager "eastern"):
 * `merge` for kubectl annotate, edit and patch --type merge; `strategic` for kubectl
 * set; `apply` for kubectl apply --server-side; `subresource` e.g. scale.
 */
export async function patchAs(
  context: string,
  manager: string,
  ref: ObjectRef,
  patch: unknown,
  options: { type?: keyof typeof PATCH_TYPES; subresource?: string } = {},
): Promise<KubeObject> {
  const c = await client(context);
  const { path } = await c.collection(ref.apiVersion, ref.kind, ref.namespace);
  const type = options.type ?? 'merge';
  const url = `${path}/${encodeURIComponent(ref.name)}${options.subresource ? `/${options.subresource}` : ''}`;
  const query = { fieldManager: manager, ...(type === 'apply' && { fieldValidation: 'Strict' }) };
  return (await c.send<KubeObject>('PATCH', url, { query, body: JSON.stringify(patch), contentType: PATCH_TYPES[type] })).body;
}

/**
 * What `kubectl scale` sends (seen with -v=8 on kubectl 1.33): a merge patch of the
 * scale subresource naming no field manager, so the API server takes the manager from
 * kubectl's user agent: "kubectl".
 */
export async function scaleLikeKubectl(context: string, namespace: string, deployment: string, replicas: number): Promise<void> {
  await patchAs(context, 'kubectl', { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: deployment }, { spec: { replicas } }, { subresource: 'scale' });
}

/** Polls until fn returns a truthy value or the time runs out. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A template of n ConfigMaps (plus a Deployment), for load and timing-sensitive tests. */
export function manyObjects(n: number, tag = '1.0'): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) docs.push(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  index: "${i}"\n  tag: "${tag}"\n`);
  docs.push(`apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: app}\n  template:\n    metadata:\n      labels: {app: app}\n    spec:\n      containers:\n        - name: app\n          image: registry.example/app:${tag}\n`);
  return docs.join('---\n');
}

/** Who holds a project's deploy lock (undefined when released: the Lease stays, its holder is cleared). */
export async function lockHolderOf(context: string, namespace: string, project: string): Promise<string | undefined> {
  const lease = (await get(context, 'coordination.k8s.io/v1', 'Lease', namespace, `eastern-lock-${project}`)) as { spec?: { holderIdentity?: string } } | undefined;
  return lease?.spec?.holderIdentity || undefined;
}
