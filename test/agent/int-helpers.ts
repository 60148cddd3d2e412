// For the agent's integration tests: the local clusters' kubeconfig (required; the
// tests fail loudly without it) and an admin client from the cluster engine.
import { existsSync } from 'node:fs';
import { KubeClient } from '../../src/kube/client.js';
import { loadClusterTarget } from '../../src/kube/kubeconfig.js';

export function testKubeconfig(): string {
  const file = process.env.EASTERN_TEST_KUBECONFIG;
  if (!file) {
    throw new Error('EASTERN_TEST_KUBECONFIG is not set: run the integration tier through `npm test` (or set it to .cluster/kubeconfig after `node test/cluster/cluster.mjs up`)');
  }
  if (!existsSync(file)) throw new Error(`EASTERN_TEST_KUBECONFIG=${file} does not exist`);
  return file;
}

export async function adminClient(context: string): Promise<KubeClient> {
  const target = await loadClusterTarget({ kubeconfig: testKubeconfig(), context, env: {} });
  return KubeClient.connect(target);
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}
