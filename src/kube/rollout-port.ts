// Where the deploy hands over to the rollout watch (src/rollout/). Imported on
// demand: `--no-wait` and `--dry-run` never load the watcher.
import type { KubeConfig } from '@kubernetes/client-node';
import type { RolloutResult, WatchOptions, WatchTarget } from '../rollout/index.js';
import { loadKubeCore } from './kubeconfig.js';

export type { RolloutResult, WatchOptions, WatchTarget };

export type WatchRollout = (options: WatchOptions) => Promise<RolloutResult>;

export async function loadWatcher(): Promise<WatchRollout> {
  return (await import('../rollout/index.js')).watchRollout;
}

/** The watcher's API over client-node's Watch as loadKubeCore() has it (the watcher alone would load the whole package). */
export async function rolloutApi(kc: KubeConfig): Promise<NonNullable<WatchOptions['api']>> {
  const [{ createRolloutApi }, { Watch }] = await Promise.all([import('../rollout/api.js'), loadKubeCore()]);
  return createRolloutApi(kc, Watch);
}
