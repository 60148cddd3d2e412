// `eastern watch [NAMESPACE...]`: the agent's watchman in the foreground, for teams
// without agents (or in a pod: eastern agent manifest has the RBAC). Notices go to
// the sinks named by --slack-webhook-env / --webhook-url-env or an agent file's
// notify: section, and are printed (text on stderr, or JSON lines on stdout with
// --output json). Runs until SIGINT or SIGTERM, then sends what is pending.
import { UsageError } from '../errors.js';
import { processIo, type Io } from '../output/logger.js';
import type { NotifyDefinition } from '../fleet/notify.js';
import type { ClusterOptions } from '../kube/session.js';

export interface WatchCommandOptions extends ClusterOptions {
  io?: Io;
  namespaces?: string[];
  output?: 'text' | 'json';
  /** An agent file whose name, environments, namespaces and notify: section apply. */
  config?: string;
  slackWebhookEnv?: string;
  webhookUrlEnv?: string;
  reminder?: number;
  resolveAfter?: number;
  stateNamespace?: string;
  nodes?: boolean;
  /** Tests stop it with this instead of a signal. */
  signal?: AbortSignal;
}

const ENV_VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;

async function settings(options: WatchCommandOptions, env: NodeJS.ProcessEnv) {
  const { DEFAULT_STORM_CAP, DEFAULT_WATCH, missingNotifyEnv } = await import('../fleet/notify.js');
  const { DEFAULT_NAMESPACES, namespaceAllowed } = await import('../fleet/schema.js');
  let notify: NotifyDefinition = { routes: [], stormCap: DEFAULT_STORM_CAP, watch: { ...DEFAULT_WATCH } };
  let name: string | undefined;
  let environments: string[] = [];
  let allowed = (ns: string) => namespaceAllowed(DEFAULT_NAMESPACES, ns);
  if (options.config) {
    const { loadAgentFile } = await import('../agent/runtime.js');
    const agent = loadAgentFile(options.config, options.cwd);
    if (agent.notify) notify = agent.notify;
    name = agent.name;
    environments = agent.environments;
    allowed = (ns) => namespaceAllowed(agent.kubernetes.namespaces, ns);
  }
  if (options.reminder !== undefined && !(options.reminder > 0)) throw new UsageError(`--reminder takes minutes > 0, got ${options.reminder}`, { fix: 'e.g. --reminder 60 (a reminder on every evaluation would be spam)' });
  for (const [flag, value] of [['--slack-webhook-env', options.slackWebhookEnv], ['--webhook-url-env', options.webhookUrlEnv]] as const) {
    if (value !== undefined && !ENV_VAR.test(value)) throw new UsageError(`${flag} takes the name of an environment variable holding the URL, got "${value}"`, { fix: `export SLACK_WEBHOOK_URL=… and pass ${flag} SLACK_WEBHOOK_URL (the URL carries a token: it never goes on the command line)` });
  }
  if (options.slackWebhookEnv) notify = { ...notify, slackEnv: options.slackWebhookEnv };
  if (options.webhookUrlEnv) notify = { ...notify, webhookEnv: options.webhookUrlEnv };
  notify = {
    ...notify,
    watch: {
      ...notify.watch,
      ...(options.reminder !== undefined && { reminderMinutes: options.reminder }),
      ...(options.resolveAfter !== undefined && { resolveAfterSeconds: options.resolveAfter }),
      ...(options.stateNamespace && { stateNamespace: options.stateNamespace }),
      ...(options.nodes === false && { nodes: false }),
    },
  };
  const missing = missingNotifyEnv(notify, env);
  if (missing.length > 0) throw new UsageError('eastern watch cannot send its messages', { details: missing.map((m) => m.replace("the agent's environment", 'the environment')), fix: 'export the variables named above' });
  return { notify, name, environments, allowed };
}

export async function run(options: WatchCommandOptions): Promise<number> {
  const io = options.io ?? processIo;
  const env = options.env ?? process.env;
  const namespaces = [...new Set(options.namespaces ?? [])];
  const { notify, name, environments, allowed } = await settings(options, env);
  const [{ openSession }, { startWatch }] = await Promise.all([import('../kube/session.js'), import('../watch/start.js')]);
  const { client, logger, target } = await openSession(options, io, namespaces.length ? namespaces.join(',') : '*');
  const running = await startWatch({
    client,
    cluster: name ?? target.context,
    environments,
    ...(namespaces.length > 0 && { namespaces }),
    namespaceAllowed: (ns) => (namespaces.length > 0 ? namespaces.includes(ns) : allowed(ns)),
    notify,
    env,
    log: (line) => logger.info(line),
    ...(options.output === 'json' && { onNotice: (notice) => void io.stdout.write(`${JSON.stringify(notice)}\n`) }),
  });
  await new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
    options.signal?.addEventListener('abort', done, { once: true });
  });
  logger.info('[watch] stopping: sending what is pending');
  await running.stop();
  client.close();
  return 0;
}
