// Helpers for the rollout integration tests on the local clusters (test/cluster/):
// the kubeconfig from EASTERN_TEST_KUBECONFIG (missing or unreachable → the test
// fails, never skips), a fresh namespace per test, and object builders with the
// `eastern.test/simulate` label that makes KWOK play a failure.
import { existsSync } from 'node:fs';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import { createLogger, type Logger } from '../../src/output/logger.js';

export type Context = 'kube1' | 'kube2';
export const SIMULATE = 'eastern.test/simulate';

export function kubeconfigPath(): string {
  const file = process.env.EASTERN_TEST_KUBECONFIG;
  if (!file) {
    throw new Error('EASTERN_TEST_KUBECONFIG is not set: run the integration tier through `npm test` (or `node test/cluster/cluster.mjs up` and point it at .cluster/kubeconfig)');
  }
  if (!existsSync(file)) throw new Error(`EASTERN_TEST_KUBECONFIG=${file} does not exist`);
  return file;
}

export async function kubeConfig(context: Context = 'kube2'): Promise<KubeConfig> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  kc.setCurrentContext(context);
  return kc;
}

/** Eastern's access layer over the same kubeconfig, for the rollout watch. */
export function clusterApi(kc: KubeConfig): Promise<KubeClient> {
  return KubeClient.connect({ kubeConfig: kc, context: kc.getCurrentContext(), server: kc.getCurrentCluster()?.server ?? '', origin: 'test' });
}

export async function objectApi(kc: KubeConfig) {
  const k8s = await import('@kubernetes/client-node');
  return k8s.KubernetesObjectApi.makeApiClient(kc);
}

/** A namespace of its own for one test; deleted afterwards (without waiting). */
export async function withNamespace<T>(kc: KubeConfig, prefix: string, fn: (namespace: string) => Promise<T>): Promise<T> {
  const api = await objectApi(kc);
  const namespace = `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e4)}`;
  try {
    await api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  } catch (error) {
    throw new Error(`cannot create namespace ${namespace} on ${kc.getCurrentContext()} (is the cluster up?): ${(error as Error).message}`);
  }
  try {
    return await fn(namespace);
  } finally {
    await api.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }).catch(() => {});
  }
}

export async function create(kc: KubeConfig, ...objects: KubernetesObject[]): Promise<void> {
  const api = await objectApi(kc);
  for (const o of objects) await api.create(o);
}

/** JSON merge patch of a live object. */
export async function mergePatch(kc: KubeConfig, object: KubernetesObject, patch: Record<string, unknown>): Promise<void> {
  const k8s = await import('@kubernetes/client-node');
  const api = await objectApi(kc);
  await api.patch({ ...patch, apiVersion: object.apiVersion, kind: object.kind, metadata: { ...(patch.metadata as object), name: object.metadata?.name, namespace: object.metadata?.namespace } } as KubernetesObject,
    undefined, undefined, undefined, undefined, k8s.PatchStrategy.MergePatch);
}

export async function getRaw<T = Record<string, unknown>>(kc: KubeConfig, object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): Promise<T | undefined> {
  const api = await objectApi(kc);
  try {
    return (await api.read(object)) as T;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

export function deployment(namespace: string, name: string, options: { replicas?: number; simulate?: string; image?: string; annotations?: Record<string, string> } = {}): KubernetesObject & Record<string, unknown> {
  const labels: Record<string, string> = { app: name, ...(options.simulate && { [SIMULATE]: options.simulate }) };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, ...(options.annotations && { annotations: options.annotations }) },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: options.image ?? 'example.com/app:1' }] } },
    },
  };
}

export function service(namespace: string, name: string, app: string): KubernetesObject & Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] } };
}

export function target(object: KubernetesObject) {
  return { apiVersion: object.apiVersion as string, kind: object.kind as string, name: object.metadata?.name as string, namespace: object.metadata?.namespace as string };
}

/** A logger whose lines are kept (and echoed to stderr with EASTERN_TEST_ECHO=1). */
export function capture(verbose = true): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const logger = createLogger({
    out: { write: (s: string) => { lines.push(s); if (process.env.EASTERN_TEST_ECHO) process.stderr.write(s); } },
    env: {},
    verbose,
  });
  return { logger, text: () => lines.join('') };
}
