// Runtime settings of one agent: the agent file's fields plus the defaults the
// runtime fills in (socket path, work dir, limits). Pure: paths come from env/home.
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** The part of a loaded agent file (src/agent/schema.ts) the runtime reads. */
export interface AgentFile {
  name: string;
  environments: readonly string[];
  kubernetes: { context?: string | undefined; namespaces?: readonly string[] | undefined };
  jenkins: { url: string; user: string; passwordEnv: string; executors: number };
  swarm: { jar: string; java: string; extraArgs: readonly string[] };
  agent?: {
    socket?: string | undefined;
    workDir?: string | undefined;
    maxDeploys?: number | undefined;
    drainSeconds?: number | undefined;
    probe?: { port: number; address?: string | undefined } | undefined;
  } | undefined;
}

export interface AgentSettings {
  name: string;
  /** Unix socket of the local API. */
  socketPath: string;
  /** Bearer token file next to the socket (0600). */
  tokenPath: string;
  /** Swarm client -labelsFile. */
  labelsPath: string;
  /** Swarm client -fsroot (workspaces live below it). */
  workDir: string;
  maxDeploys: number;
  drainMs: number;
  probe: { port: number; address: string } | undefined;
  /** kubeconfig context; undefined = in-cluster credentials (or the kubeconfig's current context). */
  context: string | undefined;
  /** Explicit kubeconfig path, when one was given (option or KUBECONFIG). */
  kubeconfig: string | undefined;
}

/** Linux limits sun_path to 108 bytes including the terminating NUL. */
export const maxSocketPathBytes = 107;

export const defaultDrainSeconds = 300;

export function defaultSocketPath(name: string, env: NodeJS.ProcessEnv, home = homedir()): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && isAbsolute(runtime)) return join(runtime, 'eastern', `${name}.sock`);
  return join(home, '.eastern', 'run', `${name}.sock`);
}

export function tokenPathFor(socketPath: string): string {
  return `${socketPath}.token`;
}

export interface SettingsInput {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** --context on the command line wins over kubernetes.context. */
  context?: string | undefined;
  kubeconfig?: string | undefined;
  home?: string;
}

export function resolveSettings(file: AgentFile, input: SettingsInput): AgentSettings {
  const home = input.home ?? homedir();
  const agent = file.agent ?? {};
  const socketPath = agent.socket ? resolve(input.cwd, agent.socket) : defaultSocketPath(file.name, input.env, home);
  const kubeconfig = input.kubeconfig ? resolve(input.cwd, input.kubeconfig) : input.env.KUBECONFIG || undefined;
  return {
    name: file.name,
    socketPath,
    tokenPath: tokenPathFor(socketPath),
    labelsPath: join(dirname(socketPath), `${file.name}.labels`),
    workDir: agent.workDir ? resolve(input.cwd, agent.workDir) : join(home, '.eastern', 'swarm', file.name),
    maxDeploys: agent.maxDeploys ?? Math.max(1, file.jenkins.executors),
    drainMs: (agent.drainSeconds ?? defaultDrainSeconds) * 1000,
    probe: agent.probe ? { port: agent.probe.port, address: agent.probe.address ?? '127.0.0.1' } : undefined,
    context: input.context ?? file.kubernetes.context,
    kubeconfig,
  };
}
