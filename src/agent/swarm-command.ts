// The Swarm client's command line and environment. The Jenkins password travels
// only as an environment variable named by -passwordEnvVariable, never as an
// argument (arguments are visible to every user in `ps`).
import { ValidationError } from '../errors.js';
import type { AgentFile, AgentSettings } from './settings.js';

export interface SwarmCommand {
  file: string;
  args: string[];
  /** The complete environment of the client (builds inherit it). */
  env: Record<string, string>;
}

/** Options that would put a secret on the command line. */
const secretOptions = new Set(['-password', '--password']);

/** Problems with swarm.extraArgs, as `field: message` lines. */
export function checkExtraArgs(extraArgs: readonly string[]): string[] {
  const problems: string[] = [];
  extraArgs.forEach((arg, index) => {
    const option = arg.split('=')[0] ?? arg;
    if (secretOptions.has(option)) {
      problems.push(`swarm.extraArgs[${index}]: "${option}" would put the Jenkins password on the command line; set jenkins.passwordEnv instead`);
    }
  });
  return problems;
}

/** Variables every build on this agent inherits, so `eastern` knows its cluster and agent. */
export function buildEnvironment(settings: AgentSettings): Record<string, string> {
  const env: Record<string, string> = { EASTERN_CLUSTER: settings.name, EASTERN_AGENT: settings.socketPath };
  if (settings.context !== undefined) env.EASTERN_KUBE_CONTEXT = settings.context;
  if (settings.kubeconfig !== undefined) env.KUBECONFIG = settings.kubeconfig;
  return env;
}

export function swarmCommand(file: AgentFile, settings: AgentSettings, env: NodeJS.ProcessEnv, configPath = 'agent file'): SwarmCommand {
  const problems = checkExtraArgs(file.swarm.extraArgs);
  if (problems.length > 0) {
    throw new ValidationError(`${configPath}: swarm.extraArgs must not carry the password`, {
      problems,
      fix: `remove the option; export the password in $${file.jenkins.passwordEnv} (jenkins.passwordEnv)`,
    });
  }
  const args = [
    '-jar', file.swarm.jar,
    '-url', file.jenkins.url,
    '-name', file.name,
    '-labelsFile', settings.labelsPath,
    '-mode', 'exclusive',
    '-executors', String(file.jenkins.executors),
    '-disableClientsUniqueId',
    '-username', file.jenkins.user,
    '-passwordEnvVariable', file.jenkins.passwordEnv,
    '-fsroot', settings.workDir,
    ...file.swarm.extraArgs,
  ];
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    // A parent build's EASTERN_NO_AGENT must not leak into this agent's builds.
    if (value !== undefined && key !== 'EASTERN_NO_AGENT') childEnv[key] = value;
  }
  return { file: file.swarm.java, args, env: { ...childEnv, ...buildEnvironment(settings) } };
}

/** The command line as logged: safe to print, since it holds no secret by construction. */
export function displayCommand(command: Pick<SwarmCommand, 'file' | 'args'>): string {
  return [command.file, ...command.args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
