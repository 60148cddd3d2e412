// What the rollout watch reads from a cluster. KubeClient (src/kube/client.ts) is
// the implementation; unit tests hand in an in-memory one.
import type { Query } from '../kube/client.js';
import type { CollectionApi } from '../kube/reflector.js';

export interface RolloutApi extends CollectionApi {
  getJson<T>(path: string, query?: Query): Promise<T>;
  getText(path: string, query?: Query): Promise<string>;
  /** "/apis/apps/v1/namespaces/ns/deployments" and whether the kind is namespaced. */
  collection(apiVersion: string, kind: string, namespace: string | undefined): Promise<{ path: string; namespaced: boolean }>;
}
