// Every check Eastern runs, as data: its id, the level it has unless an environment
// or project says otherwise, what it looks for, and why it matters. The README's
// "checks" section, the SARIF rule descriptors and the validation of level settings
// (agents/*.yaml, eastern-checks.yaml) all read this table; the rule modules
// (resources.ts, security.ts, … listed in rules.ts) implement the ids.

/** What a level setting may say about a rule. */
export type Level = 'error' | 'warning' | 'off';
/** The level of a reported finding. */
export type Severity = 'error' | 'warning';

export interface RuleInfo {
  id: string;
  /** Level unless an environment or the project says otherwise. */
  level: Severity;
  /** One line: what the rule finds. */
  title: string;
  /** Why it matters (README, SARIF help). */
  reason: string;
}

export const RULES = [
  {
    id: 'requests',
    level: 'warning',
    title: 'container without a CPU or memory request',
    reason: 'The scheduler places pods by their requests: without them a node is filled blindly, the pod is the first to be evicted under memory pressure, and nobody knows how much the application uses.',
  },
  {
    id: 'memory-limit',
    level: 'warning',
    title: 'container without a memory limit',
    reason: 'A container without a memory limit can take the whole node\'s memory (a leak, a big build) and get its neighbours killed instead of itself.',
  },
  {
    id: 'readiness-probe',
    level: 'warning',
    title: 'container behind a Service without a readiness probe',
    reason: 'Without a readiness probe a pod receives traffic as soon as its process starts, before it can answer, and keeps receiving it when it cannot; rollouts then drop requests.',
  },
  {
    id: 'node-spread',
    level: 'warning',
    title: 'more than one replica, neither spread over nodes nor kept apart by pod anti-affinity on the hostname',
    reason: 'The scheduler may put every replica on the same node: when that node goes down, all of them go down together, and the replicas protected nothing.',
  },
  {
    id: 'disruption-budget',
    level: 'warning',
    title: 'more than one replica without a PodDisruptionBudget',
    reason: 'Node drains (cluster upgrades, autoscaler scale-downs) may evict every replica at once unless a PodDisruptionBudget says how many must stay up.',
  },
  {
    id: 'image-tag',
    level: 'warning',
    title: 'image tagged latest, or not tagged',
    reason: 'A moving tag makes the running version depend on when a node pulled the image: replicas drift apart, a rollback restores nothing, and the release record does not say what ran.',
  },
  {
    id: 'privileged',
    level: 'error',
    title: 'privileged container',
    reason: 'A privileged container has every capability and the host\'s devices: anyone who gets into it owns the node and every other pod on it.',
  },
  {
    id: 'host-path',
    level: 'warning',
    title: 'hostPath volume',
    reason: 'A hostPath volume gives the pod the node\'s files: it can read other pods\' data and node credentials, and it ties the pod to what one node happens to hold.',
  },
  {
    id: 'run-as-root',
    level: 'warning',
    title: 'container allowed to run as root',
    reason: 'A process running as root in a container is root on the node as soon as it escapes the container; runAsNonRoot makes the kubelet refuse images that would start as root.',
  },
  {
    id: 'service-selector',
    level: 'warning',
    title: 'Service whose selector matches no pod template of the project',
    reason: 'A Service that selects no pods has no endpoints: every request to it fails, usually because of a label typo in the selector or the pod template.',
  },
  {
    id: 'hpa-target',
    level: 'warning',
    title: 'HorizontalPodAutoscaler whose target is not in the project',
    reason: 'An autoscaler pointing at a workload that does not exist (a renamed Deployment, a wrong kind) silently scales nothing.',
  },
  {
    id: 'pdb-target',
    level: 'warning',
    title: 'PodDisruptionBudget whose selector matches no pod template of the project',
    reason: 'A budget that selects no pods protects nothing during drains, while everybody believes the workload is protected.',
  },
  {
    id: 'duplicate-object',
    level: 'error',
    title: 'the same kind and name twice',
    reason: 'Two documents for one object overwrite each other: only the last one takes effect, and which one that is depends on the order of partials.',
  },
  {
    id: 'removed-api',
    level: 'error',
    title: 'apiVersion the target Kubernetes version no longer serves',
    reason: 'The API server refuses objects of an API version it no longer serves: the deploy breaks on the day the cluster is upgraded. Only checked with a target version (--kubernetes, upgrade-check, the cluster of a deploy).',
  },
  {
    id: 'deprecated-api',
    level: 'warning',
    title: 'apiVersion deprecated in the target Kubernetes version',
    reason: 'A deprecated API version is removed a few releases later (see the removals table); moving now avoids a broken deploy during the next cluster upgrade.',
  },
  {
    id: 'suppression',
    level: 'warning',
    title: 'check.eastern.io/ annotation that names no rule',
    reason: 'A suppression for a rule that does not exist (usually a typo) suppresses nothing, while the reader believes it does.',
  },
] as const satisfies readonly RuleInfo[];

export type RuleId = (typeof RULES)[number]['id'];

const BY_ID: ReadonlyMap<string, RuleInfo> = new Map(RULES.map((r) => [r.id, r]));

export function ruleInfo(id: RuleId): RuleInfo {
  return BY_ID.get(id) as RuleInfo;
}

export function isRuleId(id: string): id is RuleId {
  return BY_ID.has(id);
}

export const RULE_IDS: readonly RuleId[] = RULES.map((r) => r.id);

/** Annotation prefix of a suppression: `check.eastern.io/<rule>: "<reason>"`. */
export const SUPPRESS_PREFIX = 'check.eastern.io/';
