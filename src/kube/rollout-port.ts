// Where the deploy hands over to the rollout watch (src/rollout/index.ts). Loaded
// on demand, so the deploy pipeline does not depend on the watcher at build time.

import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../output/logger.js';

export interface WatchTarget {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  /** Template file:line where the object starts. */
  source?: string;
}

export interface WatchOptions {
  kubeConfig: KubeConfig;
  targets: WatchTarget[];
  /** 0 = no timeout. */
  timeoutSeconds: number;
  logger: Logger;
  signal?: AbortSignal;
}

export interface RolloutResult {
  outcome: 'succeeded' | 'failed' | 'timeout';
  summary: string;
  failures: { target: WatchTarget; reason: string; details: string[] }[];
}

export type WatchRollout = (options: WatchOptions) => Promise<RolloutResult>;

/** The watcher, or undefined when this build has none. */
export async function loadWatcher(): Promise<WatchRollout | undefined> {
  const specifier = '../rollout/index.js';
  try {
    const mod = (await import(specifier)) as { watchRollout?: WatchRollout };
    return typeof mod.watchRollout === 'function' ? mod.watchRollout : undefined;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = (error as Error).message ?? '';
    if ((code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module/.test(message)) && message.includes('rollout')) return undefined;
    throw error;
  }
}
