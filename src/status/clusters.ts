// Which clusters a status reads: the contexts named with --context, every context of
// the kubeconfig (--all-contexts), else the clusters of the fleet (agents/*.yaml),
// else the current context. The fleet, when there is one, also names each cluster
// (agent name) and says which environments it serves.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { fleetRouting, loadFleet, type EnvironmentRoute } from '../fleet/load.js';
import type { AgentDefinition } from '../fleet/schema.js';
import { contextNames, loadClusterTarget, type ClusterTarget } from '../kube/kubeconfig.js';

export interface ClusterSource {
  /** The agent's name when a fleet agent uses this context, else the context. */
  name: string;
  context: string;
  agent?: AgentDefinition;
  environments: string[];
  /** How to reach it; absent with `unavailable`. */
  target?: ClusterTarget;
  /** Why it cannot be read from here (an agent with in-cluster credentials, a broken kubeconfig entry). */
  unavailable?: string;
}

export interface Selection {
  source: 'contexts' | 'all-contexts' | 'fleet' | 'current-context';
  clusters: ClusterSource[];
  /** Environment routes of the fleet (empty without one). */
  routes: EnvironmentRoute[];
}

export interface SelectOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  kubeconfig?: string;
  contexts?: string[];
  allContexts?: boolean;
  /** The fleet folder; default `agents` when it exists in cwd. */
  agents?: string;
}

function fleet(options: SelectOptions): AgentDefinition[] {
  const dir = options.agents ?? 'agents';
  if (options.agents === undefined && !existsSync(resolve(options.cwd, dir))) return [];
  return loadFleet(dir, { cwd: options.cwd });
}

function target(options: SelectOptions, context: string | undefined, kubeconfig = options.kubeconfig): ClusterTarget {
  return loadClusterTarget({ cwd: options.cwd, ...(options.env && { env: options.env }), ...(kubeconfig && { kubeconfig }), ...(context && { context }) });
}

function fromContext(options: SelectOptions, agents: readonly AgentDefinition[], context: string): ClusterSource {
  const agent = agents.find((a) => a.kubernetes.context === context);
  try {
    const t = target(options, context);
    return { name: agent?.name ?? context, context, ...(agent && { agent }), environments: agent?.environments ?? [], target: t };
  } catch (error) {
    return { name: agent?.name ?? context, context, ...(agent && { agent }), environments: agent?.environments ?? [], unavailable: (error as Error).message };
  }
}

function fromAgent(options: SelectOptions, agent: AgentDefinition): ClusterSource {
  const base = { name: agent.name, agent, environments: agent.environments };
  const env = options.env ?? process.env;
  const context = agent.kubernetes.context;
  if (context === undefined) {
    // In-cluster credentials only mean this cluster when the status itself runs in it.
    if (env.KUBERNETES_SERVICE_HOST && !options.kubeconfig && !agent.kubernetes.kubeconfig) {
      try {
        return { ...base, context: 'in-cluster', target: target(options, undefined) };
      } catch (error) {
        return { ...base, context: 'in-cluster', unavailable: (error as Error).message };
      }
    }
    return {
      ...base,
      context: '(in-cluster)',
      unavailable: `${agent.file} has no kubernetes.context (the agent uses its pod's service account), so it cannot be read from here; add a kubeconfig context for it and run with --context`,
    };
  }
  try {
    const kubeconfig = agent.kubernetes.kubeconfig ? resolve(options.cwd, agent.kubernetes.kubeconfig) : options.kubeconfig;
    return { ...base, context, target: target(options, context, kubeconfig) };
  } catch (error) {
    return { ...base, context, unavailable: `${agent.file}: ${(error as Error).message}` };
  }
}

export function selectClusters(options: SelectOptions): Selection {
  const agents = fleet(options);
  const routes = fleetRouting(agents);
  const contexts = [...new Set(options.contexts ?? [])];
  if (contexts.length > 0 && options.allContexts) throw new UsageError('--context and --all-contexts exclude each other', { fix: 'name the contexts, or ask for all of them' });
  if (contexts.length > 0) {
    // Named contexts must exist: a typo is an error, not an "unreachable" cluster.
    for (const c of contexts) target(options, c);
    return { source: 'contexts', clusters: contexts.map((c) => fromContext(options, agents, c)), routes };
  }
  if (options.allContexts) {
    const names = contextNames({ cwd: options.cwd, ...(options.env && { env: options.env }), ...(options.kubeconfig && { kubeconfig: options.kubeconfig }) });
    return { source: 'all-contexts', clusters: names.map((c) => fromContext(options, agents, c)), routes };
  }
  if (agents.length > 0) return { source: 'fleet', clusters: agents.map((a) => fromAgent(options, a)), routes };
  const current = target(options, undefined);
  return { source: 'current-context', clusters: [fromContext(options, agents, current.context)], routes };
}
