// The Swarm client's command line and environment. With a build user
// (swarm.user), the client runs as that user with an environment that holds none
// of the agent's secrets: no kubeconfig, no context, no Jenkins password. The
// password reaches the client as a file only that user can read, removed as soon as
// the client has read it. Without one (swarm.sameUser), the password travels as an
// environment variable named by -passwordEnvVariable. Never as an argument
// (arguments are visible to every user in `ps`); schema.ts refuses password options
// in swarm.extraArgs.
import type { AgentDefinition } from '../fleet/schema.js';
import type { BuildUser } from './build-user.js';
import { agentTokenVariable, type AgentSettings } from './settings.js';

export interface SwarmCommand {
  file: string;
  args: string[];
  /** The complete environment of the client (builds inherit it). */
  env: Record<string, string>;
  /** The build user the client runs as, if any. */
  user?: BuildUser;
  /** Written (mode 0400, owned by the build user) before each start; removed once the client read it. */
  passwordFile?: { path: string; value: string };
}

/**
 * What a build may know: its cluster, the agent, its agent file (for the check
 * levels of its environment) and, in TCP mode, the agent token. The context and
 * kubeconfig only when builds share the agent's user (swarm.sameUser).
 */
export function buildEnvironment(settings: AgentSettings, env: NodeJS.ProcessEnv, withCredentials: boolean): Record<string, string> {
  const out: Record<string, string> = { EASTERN_CLUSTER: settings.name, EASTERN_AGENT: settings.endpoint, EASTERN_AGENT_FILE: settings.agentFile };
  if (withCredentials && settings.context !== undefined) out.EASTERN_CONTEXT = settings.context;
  if (withCredentials && settings.kubeconfig !== undefined) out.KUBECONFIG = settings.kubeconfig;
  const token = settings.listen ? env[settings.listen.tokenEnv] : undefined;
  if (token) out[agentTokenVariable] = token;
  return out;
}

/** Variables of the agent's own environment that a build must never inherit. */
function secretVariables(agent: AgentDefinition, settings: AgentSettings): Set<string> {
  return new Set([
    agent.jenkins.passwordEnv,
    'KUBECONFIG',
    'EASTERN_CONTEXT',
    // A parent shell's EASTERN_NO_AGENT must not switch this agent's builds off it.
    'EASTERN_NO_AGENT',
    ...(settings.listen ? [settings.listen.tokenEnv] : []),
  ]);
}

export function swarmCommand(agent: AgentDefinition, settings: AgentSettings, env: NodeJS.ProcessEnv): SwarmCommand {
  const user = settings.buildUser;
  const password = env[agent.jenkins.passwordEnv] ?? '';
  const args = [
    '-jar', agent.swarm.jar,
    '-url', agent.jenkins.url,
    '-name', agent.name,
    '-labelsFile', settings.labelsPath,
    '-mode', 'exclusive',
    '-executors', String(agent.jenkins.executors),
    '-disableClientsUniqueId',
    '-username', agent.jenkins.user,
    ...(user ? ['-passwordFile', settings.passwordPath] : ['-passwordEnvVariable', agent.jenkins.passwordEnv]),
    ...(settings.fsrootGiven ? [] : ['-fsroot', settings.workDir]),
    ...agent.swarm.extraArgs,
  ];
  const hidden = user ? secretVariables(agent, settings) : new Set(['EASTERN_NO_AGENT']);
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && !hidden.has(key)) childEnv[key] = value;
  if (user) {
    childEnv.HOME = user.home ?? settings.workDir;
    childEnv.USER = user.name;
    childEnv.LOGNAME = user.name;
  }
  return {
    file: agent.swarm.java,
    args,
    env: { ...childEnv, ...buildEnvironment(settings, env, user === undefined) },
    ...(user && { user, passwordFile: { path: settings.passwordPath, value: password } }),
  };
}

/** The command line as logged: safe to print, since it holds no secret by construction. */
export function displayCommand(command: Pick<SwarmCommand, 'file' | 'args' | 'user'>): string {
  const line = [command.file, ...command.args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  return command.user ? `${line} (as ${command.user.name}, uid ${command.user.uid})` : line;
}
