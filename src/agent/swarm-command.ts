// The Swarm client's command line and environment. The Jenkins password travels
// only as an environment variable named by -passwordEnvVariable, never as an
// argument (arguments are visible to every user in `ps`); schema.ts already refuses
// password options in swarm.extraArgs.
import type { AgentDefinition } from '../fleet/schema.js';
import { agentTokenVariable, type AgentSettings } from './settings.js';

export interface SwarmCommand {
  file: string;
  args: string[];
  /** The complete environment of the client (builds inherit it). */
  env: Record<string, string>;
}

/**
 * Variables every build on this agent inherits, so `eastern` knows its cluster and
 * agent. EASTERN_CONTEXT and KUBECONFIG are what src/kube/kubeconfig.ts reads;
 * EASTERN_AGENT_FILE gives `eastern deploy` the check levels of the build's environment.
 */
export function buildEnvironment(settings: AgentSettings, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = { EASTERN_CLUSTER: settings.name, EASTERN_AGENT: settings.endpoint, EASTERN_AGENT_FILE: settings.agentFile };
  if (settings.context !== undefined) out.EASTERN_CONTEXT = settings.context;
  if (settings.kubeconfig !== undefined) out.KUBECONFIG = settings.kubeconfig;
  const token = settings.listen ? env[settings.listen.tokenEnv] : undefined;
  if (token) out[agentTokenVariable] = token;
  return out;
}

export function swarmCommand(agent: AgentDefinition, settings: AgentSettings, env: NodeJS.ProcessEnv): SwarmCommand {
  const args = [
    '-jar', agent.swarm.jar,
    '-url', agent.jenkins.url,
    '-name', agent.name,
    '-labelsFile', settings.labelsPath,
    '-mode', 'exclusive',
    '-executors', String(agent.jenkins.executors),
    '-disableClientsUniqueId',
    '-username', agent.jenkins.user,
    '-passwordEnvVariable', agent.jenkins.passwordEnv,
    ...(settings.fsrootGiven ? [] : ['-fsroot', settings.workDir]),
    ...agent.swarm.extraArgs,
  ];
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    // A parent shell's EASTERN_NO_AGENT must not switch this agent's builds off it.
    if (value !== undefined && key !== 'EASTERN_NO_AGENT') childEnv[key] = value;
  }
  return { file: agent.swarm.java, args, env: { ...childEnv, ...buildEnvironment(settings, env) } };
}

/** The command line as logged: safe to print, since it holds no secret by construction. */
export function displayCommand(command: Pick<SwarmCommand, 'file' | 'args'>): string {
  return [command.file, ...command.args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
