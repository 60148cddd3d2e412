// The `notify:` section of an agent file: where the watchman sends its messages
// (webhook URLs are named by environment variable, never written in the file) and
// its thresholds. Validated with the rest of the agent file; every default here.

/** What the watchman is told (src/watch reads these types; fleet imports nothing of watch). */
export interface WatchThresholds {
  /** ErrImagePull/ImagePullBackOff is reported after this long (the image may still come). */
  imagePullGraceSeconds: number;
  /** A pod Pending (unschedulable or not started) this long is reported. */
  pendingSeconds: number;
  /** A Running pod not Ready this long is reported. */
  notReadySeconds: number;
  /** A container restarted this many times, the last within restartWindowSeconds, "restarts repeatedly". */
  restarts: number;
  restartWindowSeconds: number;
  /** A node NotReady (or unknown) this long is reported. */
  nodeNotReadySeconds: number;
}

export interface WatchSettings {
  thresholds: WatchThresholds;
  /** Reminder of a still-open incident after this long without a message. */
  reminderMinutes: number;
  /** Healthy this long after the last finding: resolved. */
  resolveAfterSeconds: number;
  /** Failing within this long after a successful deploy: "failing since revision N". */
  failingWindowMinutes: number;
  /** Watch nodes too (needs cluster-wide read access to nodes). */
  nodes: boolean;
  /** Where open incidents are kept: a ConfigMap eastern-watchman-<name> in this namespace. */
  stateNamespace: string;
}

export const DEFAULT_THRESHOLDS: WatchThresholds = {
  imagePullGraceSeconds: 120,
  pendingSeconds: 300,
  notReadySeconds: 300,
  restarts: 5,
  restartWindowSeconds: 600,
  nodeNotReadySeconds: 120,
};

export const DEFAULT_WATCH: WatchSettings = {
  thresholds: DEFAULT_THRESHOLDS,
  reminderMinutes: 60,
  resolveAfterSeconds: 60,
  failingWindowMinutes: 30,
  nodes: true,
  stateNamespace: 'default',
};

export interface SinkEnvs {
  /** Environment variable holding a Slack incoming-webhook URL. */
  slackEnv?: string;
  /** Environment variable holding a generic JSON webhook URL. */
  webhookEnv?: string;
}

export interface NotifyRoute extends SinkEnvs {
  namespaces?: string[];
  projects?: string[];
}

export interface NotifyDefinition extends SinkEnvs {
  /** First match wins; what matches no route goes to the sinks above. */
  routes: NotifyRoute[];
  /** Messages per minute per agent before the rest is summed up in one message. */
  stormCap: number;
  watch: WatchSettings;
}

type Add = (path: string, message: string, fix?: string) => void;

const ENV_VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;
const THRESHOLD_KEYS = Object.keys(DEFAULT_THRESHOLDS) as (keyof WatchThresholds)[];
const KNOWN = ['slack', 'webhook', 'routes', 'stormCap', 'reminderMinutes', 'resolveAfterSeconds', 'failingWindowMinutes', 'stateNamespace', 'nodes', 'thresholds'];
export const DEFAULT_STORM_CAP = 10;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function unknownKeys(add: Add, path: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) if (!known.includes(key)) add(`${path}.${key}`, 'unknown field', `remove it; known fields here: ${known.join(', ')}`);
}

function envName(add: Add, value: unknown, path: string, key: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    add(path, `must be a mapping with ${key}: VARIABLE`, `write ${path}: { ${key}: ${path.endsWith('slack') ? 'SLACK_WEBHOOK_URL' : 'EASTERN_WEBHOOK_URL'} } and export that variable where the agent runs`);
    return undefined;
  }
  unknownKeys(add, path, value, [key]);
  const name = value[key];
  if (typeof name !== 'string' || !ENV_VAR.test(name)) {
    add(`${path}.${key}`, `must name an environment variable (letters, digits, "_"), got ${JSON.stringify(name)}`, 'the URL carries a token: keep it in the environment (a Secret, an EnvironmentFile), not in this file');
    return undefined;
  }
  return name;
}

function sinks(add: Add, value: Record<string, unknown>, path: string): SinkEnvs {
  const slackEnv = envName(add, value.slack, `${path}slack`, 'webhookEnv');
  const webhookEnv = envName(add, value.webhook, `${path}webhook`, 'urlEnv');
  return { ...(slackEnv && { slackEnv }), ...(webhookEnv && { webhookEnv }) };
}

function whole(add: Add, value: unknown, path: string, min: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    add(path, `must be a whole number ≥ ${min}, got ${JSON.stringify(value)}`, `e.g. ${fallback}`);
    return fallback;
  }
  return value;
}

/** Minutes may be fractional (0.5 = 30 s), never zero: a reminder on every evaluation is spam. */
function positive(add: Add, value: unknown, path: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !(value > 0)) {
    add(path, `must be a number > 0, got ${JSON.stringify(value)}`, `e.g. ${fallback}`);
    return fallback;
  }
  return value;
}

function names(add: Add, value: unknown, path: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    add(path, 'must be a list of names', `e.g. ${path.endsWith('projects') ? '[payments]' : '[shop-*]'}`);
    return undefined;
  }
  return value as string[];
}

export function parseNotify(value: unknown, add: Add): NotifyDefinition | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    add('notify', 'must be a mapping', 'write e.g. notify: { slack: { webhookEnv: SLACK_WEBHOOK_URL } }');
    return undefined;
  }
  unknownKeys(add, 'notify', value, KNOWN);
  const routes: NotifyRoute[] = [];
  if (value.routes !== undefined) {
    if (!Array.isArray(value.routes)) add('notify.routes', 'must be a list', 'write routes: [{ namespaces: [shop-*], slack: { webhookEnv: SHOP_SLACK } }]');
    else {
      value.routes.forEach((r: unknown, i) => {
        const path = `notify.routes[${i}]`;
        if (!isRecord(r)) return add(path, 'must be a mapping');
        unknownKeys(add, path, r, ['namespaces', 'projects', 'slack', 'webhook']);
        const route: NotifyRoute = { ...sinks(add, r, `${path}.`) };
        const ns = names(add, r.namespaces, `${path}.namespaces`);
        const projects = names(add, r.projects, `${path}.projects`);
        if (ns) route.namespaces = ns;
        if (projects) route.projects = projects;
        if (!ns && !projects) add(path, 'matches nothing', 'give it namespaces: or projects:');
        if (!route.slackEnv && !route.webhookEnv) add(path, 'sends nowhere', 'give it slack: { webhookEnv: … } or webhook: { urlEnv: … }');
        routes.push(route);
      });
    }
  }
  const t = isRecord(value.thresholds) ? value.thresholds : {};
  if (value.thresholds !== undefined && !isRecord(value.thresholds)) add('notify.thresholds', 'must be a mapping', `known fields: ${THRESHOLD_KEYS.join(', ')}`);
  unknownKeys(add, 'notify.thresholds', t, THRESHOLD_KEYS);
  const thresholds = Object.fromEntries(THRESHOLD_KEYS.map((k) => [k, whole(add, t[k], `notify.thresholds.${k}`, k === 'restarts' ? 1 : 0, DEFAULT_THRESHOLDS[k])])) as unknown as WatchThresholds;
  const stateNamespace = value.stateNamespace === undefined ? DEFAULT_WATCH.stateNamespace : value.stateNamespace;
  if (typeof stateNamespace !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(stateNamespace)) add('notify.stateNamespace', `must be a namespace name, got ${JSON.stringify(stateNamespace)}`, 'e.g. stateNamespace: eastern');
  if (value.nodes !== undefined && typeof value.nodes !== 'boolean') add('notify.nodes', 'must be true or false');
  return {
    ...sinks(add, value, 'notify.'),
    routes,
    stormCap: whole(add, value.stormCap, 'notify.stormCap', 1, DEFAULT_STORM_CAP),
    watch: {
      thresholds,
      reminderMinutes: positive(add, value.reminderMinutes, 'notify.reminderMinutes', DEFAULT_WATCH.reminderMinutes),
      resolveAfterSeconds: whole(add, value.resolveAfterSeconds, 'notify.resolveAfterSeconds', 0, DEFAULT_WATCH.resolveAfterSeconds),
      failingWindowMinutes: whole(add, value.failingWindowMinutes, 'notify.failingWindowMinutes', 0, DEFAULT_WATCH.failingWindowMinutes),
      nodes: value.nodes !== false,
      stateNamespace: typeof stateNamespace === 'string' ? stateNamespace : DEFAULT_WATCH.stateNamespace,
    },
  };
}

/** The environment variables the notify section names that are not set (each a problem at start). */
export function missingNotifyEnv(notify: NotifyDefinition, env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  const check = (s: SinkEnvs, path: string) => {
    if (s.slackEnv && !env[s.slackEnv]) out.push(`${path}slack.webhookEnv: $${s.slackEnv} is not set in the agent's environment — fix: export it (systemd: EnvironmentFile=; Kubernetes: a Secret in env)`);
    if (s.webhookEnv && !env[s.webhookEnv]) out.push(`${path}webhook.urlEnv: $${s.webhookEnv} is not set in the agent's environment — fix: export it (systemd: EnvironmentFile=; Kubernetes: a Secret in env)`);
  };
  check(notify, 'notify.');
  notify.routes.forEach((r, i) => check(r, `notify.routes[${i}].`));
  return out;
}
