// One way to run the watchman, for the agent and for `eastern watch`: sinks from the
// notify settings (URLs read from the environment variables they name), the
// notifier, the watchman on an already-connected client.

import type { NotifyDefinition, SinkEnvs } from '../fleet/notify.js';
import { keepYoungGenerationSmall } from './heap.js';
import { Notifier, type Route, type SinkTarget } from './notifier.js';
import type { Notice } from './types.js';
import { Watchman, type WatchmanOptions } from './watchman.js';

function targets(s: SinkEnvs, prefix: string, env: NodeJS.ProcessEnv): SinkTarget[] {
  const out: SinkTarget[] = [];
  const slack = s.slackEnv ? env[s.slackEnv] : undefined;
  const webhook = s.webhookEnv ? env[s.webhookEnv] : undefined;
  if (slack) out.push({ kind: 'slack', name: `${prefix}slack`, url: slack });
  if (webhook) out.push({ kind: 'webhook', name: `${prefix}webhook`, url: webhook });
  return out;
}

/** Routes in order, the defaults last (what matches no route goes there). */
export function notifyRoutes(notify: NotifyDefinition, env: NodeJS.ProcessEnv): Route[] {
  const routes: Route[] = notify.routes.map((r, i) => ({
    ...(r.namespaces && { namespaces: r.namespaces }),
    ...(r.projects && { projects: r.projects }),
    sinks: targets(r, `routes[${i}].`, env),
  }));
  return [...routes, { sinks: targets(notify, '', env) }];
}

/** The watchman's options, with the notify: settings in place of its settings and notice callback. */
export type StartWatchOptions = Omit<WatchmanOptions, 'settings' | 'notify' | 'debounceMs' | 'tickMs'> & {
  notify: NotifyDefinition;
  env: NodeJS.ProcessEnv;
  /** Also told about every notice (eastern watch prints them). */
  onNotice?: (notice: Notice) => void;
};

export interface RunningWatch {
  watchman: Watchman;
  notifier: Notifier;
  /** Stops watching, then gives pending messages a few seconds to leave. */
  stop(): Promise<void>;
}

export async function startWatch(options: StartWatchOptions): Promise<RunningWatch> {
  keepYoungGenerationSmall();
  const routes = notifyRoutes(options.notify, options.env);
  const notifier = new Notifier({ routes, stormCap: { perMinute: options.notify.stormCap }, log: options.log });
  const watchman = new Watchman({
    client: options.client,
    cluster: options.cluster,
    environments: options.environments,
    ...(options.namespaces && { namespaces: options.namespaces }),
    namespaceAllowed: options.namespaceAllowed,
    settings: options.notify.watch,
    notify: (notice) => {
      options.onNotice?.(notice);
      notifier.notify(notice);
    },
    log: options.log,
  });
  await watchman.start();
  const sinks = routes.flatMap((r) => r.sinks.map((s) => s.name));
  options.log(`[watch] watching ${options.namespaces?.length ? `namespaces ${options.namespaces.join(', ')}` : 'the allowed namespaces'} of ${options.cluster}; messages to ${sinks.length ? sinks.join(', ') : 'this log only (no sink configured)'}`);
  return {
    watchman,
    notifier,
    stop: async () => {
      await watchman.stop();
      await notifier.flush(5_000).catch(() => undefined);
      await notifier.close();
    },
  };
}
