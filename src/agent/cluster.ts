// The agent's view of its cluster, through the cluster engine's client: a start-up
// check (version and discovery) that fails fast with a clear message, and a cached
// reachability answer for /readyz and /status.
import { ClusterError } from '../errors.js';
import type { KubeClient } from '../kube/client.js';
import type { ClusterHealth } from './server.js';
import type { AgentSettings } from './settings.js';

export interface ClusterInfo {
  context: string;
  server: string;
  origin: string;
  version: string | undefined;
}

export interface AgentCluster {
  info: ClusterInfo;
  /** Reachability, re-checked at most every `ttlMs`; never throws. */
  health(): Promise<ClusterHealth>;
}

/** The few client calls the agent makes; tests may stand in for them. */
export interface ClusterProbe {
  info: Omit<ClusterInfo, 'version'>;
  version(): Promise<string | undefined>;
  discovery(): Promise<unknown>;
  /** The warm client deploys run through (default retries and timeouts); absent in tests that stand in. */
  client?: KubeClient;
}

export async function connectCluster(settings: AgentSettings, cwd: string, env: NodeJS.ProcessEnv): Promise<ClusterProbe> {
  const [{ loadClusterTarget }, { KubeClient }] = await Promise.all([import('../kube/kubeconfig.js'), import('../kube/client.js')]);
  const target = await loadClusterTarget({
    cwd,
    env,
    ...(settings.kubeconfig !== undefined && { kubeconfig: settings.kubeconfig }),
    ...(settings.context !== undefined && { context: settings.context }),
  });
  // Short retries: a dead cluster must be reported within seconds, not minutes.
  const client: KubeClient = await KubeClient.connect(target, { retry: { attempts: 2, baseMs: 250, maxMs: 500 }, timeoutMs: 5_000 });
  // Deploys ride out API server restarts: the engine's own retry policy, one keep-alive
  // pool and the discovery loaded here, for every request.
  const deployClient = await KubeClient.connect(target);
  return {
    info: { context: target.context, server: target.server, origin: target.origin },
    version: () => client.serverVersion(),
    discovery: () => client.discovery(),
    client: deployClient,
  };
}

/** Version and discovery; ClusterError naming the agent file, the cluster and the fix when it does not answer. */
export async function checkCluster(probe: ClusterProbe, settings: AgentSettings, ttlMs = 10_000, now: () => number = Date.now): Promise<AgentCluster> {
  let version: string | undefined;
  try {
    version = await probe.version();
    await probe.discovery();
  } catch (error) {
    const { apiMessage } = await import('../kube/api-error.js');
    throw new ClusterError(
      `${settings.configPath}: cluster ${settings.name} does not answer at ${probe.info.server} (context ${probe.info.context}, from ${probe.info.origin}): ${apiMessage(error)}`,
      {
        cause: error,
        fix: 'check that the API server is up and that kubernetes.context / the kubeconfig point at it; the agent exits so that systemd or Kubernetes restarts it',
      },
    );
  }
  const info: ClusterInfo = { ...probe.info, version };
  let last: { at: number; health: Promise<ClusterHealth> } = { at: now(), health: Promise.resolve({ reachable: true, ...(version && { version }), checkedAt: new Date().toISOString() }) };
  return {
    info,
    health() {
      if (now() - last.at >= ttlMs) {
        last = {
          at: now(),
          health: probe.version().then(
            (v) => ({ reachable: true, ...(v && { version: v }), checkedAt: new Date().toISOString() }),
            (error: unknown) => ({ reachable: false, error: error instanceof Error ? error.message : String(error), checkedAt: new Date().toISOString() }),
          ),
        };
      }
      return last.health;
    },
  };
}
