// Which cluster to talk to: --kubeconfig, else $KUBECONFIG (a path list, merged as
// kubectl does), else ~/.kube/config, else the in-cluster service account; then
// --context (or the file's current context).

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
// A static import, so that the CLI bundle keeps only KubeConfig and what it needs
// (client-node's generated API classes and models are dropped at build time, see
// scripts/bundle.mjs). Commands load this module only when they talk to a cluster.
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterError } from '../errors.js';

export interface ClusterTarget {
  kubeConfig: KubeConfig;
  /** Context name, used in the [context/namespace] log scope. */
  context: string;
  server: string;
  /** Where the configuration came from, for messages. */
  origin: string;
}

export interface KubeConfigOptions {
  kubeconfig?: string;
  context?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** The kubeconfig files that would be read, in order, or 'in-cluster'. Pure apart from existsSync. */
export function kubeConfigSources(options: KubeConfigOptions, exists: (p: string) => boolean = existsSync): string[] | 'in-cluster' | undefined {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  if (options.kubeconfig) return [resolve(cwd, options.kubeconfig)];
  if (env.KUBECONFIG) {
    const files = env.KUBECONFIG.split(delimiter).filter(Boolean).map((f) => resolve(cwd, f));
    const present = files.filter((f) => exists(f));
    if (present.length > 0) return present;
  }
  const home = env.HOME ?? homedir();
  const file = join(home, '.kube', 'config');
  if (exists(file)) return [file];
  if (env.KUBERNETES_SERVICE_HOST && exists(SA_TOKEN)) return 'in-cluster';
  return undefined;
}

/** The merged kubeconfig (or the in-cluster one) and where it came from, before a context is chosen. */
function loadKubeConfig(options: KubeConfigOptions): { kc: KubeConfig; origin: string; inCluster: boolean } {
  const sources = kubeConfigSources(options);
  if (sources === undefined) {
    throw new ClusterError('no Kubernetes configuration found: no --kubeconfig, $KUBECONFIG, ~/.kube/config or in-cluster service account', {
      fix: 'pass --kubeconfig PATH or set KUBECONFIG',
    });
  }
  const kc = new KubeConfig();
  if (sources === 'in-cluster') {
    kc.loadFromCluster();
    return { kc, origin: 'in-cluster service account', inCluster: true };
  }
  for (const [i, file] of sources.entries()) {
    if (!existsSync(file)) {
      throw new ClusterError(`kubeconfig ${file} does not exist`, { fix: 'check --kubeconfig / KUBECONFIG' });
    }
    try {
      if (i === 0) kc.loadFromFile(file);
      else {
        const more = new KubeConfig();
        more.loadFromFile(file);
        kc.mergeConfig(more, true);
      }
    } catch (cause) {
      throw new ClusterError(`kubeconfig ${file} cannot be read: ${(cause as Error).message}`, { cause, fix: 'check the file with `kubectl config view`' });
    }
  }
  return { kc, origin: sources.join(delimiter), inCluster: false };
}

/** Every context of the kubeconfig, in file order (`in-cluster` for the service account). */
export function contextNames(options: KubeConfigOptions): string[] {
  const { kc, inCluster } = loadKubeConfig(options);
  return inCluster ? ['in-cluster'] : kc.getContexts().map((c) => c.name);
}

export function loadClusterTarget(options: KubeConfigOptions): ClusterTarget {
  const env = options.env ?? process.env;
  const { kc, origin, inCluster } = loadKubeConfig(options);
  const wanted = options.context ?? env.EASTERN_CONTEXT;
  const names = kc.getContexts().map((c) => c.name);
  if (wanted) {
    if (!names.includes(wanted)) {
      throw new ClusterError(`context "${wanted}" is not in ${origin}`, {
        details: [`contexts there: ${names.join(', ') || '(none)'}`],
        fix: names.length ? `use -c with one of: ${names.join(', ')}` : 'add the context to the kubeconfig',
      });
    }
    kc.setCurrentContext(wanted);
  }
  const current = kc.getCurrentContext();
  const cluster = kc.getCurrentCluster();
  if (!current || !cluster) {
    throw new ClusterError(`${origin} has no current context${names.length ? '' : ' (it defines no contexts)'}`, {
      fix: names.length ? `choose one with -c: ${names.join(', ')}` : 'add a context to the kubeconfig',
    });
  }
  return { kubeConfig: kc, context: inCluster ? 'in-cluster' : current, server: cluster.server, origin };
}
