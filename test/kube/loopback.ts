// A KubeClient pointed at a plain HTTP server on loopback, for unit tests of the
// access layer's own behaviour (throttling, write guards) without a cluster.
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import type { Logger } from '../../src/output/logger.js';

export function loopbackClient(url: string, logger?: Logger): Promise<KubeClient> {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'loop', server: url, skipTLSVerify: true }],
    users: [{ name: 'nobody' }],
    contexts: [{ name: 'loop', cluster: 'loop', user: 'nobody' }],
    currentContext: 'loop',
  });
  return KubeClient.connect({ kubeConfig: kc, context: 'loop', server: url, origin: 'test' }, logger ? { logger } : {});
}
