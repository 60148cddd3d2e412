// Which cluster to talk to: --kubeconfig, else $KUBECONFIG (a path list, merged as
// kubectl does), else ~/.kube/config, else the in-cluster service account; then
// --context (or the file's current context).

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { ClusterError } from '../errors.js';

type ClientNode = typeof import('@kubernetes/client-node');
let clientNode: Promise<ClientNode> | undefined;

/** The Kubernetes client is loaded only when a command talks to a cluster (it costs ~0.4 s). */
export function loadClientNode(): Promise<ClientNode> {
  return (clientNode ??= import('@kubernetes/client-node'));
}

/** What the deploy path uses of client-node: kubeconfig loading and authentication, requests, watches. */
export interface KubeCore {
  KubeConfig: ClientNode['KubeConfig'];
  RequestContext: ClientNode['RequestContext'];
  Watch: ClientNode['Watch'];
  /** False when the whole package had to be loaded (a client-node whose layout this does not know). */
  slim: boolean;
}
let kubeCore: Promise<KubeCore> | undefined;

/**
 * client-node's KubeConfig module imports the package's generated index, which loads
 * every model and API class (about 1,500 modules, 0.5 s of a 2 s deploy) for two
 * names. A module resolve hook hands that one import a stub re-exporting just those
 * two; the rest comes from the package's own files. When client-node's layout is not
 * the one this was written for (checked first), the whole package is loaded instead.
 */
export function loadKubeCore(): Promise<KubeCore> {
  return (kubeCore ??= slimKubeCore().catch(async () => {
    const k8s = await loadClientNode();
    return { KubeConfig: k8s.KubeConfig, RequestContext: k8s.RequestContext, Watch: k8s.Watch, slim: false };
  }));
}

const GEN_IMPORT = /^import \{ createConfiguration, ServerConfiguration, \} from '\.\/gen\/index\.js';$/m;

async function slimKubeCore(): Promise<KubeCore> {
  const { register } = await import('node:module');
  const dist = dirname(createRequire(import.meta.url).resolve('@kubernetes/client-node'));
  const source = readFileSync(join(dist, 'config.js'), 'utf8');
  if (typeof register !== 'function' || !GEN_IMPORT.test(source) || source.split("from './gen/").length !== 2) {
    throw new Error('client-node layout not recognised');
  }
  const url = (file: string) => pathToFileURL(join(dist, file)).href;
  const configUrl = url('config.js');
  const code = (text: string) => `data:text/javascript,${encodeURIComponent(text)}`;
  const stub = code(`export { createConfiguration } from ${JSON.stringify(url('gen/configuration.js'))};\nexport { ServerConfiguration } from ${JSON.stringify(url('gen/servers.js'))};\n`);
  register(code(`export async function resolve(specifier, context, next) {
  if (specifier === './gen/index.js' && context.parentURL === ${JSON.stringify(configUrl)}) return { url: ${JSON.stringify(stub)}, shortCircuit: true };
  return next(specifier, context);
}
`));
  const [config, http, watch] = (await Promise.all([import(configUrl), import(url('gen/http/http.js')), import(url('watch.js'))])) as [
    { KubeConfig: KubeCore['KubeConfig'] },
    { RequestContext: KubeCore['RequestContext'] },
    { Watch: KubeCore['Watch'] },
  ];
  return { KubeConfig: config.KubeConfig, RequestContext: http.RequestContext, Watch: watch.Watch, slim: true };
}

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

export async function loadClusterTarget(options: KubeConfigOptions): Promise<ClusterTarget> {
  const k8s = await loadKubeCore();
  const env = options.env ?? process.env;
  const sources = kubeConfigSources(options);
  if (sources === undefined) {
    throw new ClusterError('no Kubernetes configuration found: no --kubeconfig, $KUBECONFIG, ~/.kube/config or in-cluster service account', {
      fix: 'pass --kubeconfig PATH or set KUBECONFIG',
    });
  }
  const kc = new k8s.KubeConfig();
  let origin: string;
  if (sources === 'in-cluster') {
    kc.loadFromCluster();
    origin = 'in-cluster service account';
  } else {
    origin = sources.join(delimiter);
    for (const [i, file] of sources.entries()) {
      if (!existsSync(file)) {
        throw new ClusterError(`kubeconfig ${file} does not exist`, { fix: 'check --kubeconfig / KUBECONFIG' });
      }
      try {
        if (i === 0) kc.loadFromFile(file);
        else {
          const more = new k8s.KubeConfig();
          more.loadFromFile(file);
          kc.mergeConfig(more, true);
        }
      } catch (cause) {
        throw new ClusterError(`kubeconfig ${file} cannot be read: ${(cause as Error).message}`, { cause, fix: 'check the file with `kubectl config view`' });
      }
    }
  }
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
  return { kubeConfig: kc, context: sources === 'in-cluster' ? 'in-cluster' : current, server: cluster.server, origin };
}
