// Runtime settings of one agent: the validated agent file (schema.ts) plus what the
// runtime derives from it (token file, labels file, work dir, listeners). Pure.
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { AgentDefinition } from '../fleet/schema.js';
import type { BuildUser } from './build-user.js';

export interface HostPort {
  host: string;
  port: number;
}

export interface AgentSettings {
  name: string;
  /** The agent file as shown in messages (agents/kube1.yaml). */
  configPath: string;
  /** Its absolute path: builds get it as EASTERN_AGENT_FILE (the check levels of their environment). */
  agentFile: string;
  /** What builds get as EASTERN_AGENT: the socket path, or http://host:port in listen mode. */
  endpoint: string;
  /** The Unix socket API (default), with its token file. */
  socket: { path: string; tokenPath: string } | undefined;
  /** The loopback TCP API (agent.listen), its token taken from $tokenEnv. */
  listen: (HostPort & { tokenEnv: string }) | undefined;
  /** Private (0700) folder of the socket; also holds the labels file. */
  stateDir: string;
  labelsPath: string;
  /** Swarm client -fsroot: from swarm.extraArgs, else ~/.eastern/swarm/<name>. */
  workDir: string;
  /** True when swarm.extraArgs already sets -fsroot. */
  fsrootGiven: boolean;
  maxDeploys: number;
  drainMs: number;
  /** agent.health: /healthz and /readyz only. */
  health: HostPort | undefined;
  /** kubeconfig context; undefined = the kubeconfig's current one, or in-cluster credentials. */
  context: string | undefined;
  /** Explicit kubeconfig (--kubeconfig, kubernetes.kubeconfig, else $KUBECONFIG). */
  kubeconfig: string | undefined;
  /** The OS user builds run as (swarm.user), once resolved; undefined when they share the agent's user. */
  buildUser: BuildUser | undefined;
  /** Group given access to the socket, its folder and token (the build user's, or the sidecar's). */
  socketGroup: number | undefined;
  /** Where the Jenkins password waits for the Swarm client (build user only). */
  passwordPath: string;
}

/** Linux limits sun_path to 108 bytes including the terminating NUL. */
export const maxSocketPathBytes = 107;

/** Variable carrying the API token to builds in listen mode. */
export const agentTokenVariable = 'EASTERN_AGENT_TOKEN';

export function tokenPathFor(socketPath: string): string {
  return `${socketPath}.token`;
}

/** `127.0.0.1:8417`, `[::1]:8417`, `:8417` (all interfaces). */
export function parseHostPort(value: string): HostPort {
  const match = /^(\[([0-9a-fA-F:]+)\]|[^:]*):(\d+)$/.exec(value);
  if (!match) throw new Error(`not host:port: ${value}`);
  const host = match[2] ?? match[1] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port: Number(match[3]) };
}

export interface SettingsInput {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** --context / --kubeconfig on the command line win over the agent file. */
  context?: string | undefined;
  kubeconfig?: string | undefined;
  home?: string;
}

export function resolveSettings(agent: AgentDefinition, input: SettingsInput & { buildUser?: BuildUser | undefined; sidecarGroup?: number | undefined }): AgentSettings {
  const home = input.home ?? homedir();
  const socketPath = agent.agent.socket;
  const listen = agent.agent.listen ? { ...parseHostPort(agent.agent.listen), tokenEnv: agent.agent.tokenEnv } : undefined;
  const fsrootIndex = agent.swarm.extraArgs.indexOf('-fsroot');
  const fsroot = fsrootIndex >= 0 ? agent.swarm.extraArgs[fsrootIndex + 1] : undefined;
  const kubeconfigOption = input.kubeconfig ?? agent.kubernetes.kubeconfig;
  return {
    name: agent.name,
    configPath: agent.file,
    agentFile: resolve(input.cwd, agent.file),
    endpoint: listen ? `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}` : socketPath,
    socket: listen ? undefined : { path: socketPath, tokenPath: tokenPathFor(socketPath) },
    listen,
    stateDir: dirname(socketPath),
    labelsPath: join(dirname(socketPath), `${agent.name}.labels`),
    // A build user's workspace lies where that user can reach it, not in the agent's home.
    workDir: fsroot !== undefined ? resolve(input.cwd, fsroot) : join(input.buildUser ? (input.buildUser.home ?? join(dirname(socketPath), 'work')) : home, '.eastern', 'swarm', agent.name),
    fsrootGiven: fsroot !== undefined,
    maxDeploys: agent.agent.maxConcurrentDeploys,
    drainMs: agent.agent.drainGraceSeconds * 1000,
    health: agent.agent.health ? parseHostPort(agent.agent.health) : undefined,
    context: input.context ?? agent.kubernetes.context,
    kubeconfig: kubeconfigOption ? resolve(input.cwd, kubeconfigOption) : input.env.KUBECONFIG || undefined,
    buildUser: input.buildUser,
    socketGroup: input.buildUser?.gid ?? input.sidecarGroup,
    passwordPath: join(dirname(socketPath), 'jenkins.password'),
  };
}
