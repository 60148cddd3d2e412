// The fleet definition: one YAML file per agent in agents/. This one module is read
// by both the library generator and the agent runtime, so both agree on defaults,
// labels and namespace rules. Validation is hand-written so that every problem of a
// file comes back at once, each naming the file, the field path and the fix.
import { parseNotify, type NotifyDefinition } from './notify.js';
import yaml from 'js-yaml';
import { parseEnvironmentChecks, type EnvironmentChecks } from '../check/levels.js';
import { ValidationError } from '../errors.js';

/** One agent: a Jenkins Swarm node next to one Kubernetes cluster. */
export interface AgentDefinition {
  /** Where it was read from, as shown in messages (e.g. `agents/kube2.yaml`). */
  file: string;
  /** Agent and cluster name; also the Jenkins node name. */
  name: string;
  description: string | undefined;
  /** Environments this cluster serves, in the order written. */
  environments: string[];
  kubernetes: {
    /** kubeconfig context; undefined means in-cluster credentials. */
    context: string | undefined;
    /** kubeconfig file; undefined means $KUBECONFIG, ~/.kube/config, in-cluster. */
    kubeconfig: string | undefined;
    /** Namespace globs deploys may touch; `!glob` excludes. */
    namespaces: string[];
    /**
     * Cluster-scoped kinds deploys through the agent may write (`Kind` for the core
     * group, `Kind.group` otherwise); none by default. Namespaces are governed by
     * `namespaces` instead.
     */
    clusterScopedKinds: string[];
  };
  jenkins: {
    url: string;
    user: string;
    /** Name of the environment variable holding the password or API token. */
    passwordEnv: string;
    executors: number;
    /** Extra labels besides the generated eastern ones. */
    labels: string[];
  };
  swarm: {
    jar: string;
    java: string;
    extraArgs: string[];
    /**
     * The OS user (name or uid) the Swarm client and every build run as: one that can
     * reach the agent's socket but not its cluster credentials or the Jenkins password.
     */
    user: string | undefined;
    /** Its group (name or gid); default: the user's primary group. */
    group: string | undefined;
    /** Accept that builds run as the agent's own user (and can use its credentials). */
    sameUser: boolean;
    /** `agent`: the agent starts and supervises the client; `sidecar`: another container runs it (in-cluster). */
    runBy: 'agent' | 'sidecar';
  };
  agent: {
    /** Unix socket of the local API (mode 0600). */
    socket: string;
    /** Loopback `host:port` for the local API instead of the socket (token required). */
    listen: string | undefined;
    /** Environment variable holding the loopback API token. */
    tokenEnv: string;
    /** `host:port` serving only /healthz and /readyz, for probes. */
    health: string | undefined;
    maxConcurrentDeploys: number;
    drainGraceSeconds: number;
  };
  /** Environments whose deploys need approval (`input`). */
  protect: string[];
  /** Jenkins user IDs or group names allowed to approve; empty = anyone who may build the job. */
  approvers: string[];
  /** Check levels per environment (`checks:`); environments not listed use the defaults. */
  checks: Record<string, EnvironmentChecks>;
  /** The watchman's messages (`notify:`); undefined: the agent does not watch. */
  notify: NotifyDefinition | undefined;
}

/** Namespaces an agent may touch when the file does not say: all but kube-*. */
export const DEFAULT_NAMESPACES: readonly string[] = ['*', '!kube-*'];
export const DEFAULT_TOKEN_ENV = 'EASTERN_AGENT_TOKEN';
export const DEFAULT_DRAIN_GRACE_SECONDS = 300;
export const DEFAULT_EXECUTORS = 2;

/** Swarm client options the agent sets itself from the fleet file; extraArgs must not repeat them. */
export const MANAGED_SWARM_OPTIONS: readonly string[] = [
  '-url', '-master', '-name', '-labels', '-labelsFile', '-mode', '-executors',
  '-disableClientsUniqueId', '-username', '-password', '-passwordEnvVariable', '-passwordFile',
];

/** Socket path used when `agent.socket` is not given; the agent creates its folder with mode 0700. */
export function defaultSocketPath(name: string): string {
  return `/tmp/eastern-agent-${name}/agent.sock`;
}

const LABEL_PART = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const ENV_VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;
const JENKINS_LABEL = /^[A-Za-z0-9_.-]+$/;
const NAMESPACE_GLOB = /^!?[a-z0-9*?-]+$/;
const CLUSTER_KIND = /^[A-Z][A-Za-z0-9]*(\.[a-z0-9.-]+)?$/;

const KNOWN: Record<string, readonly string[]> = {
  '': ['name', 'description', 'environments', 'kubernetes', 'jenkins', 'swarm', 'agent', 'protect', 'approvers', 'checks', 'notify'],
  kubernetes: ['context', 'kubeconfig', 'namespaces', 'clusterScopedKinds'],
  jenkins: ['url', 'user', 'passwordEnv', 'executors', 'labels'],
  swarm: ['jar', 'java', 'extraArgs', 'user', 'group', 'sameUser', 'runBy'],
  agent: ['socket', 'listen', 'tokenEnv', 'health', 'maxConcurrentDeploys', 'drainGraceSeconds'],
};

/** Collects problems as `file: field.path: message — fix: …`. */
class Problems {
  readonly list: string[] = [];
  constructor(private readonly file: string) {}
  add(path: string, message: string, fix?: string): void {
    this.list.push(`${this.file}: ${path ? `${path}: ` : ''}${message}${fix ? ` — fix: ${fix}` : ''}`);
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + cost);
      previous = current;
    }
  }
  return row[b.length] as number;
}

function suggestion(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function checkUnknownKeys(problems: Problems, section: string, value: Record<string, unknown>): void {
  const known = KNOWN[section] ?? [];
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const path = section ? `${section}.${key}` : key;
    const near = suggestion(key, known);
    problems.add(path, 'unknown field', near ? `did you mean ${section ? `${section}.` : ''}${near}?` : `remove it; known fields here: ${known.join(', ')}`);
  }
}

function section(problems: Problems, doc: Record<string, unknown>, name: string, required: boolean): Record<string, unknown> {
  const value = doc[name];
  if (value === undefined || value === null) {
    if (required) problems.add(name, 'missing', `add a "${name}:" mapping (see agents/kube1.yaml for an example)`);
    return {};
  }
  if (!isRecord(value)) {
    problems.add(name, `must be a mapping, got ${describe(value)}`, `write the fields of ${name} indented under "${name}:"`);
    return {};
  }
  checkUnknownKeys(problems, name, value);
  return value;
}

function string(problems: Problems, obj: Record<string, unknown>, path: string, key: string, required: boolean): string | undefined {
  const value = obj[key];
  const full = path ? `${path}.${key}` : key;
  if (value === undefined || value === null) {
    if (required) problems.add(full, 'missing', `add ${full}`);
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '') {
    problems.add(full, `must be a non-empty string, got ${describe(value)}`, typeof value === 'number' || typeof value === 'boolean' ? `quote it: ${key}: "${String(value)}"` : undefined);
    return undefined;
  }
  return value;
}

function integer(problems: Problems, obj: Record<string, unknown>, path: string, key: string, min: number, fallback: number): number {
  const value = obj[key];
  const full = `${path}.${key}`;
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    problems.add(full, `must be a whole number ≥ ${min}, got ${describe(value)}`, `write e.g. ${key}: ${Math.max(min, fallback)}`);
    return fallback;
  }
  return value;
}

function stringList(problems: Problems, obj: Record<string, unknown>, path: string, key: string, fallback: readonly string[] | undefined, example: string): string[] | undefined {
  const value = obj[key];
  const full = path ? `${path}.${key}` : key;
  if (value === undefined || value === null) {
    if (fallback === undefined) problems.add(full, 'missing', `add ${full}: ${example}`);
    return fallback ? [...fallback] : undefined;
  }
  if (!Array.isArray(value)) {
    problems.add(full, `must be a list, got ${describe(value)}`, `write ${key}: ${typeof value === 'string' ? `[${value}]` : example}`);
    return fallback ? [...fallback] : undefined;
  }
  const out: string[] = [];
  value.forEach((item, i) => {
    if (typeof item !== 'string' || item === '') problems.add(`${full}[${i}]`, `must be a non-empty string, got ${describe(item)}`);
    else out.push(item);
  });
  return out;
}

/** An OS user or group: a name, or a numeric id (YAML may give it as a number). */
function userOrGroup(problems: Problems, swarm: Record<string, unknown>, key: 'user' | 'group'): string | undefined {
  const value = swarm[key];
  if (value === undefined || value === null) return undefined;
  const text = typeof value === 'number' && Number.isInteger(value) && value >= 0 ? String(value) : typeof value === 'string' ? value : undefined;
  if (text === undefined || !/^(\d+|[a-z_][a-z0-9_-]*\$?)$/.test(text)) {
    problems.add(`swarm.${key}`, `must be a ${key} name or a numeric id, got ${describe(value)}`, `e.g. ${key}: eastern-build`);
    return undefined;
  }
  if (text === '0' || text === 'root') problems.add(`swarm.${key}`, `builds must not run as root`, `create an unprivileged ${key} for builds, e.g. eastern-build`);
  return text;
}

function hostPort(problems: Problems, full: string, value: string | undefined, loopbackOnly: boolean): void {
  if (value === undefined) return;
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]*):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) {
    problems.add(full, `must be host:port, got ${JSON.stringify(value)}`, 'write e.g. 127.0.0.1:8417');
    return;
  }
  if (loopbackOnly && !/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(m[1] ?? '')) {
    problems.add(full, `must be a loopback address (127.0.0.1, localhost, [::1]), got ${JSON.stringify(value)}`,
      'the local API is for builds on this host; use 127.0.0.1:PORT, or the default Unix socket');
  }
}

/**
 * Validates one parsed agent file. Returns the agent with defaults applied and
 * every problem found (the agent is only usable when problems is empty).
 */
/** The fields the fleet-wide checks need; available even when other fields of the file are wrong. */
export type FleetFacts = Pick<AgentDefinition, 'file' | 'name' | 'environments' | 'protect' | 'approvers' | 'checks'>;

export interface AgentResult {
  agent: AgentDefinition | undefined;
  problems: string[];
  /** Set when name and environments are usable, so fleet checks can still run. */
  facts?: FleetFacts;
}

export function validateAgent(value: unknown, file: string): AgentResult {
  const problems = new Problems(file);
  if (!isRecord(value)) {
    problems.add('', `must be a YAML mapping of agent fields, got ${describe(value)}`, 'start from a copy of agents/kube1.yaml');
    return { agent: undefined, problems: problems.list };
  }
  checkUnknownKeys(problems, '', value);

  const base = baseName(file);
  const name = string(problems, value, '', 'name', true);
  if (name !== undefined) {
    if (!LABEL_PART.test(name) || name.length > 63) {
      problems.add('name', `must be lower-case letters, digits and "-" (at most 63, no leading or trailing "-"), got ${JSON.stringify(name)}`, 'it becomes the Jenkins label eastern-cluster-<name>; rename it, e.g. "kube-2"');
    } else if (base !== undefined && base !== name) {
      problems.add('name', `is ${JSON.stringify(name)} but the file is named ${base}.yaml`, `rename the file to ${name}.yaml or set name: ${base}`);
    }
  }
  const description = string(problems, value, '', 'description', false);

  const environments = stringList(problems, value, '', 'environments', undefined, '[staging, production]') ?? [];
  if (Array.isArray(value.environments) && environments.length === 0 && value.environments.length === 0) {
    problems.add('environments', 'is empty', 'list at least one environment this cluster serves, e.g. environments: [staging]');
  }
  const seenEnv = new Set<string>();
  environments.forEach((env, i) => {
    if (!LABEL_PART.test(env) || env.length > 63) {
      problems.add(`environments[${i}]`, `must be lower-case letters, digits and "-", got ${JSON.stringify(env)}`, 'it becomes the Jenkins label eastern-env-<environment> and the default namespace; e.g. "production"');
    }
    if (seenEnv.has(env)) problems.add(`environments[${i}]`, `${JSON.stringify(env)} is listed twice`, 'remove the duplicate');
    seenEnv.add(env);
  });

  const kube = section(problems, value, 'kubernetes', false);
  const context = string(problems, kube, 'kubernetes', 'context', false);
  const kubeconfig = string(problems, kube, 'kubernetes', 'kubeconfig', false);
  const namespaces = stringList(problems, kube, 'kubernetes', 'namespaces', DEFAULT_NAMESPACES, '["app-*", "staging"]') ?? [...DEFAULT_NAMESPACES];
  namespaces.forEach((glob, i) => {
    if (!NAMESPACE_GLOB.test(glob)) {
      problems.add(`kubernetes.namespaces[${i}]`, `must be a namespace name or glob (a-z, 0-9, "-", "*", "?", optional leading "!"), got ${JSON.stringify(glob)}`, 'e.g. "app-*" or "!kube-*"');
    }
  });
  if (namespaces.length > 0 && namespaces.every((g) => g.startsWith('!'))) {
    problems.add('kubernetes.namespaces', 'only excludes ("!…"), so no namespace is allowed', 'add "*" first to allow everything else, e.g. ["*", "!kube-*"]');
  }
  if (Array.isArray(kube.namespaces) && kube.namespaces.length === 0) {
    problems.add('kubernetes.namespaces', 'is empty, so no namespace is allowed', 'remove the field for the default (all but kube-*), or list globs');
  }
  const clusterScopedKinds = stringList(problems, kube, 'kubernetes', 'clusterScopedKinds', [], '[ClusterRole.rbac.authorization.k8s.io]') ?? [];
  clusterScopedKinds.forEach((k, i) => {
    if (!CLUSTER_KIND.test(k)) {
      problems.add(`kubernetes.clusterScopedKinds[${i}]`, `must be a kind, or kind.group, got ${JSON.stringify(k)}`, 'e.g. StorageClass.storage.k8s.io, or PriorityClass.scheduling.k8s.io');
    } else if (k === 'Namespace') {
      problems.add(`kubernetes.clusterScopedKinds[${i}]`, 'Namespace objects follow kubernetes.namespaces', 'remove it; a Namespace object is allowed when its name is in kubernetes.namespaces');
    }
  });

  const jenkins = section(problems, value, 'jenkins', true);
  const url = string(problems, jenkins, 'jenkins', 'url', true);
  if (url !== undefined) {
    let ok = false;
    try {
      const parsed = new URL(url);
      ok = (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
    } catch {
      ok = false;
    }
    if (!ok) problems.add('jenkins.url', `must be an http(s) URL, got ${JSON.stringify(url)}`, 'write the Jenkins root URL, e.g. https://jenkins.example.com/');
  }
  const user = string(problems, jenkins, 'jenkins', 'user', true);
  const passwordEnv = string(problems, jenkins, 'jenkins', 'passwordEnv', true);
  if (passwordEnv !== undefined && !ENV_VAR.test(passwordEnv)) {
    problems.add('jenkins.passwordEnv', 'must name an environment variable (letters, digits, "_"), not hold the secret itself',
      'write e.g. passwordEnv: JENKINS_TOKEN and export JENKINS_TOKEN where the agent runs');
  }
  const executors = integer(problems, jenkins, 'jenkins', 'executors', 1, DEFAULT_EXECUTORS);
  const extraLabels = stringList(problems, jenkins, 'jenkins', 'labels', [], '[linux, eu-west]') ?? [];
  extraLabels.forEach((label, i) => {
    if (!JENKINS_LABEL.test(label)) {
      problems.add(`jenkins.labels[${i}]`, `must be a single Jenkins label (letters, digits, "_", ".", "-"), got ${JSON.stringify(label)}`, 'list each label as its own item');
    } else if (label === 'eastern' || label.startsWith('eastern-')) {
      problems.add(`jenkins.labels[${i}]`, `${JSON.stringify(label)} uses the reserved prefix "eastern"`, 'eastern labels are generated from name and environments; remove it');
    }
  });

  const swarm = section(problems, value, 'swarm', true);
  const jar = string(problems, swarm, 'swarm', 'jar', true);
  const java = string(problems, swarm, 'swarm', 'java', false) ?? 'java';
  const extraArgs = stringList(problems, swarm, 'swarm', 'extraArgs', [], '["-fsroot", "/var/lib/jenkins-agent"]') ?? [];
  extraArgs.forEach((arg, i) => {
    const option = arg.split('=')[0] ?? arg;
    if (MANAGED_SWARM_OPTIONS.includes(option)) {
      problems.add(`swarm.extraArgs[${i}]`, `${option} is set by eastern agent from the fleet file`, 'remove it (name, jenkins.url, jenkins.user, jenkins.passwordEnv, jenkins.executors and the labels file cover it)');
    }
  });
  const swarmUser = userOrGroup(problems, swarm, 'user');
  const swarmGroup = userOrGroup(problems, swarm, 'group');
  const sameUser = swarm.sameUser === undefined ? false : swarm.sameUser === true;
  if (swarm.sameUser !== undefined && typeof swarm.sameUser !== 'boolean') problems.add('swarm.sameUser', `must be true or false, got ${describe(swarm.sameUser)}`);
  const runBy = swarm.runBy === undefined ? 'agent' : swarm.runBy;
  if (runBy !== 'agent' && runBy !== 'sidecar') problems.add('swarm.runBy', `must be "agent" or "sidecar", got ${describe(swarm.runBy)}`, 'leave it out (the agent starts the Swarm client); eastern agent manifest sets "sidecar" for pods');
  if (runBy === 'agent' && !sameUser && swarmUser === undefined && swarm.user === undefined) {
    problems.add('swarm.user', 'missing: builds run as the Swarm client\'s OS user, and as the agent\'s own user they could read its cluster credentials and the Jenkins password',
      'create a user for builds (useradd --system --create-home eastern-build) and set swarm.user: eastern-build; or set swarm.sameUser: true to accept that builds can use this agent\'s credentials');
  }
  if (sameUser && swarmUser !== undefined) problems.add('swarm.sameUser', 'is true but swarm.user is set', 'remove one of them');
  if (swarmGroup !== undefined && swarmUser === undefined) problems.add('swarm.group', 'is set without swarm.user', 'set swarm.user too, or remove swarm.group');

  const agentSection = section(problems, value, 'agent', false);
  const socket = string(problems, agentSection, 'agent', 'socket', false);
  if (socket !== undefined && !socket.startsWith('/')) {
    problems.add('agent.socket', `must be an absolute path, got ${JSON.stringify(socket)}`, `e.g. /run/eastern/${name ?? 'agent'}.sock`);
  }
  const listen = string(problems, agentSection, 'agent', 'listen', false);
  hostPort(problems, 'agent.listen', listen, true);
  if (listen !== undefined && socket !== undefined) {
    problems.add('agent.listen', 'and agent.socket are both set', 'choose one: the Unix socket (default) or a loopback port with a token');
  }
  const tokenEnv = string(problems, agentSection, 'agent', 'tokenEnv', false) ?? DEFAULT_TOKEN_ENV;
  if (!ENV_VAR.test(tokenEnv)) {
    problems.add('agent.tokenEnv', 'must name an environment variable (letters, digits, "_"), not hold the token itself', `e.g. tokenEnv: ${DEFAULT_TOKEN_ENV}`);
  }
  const health = string(problems, agentSection, 'agent', 'health', false);
  hostPort(problems, 'agent.health', health, false);
  const maxConcurrentDeploys = integer(problems, agentSection, 'agent', 'maxConcurrentDeploys', 1, executors);
  const drainGraceSeconds = integer(problems, agentSection, 'agent', 'drainGraceSeconds', 0, DEFAULT_DRAIN_GRACE_SECONDS);

  const protect = stringList(problems, value, '', 'protect', [], '[production]') ?? [];
  protect.forEach((env, i) => {
    if (!seenEnv.has(env)) {
      problems.add(`protect[${i}]`, `${JSON.stringify(env)} is not one of this agent's environments (${environments.join(', ') || 'none'})`, `add it to environments, or remove it from protect`);
    }
  });
  const approvers = stringList(problems, value, '', 'approvers', [], '[release-managers]') ?? [];
  approvers.forEach((who, i) => {
    if (/[,\s]/.test(who)) problems.add(`approvers[${i}]`, `must be one Jenkins user ID or group name, got ${JSON.stringify(who)}`, 'list each approver as its own item');
  });
  if (approvers.length > 0 && protect.length === 0) {
    problems.add('approvers', 'is set but protect is empty, so nothing needs approval', 'list the environments that need approval under protect, or remove approvers');
  }

  const checks = checksSection(problems, value.checks, seenEnv);
  const notify = parseNotify(value.notify, (path, message, fix) => problems.add(path, message, fix));

  const facts = name !== undefined && environments.length > 0 ? { file, name, environments, protect, approvers, checks } : undefined;
  if (problems.list.length > 0 || name === undefined || url === undefined || user === undefined || passwordEnv === undefined || jar === undefined) {
    return { agent: undefined, problems: problems.list, ...(facts && { facts }) };
  }
  return {
    agent: {
      file,
      name,
      description,
      environments,
      kubernetes: { context, kubeconfig, namespaces, clusterScopedKinds },
      jenkins: { url, user, passwordEnv, executors, labels: extraLabels },
      swarm: { jar, java, extraArgs, user: swarmUser, group: swarmGroup, sameUser, runBy: runBy === 'sidecar' ? 'sidecar' : 'agent' },
      agent: { socket: socket ?? defaultSocketPath(name), listen, tokenEnv, health, maxConcurrentDeploys, drainGraceSeconds },
      protect,
      approvers,
      checks,
      notify,
    },
    problems: [],
    facts: { file, name, environments, protect, approvers, checks },
  };
}

/** `checks: { <environment>: { errors: block|warn, rules: { <rule>: error|warning|off } } }`, for this agent's environments. */
function checksSection(problems: Problems, value: unknown, environments: ReadonlySet<string>): Record<string, EnvironmentChecks> {
  const out: Record<string, EnvironmentChecks> = {};
  if (value === undefined || value === null) return out;
  if (!isRecord(value)) {
    problems.add('checks', `must be a mapping of environment to check levels, got ${describe(value)}`, 'write e.g. checks: { production: { rules: { image-tag: error } }, dev: { errors: warn } }');
    return out;
  }
  for (const [env, entry] of Object.entries(value)) {
    if (!environments.has(env)) {
      problems.add(`checks.${env}`, `${JSON.stringify(env)} is not one of this agent's environments (${[...environments].join(', ') || 'none'})`, 'add it to environments, or remove it from checks');
      continue;
    }
    const parsed = parseEnvironmentChecks(entry, `checks.${env}`, (path, message, fix) => problems.add(path, message, fix));
    if (parsed) out[env] = parsed;
  }
  return out;
}

function baseName(file: string): string | undefined {
  const m = /([^/\\]+)\.ya?ml$/.exec(file);
  return m?.[1];
}

/** Parses YAML text and validates it; problems (YAML syntax included) come back as a list. */
export function parseAgentText(text: string, file: string): AgentResult {
  let value: unknown;
  try {
    value = yaml.load(text, { filename: file, schema: yaml.CORE_SCHEMA });
  } catch (error) {
    const e = error as { mark?: { line: number; column: number }; reason?: string; message: string };
    const where = e.mark ? `${file}:${e.mark.line + 1}:${e.mark.column + 1}` : file;
    return { agent: undefined, problems: [`${where}: invalid YAML: ${e.reason ?? e.message} — fix: correct the YAML syntax at that line`] };
  }
  return validateAgent(value, file);
}

/** Parses one agent file's text; throws ValidationError listing every problem. */
export function parseAgent(text: string, file: string): AgentDefinition {
  const { agent, problems } = parseAgentText(text, file);
  if (!agent) throw invalid(file, problems);
  return agent;
}

export function invalid(where: string, problems: string[]): ValidationError {
  return new ValidationError(`${where}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`} in the fleet definition`, {
    problems,
    fix: 'correct the fields named above (field reference: README, "The fleet: agents/*.yaml")',
  });
}

/**
 * Checks that only make sense across files: unique names, and one protection
 * policy and one set of check levels per environment. Both belong to the
 * environment, not the cluster, so every agent serving a protected environment must
 * protect it, with the same approvers, and give it the same `checks`.
 */
export function checkFleet(agents: readonly FleetFacts[]): string[] {
  const problems: string[] = [];
  const byName = new Map<string, FleetFacts>();
  for (const agent of agents) {
    const other = byName.get(agent.name);
    if (other) {
      problems.push(`${agent.file}: name: ${JSON.stringify(agent.name)} is also the name of ${other.file} — fix: agent names must be unique; rename one of them (and its file)`);
    } else {
      byName.set(agent.name, agent);
    }
  }
  const environments = [...new Set(agents.flatMap((a) => a.environments))].sort();
  for (const env of environments) {
    const serving = agents.filter((a) => a.environments.includes(env));
    const protecting = serving.filter((a) => a.protect.includes(env));
    if (protecting.length > 0 && protecting.length < serving.length) {
      const open = serving.filter((a) => !a.protect.includes(env));
      for (const agent of open) {
        problems.push(`${agent.file}: protect: environment ${JSON.stringify(env)} is protected by ${protecting.map((a) => a.name).join(', ')} but not by ${agent.name} — fix: add ${env} to protect in ${agent.file}, or remove it from protect in ${protecting.map((a) => a.file).join(', ')}`);
      }
    }
    const levels = (a: FleetFacts) => {
      const c = a.checks[env];
      return c ? `${c.errors} ${Object.entries(c.rules).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(',')}` : 'none';
    };
    const [reference, ...others] = serving;
    for (const agent of others) {
      if (reference && levels(agent) !== levels(reference)) {
        problems.push(`${agent.file}: checks.${env}: differs from ${reference.file}, which also serves ${JSON.stringify(env)} — fix: check levels belong to the environment; give every agent that serves ${env} the same checks.${env} (or none)`);
      }
    }
    if (protecting.length > 1) {
      const first = protecting[0] as FleetFacts;
      const key = (a: FleetFacts) => [...a.approvers].sort().join(',');
      for (const agent of protecting.slice(1)) {
        if (key(agent) !== key(first)) {
          problems.push(`${agent.file}: approvers: [${agent.approvers.join(', ')}] differs from [${first.approvers.join(', ')}] in ${first.file}, which also protects ${JSON.stringify(env)} — fix: give every agent that serves ${env} the same approvers`);
        }
      }
    }
  }
  return problems;
}

/** Jenkins labels of an agent: `eastern`, its cluster label, one per environment, then extra labels. */
export function labelsFor(agent: Pick<AgentDefinition, 'name' | 'environments'> & { jenkins?: { labels: string[] } }): string[] {
  return [
    'eastern',
    `eastern-cluster-${agent.name}`,
    ...agent.environments.map((env) => `eastern-env-${env}`),
    ...(agent.jenkins?.labels ?? []),
  ];
}

export const clusterLabel = (name: string): string => `eastern-cluster-${name}`;
export const environmentLabel = (env: string): string => `eastern-env-${env}`;

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * Whether a namespace is allowed by a list of globs: it must match at least one
 * plain glob and no `!glob`. (The generated Groovy implements the same rule.)
 */
export function namespaceAllowed(namespaces: readonly string[], namespace: string): boolean {
  let allowed = false;
  for (const glob of namespaces) {
    if (glob.startsWith('!')) {
      if (globToRegExp(glob.slice(1)).test(namespace)) return false;
    } else if (globToRegExp(glob).test(namespace)) {
      allowed = true;
    }
  }
  return allowed;
}

/** Whether a cluster-scoped kind is in the agent's `clusterScopedKinds` list (`Kind` = core group, `Kind.group`). */
export function clusterScopedKindAllowed(list: readonly string[], group: string, kind: string): boolean {
  return list.includes(group ? `${kind}.${group}` : kind);
}
