// Where the deploy hands over to the rollout watch (src/rollout/). Imported on
// demand: `--no-wait` and `--dry-run` never load the watcher.
import type { RolloutResult, WatchOptions, WatchTarget } from '../rollout/index.js';

export type { RolloutResult, WatchOptions, WatchTarget };

export type WatchRollout = (options: WatchOptions) => Promise<RolloutResult>;

export async function loadWatcher(): Promise<WatchRollout> {
  return (await import('../rollout/index.js')).watchRollout;
}
