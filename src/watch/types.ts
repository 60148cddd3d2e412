// The watchman's vocabulary, shared by the rules (what is wrong), the incident book
// (when to say so) and the notifier (where to say it). Pure types.

/** Why a workload is reported; one incident per workload and reason. */
export type IncidentReason =
  | 'CrashLoopBackOff'
  | 'RestartingRepeatedly'
  | 'OOMKilled'
  | 'ImagePullBackOff'
  | 'CreateContainerConfigError'
  | 'PodFailed'
  | 'Evicted'
  | 'Unschedulable'
  | 'NotReady'
  | 'JobFailed'
  | 'NodeNotReady';

/** The Eastern release that last changed a workload. */
export interface ReleaseLink {
  project: string;
  revision: number;
  /** When that revision finished (or started, when it never finished). */
  deployedAt: string;
  outcome: string;
  buildUrl?: string;
  commit?: string;
  deployer: string;
}

/** What is known about one incident when a message about it is sent. */
export interface IncidentView {
  /** Stable identity: cluster/namespace/Kind/name/reason. */
  id: string;
  cluster: string;
  environments: readonly string[];
  /** '' for cluster-scoped workloads (nodes). */
  namespace: string;
  workload: { kind: string; name: string };
  reason: IncidentReason;
  /** One sentence: what was seen ("container web: back-off restarting failed container, last exit code 1"). */
  detail: string;
  /** A few of the affected pods, and how many there are. */
  pods: readonly string[];
  podCount: number;
  /** Highest restart count among the affected containers. */
  restarts: number;
  container?: string;
  /** The last lines of the failing container's log, Secret values masked. */
  logLines?: readonly string[];
  /** The release that last changed the workload; undefined when Eastern does not manage it. */
  release?: ReleaseLink;
  /** Set when the workload started failing within the configured window after that release succeeded. */
  failingSinceRevision?: number;
  /** Changes made outside Eastern since that release ("spec.replicas by kubectl-edit at …"). */
  drift?: readonly string[];
  openedAt: string;
  resolvedAt?: string;
}

export type NoticeEvent = 'opened' | 'reminder' | 'resolved';

/** One message about one incident. */
export interface Notice {
  event: NoticeEvent;
  incident: IncidentView;
  /** ISO time the notice was made. */
  at: string;
}

/** Version of the generic webhook's JSON payload (documented in the README). */
export const NOTIFICATION_SCHEMA = 'eastern.io/notification/v1';
