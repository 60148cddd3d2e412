// Reading the whole fleet (agents/*.yaml) and deriving the environment routing
// table that the generated Jenkins steps embed.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { ValidationError } from '../errors.js';
import { checkFleet, clusterLabel, environmentLabel, invalid, parseAgentText, type AgentDefinition, type FleetFacts } from './schema.js';

export interface LoadFleetOptions {
  /** Paths in messages are shown relative to it (default: process.cwd()). */
  cwd?: string;
}

function display(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return (rel === '' || rel.startsWith('..') ? path : rel).split(sep).join('/');
}

/**
 * Reads every `*.yaml`/`*.yml` in `dir`, validates each file and the fleet as a
 * whole, and returns the agents sorted by name. Throws one ValidationError listing
 * every problem of every file.
 */
export function loadFleet(dir: string, options: LoadFleetOptions = {}): AgentDefinition[] {
  const cwd = options.cwd ?? process.cwd();
  const absolute = resolve(cwd, dir);
  const shown = display(absolute, cwd);
  let names: string[];
  try {
    names = readdirSync(absolute).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (error) {
    throw new ValidationError(`${shown}: cannot read the fleet folder (${(error as Error).message})`, {
      cause: error,
      fix: 'run from the library checkout, or pass --agents DIR',
    });
  }
  if (names.length === 0) {
    throw new ValidationError(`${shown}: no agent files (*.yaml)`, { fix: 'add one file per agent, e.g. agents/kube1.yaml' });
  }
  const agents: AgentDefinition[] = [];
  const facts: FleetFacts[] = [];
  const problems: string[] = [];
  for (const name of names) {
    const path = join(absolute, name);
    const file = display(path, cwd);
    const result = parseAgentText(readFileSync(path, 'utf8'), file);
    problems.push(...result.problems);
    if (result.agent) agents.push(result.agent);
    if (result.facts) facts.push(result.facts);
  }
  // Fleet-wide checks run on every file whose name and environments parsed, so one
  // run reports a broken field and a protection mismatch together.
  problems.push(...checkFleet(facts));
  if (problems.length > 0) throw invalid(shown, problems);
  return agents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Where a deploy to one environment goes. */
export interface EnvironmentRoute {
  name: string;
  /** Clusters serving it, sorted by name. */
  clusters: string[];
  /** The node label used when one cluster serves it. */
  label: string;
  /** Node label per cluster, used for parallel branches when several serve it. */
  clusterLabels: Record<string, string>;
  protected: boolean;
  approvers: string[];
}

/**
 * The routing table, in the order of the EASTERN_ENVIRONMENT choice: environments
 * that need no approval first (so the default choice is never a protected one),
 * each group in order of first appearance in the agent files taken by agent name.
 */
export function fleetRouting(agents: readonly AgentDefinition[]): EnvironmentRoute[] {
  const sorted = [...agents].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const order: string[] = [];
  for (const agent of sorted) for (const env of agent.environments) if (!order.includes(env)) order.push(env);
  const routes = order.map((env): EnvironmentRoute => {
    const serving = sorted.filter((a) => a.environments.includes(env));
    const protecting = serving.filter((a) => a.protect.includes(env));
    const clusters = serving.map((a) => a.name);
    return {
      name: env,
      clusters,
      label: environmentLabel(env),
      clusterLabels: Object.fromEntries(clusters.map((c) => [c, clusterLabel(c)])),
      protected: protecting.length > 0,
      approvers: [...new Set(protecting.flatMap((a) => a.approvers))].sort(),
    };
  });
  return [...routes.filter((r) => !r.protected), ...routes.filter((r) => r.protected)];
}
