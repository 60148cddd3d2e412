// The check levels of one environment, from the fleet: a folder of agent files
// (`--agents agents/`) or the one agent file of the agent a build runs on
// (EASTERN_AGENT_FILE, exported by `eastern agent`).
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CheckPolicy, EnvironmentChecks } from '../check/levels.js';
import { readProjectChecks } from '../check/project-file.js';
import { ValidationError } from '../errors.js';
import { displayPath } from '../template/location.js';
import { loadFleet } from './load.js';
import { parseAgent } from './schema.js';

export interface FleetChecks {
  checks: EnvironmentChecks;
  /** The agent file they came from, for messages. */
  source: string;
}

/**
 * The `checks.<environment>` of the fleet at `path` (a folder of agent files or one
 * agent file), or undefined when no agent there gives that environment levels.
 */
export function environmentChecks(path: string, environment: string, cwd: string): FleetChecks | undefined {
  const absolute = resolve(cwd, path);
  let isDir: boolean;
  try {
    isDir = statSync(absolute).isDirectory();
  } catch (error) {
    throw new ValidationError(`${path}: cannot read the fleet definition (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
      fix: 'pass --agents with the agents/ folder of the Jenkins library checkout (or one agent file)',
    });
  }
  const agents = isDir ? loadFleet(absolute, { cwd }) : [parseAgent(readFileSync(absolute, 'utf8'), path)];
  // checkFleet guarantees that every agent serving the environment has the same levels.
  const agent = agents.find((a) => a.checks[environment] !== undefined);
  return agent ? { checks: agent.checks[environment] as EnvironmentChecks, source: agent.file } : undefined;
}

export interface PolicyOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The top-level template: its folder may hold eastern-checks.yaml. */
  template: string;
  /** Else $EASTERN_ENVIRONMENT (set by the generated Jenkins steps). */
  environment?: string;
  /** Fleet folder or agent file; else $EASTERN_AGENT_FILE (set by `eastern agent` for its builds). */
  agents?: string;
}

/** The levels a check or deploy of `template` runs with. */
export function checkPolicy(options: PolicyOptions): CheckPolicy {
  const environment = options.environment ?? (options.env.EASTERN_ENVIRONMENT || undefined);
  const agents = options.agents ?? (options.env.EASTERN_AGENT_FILE || undefined);
  const show = (file: string) => displayPath(file, options.cwd);
  const project = readProjectChecks(resolve(options.cwd, options.template), show);
  const fleet = environment !== undefined && agents !== undefined ? environmentChecks(agents, environment, options.cwd) : undefined;
  return {
    ...(environment !== undefined && { environment }),
    ...(fleet && { fleet: { ...fleet.checks, source: fleet.source } }),
    ...(project && { project }),
  };
}
