// The shape of `eastern status --output json` and of the status page's
// /api/status.json: one versioned document. Outcomes and drift states are open
// strings: whatever the release records and the drift computation say is passed on,
// so a newer deploy engine's outcome shows up without a change here.
import type { DriftEntry } from '../drift/compute.js';
import type { BuildInfo } from '../project/identity.js';

/** Bumped on any incompatible change; additions keep the version. */
export const STATUS_SCHEMA = 'eastern.io/status/v1';

export type HealthState = 'ready' | 'progressing' | 'failing' | 'missing' | 'unknown';

export interface ObjectHealth {
  /** `deployment/web` */
  object: string;
  state: HealthState;
  /** The rollout rule's words: "2/2 pods ready", "0/1 new pods available". */
  message: string;
  /** Why it fails or what it waits on, one line each. */
  reasons: string[];
}

export interface ReleaseHealth {
  /** The worst of the objects: failing > missing > progressing > unknown > ready. */
  state: HealthState;
  /** One line for tables: the first failing or waiting object and why. */
  summary: string;
  objects: ObjectHealth[];
}

export interface ReleaseDrift {
  /** `ok`, `drifted`, `missing`, `in-progress`, `unreadable`, … (open: what `eastern drift` reports). */
  state: string;
  /** True when live objects differ from the release (changed fields or missing objects). */
  drifted: boolean;
  /** The revision compared with. */
  revision?: number;
  entries: DriftEntry[];
  problem?: string;
}

export interface RevisionSummary {
  revision: number;
  /** `pending`, `deployed`, `failed`, `superseded`, `rolled-back`, `interrupted`, … (open). */
  outcome: string;
  reason?: string;
  startedAt: string;
  finishedAt?: string;
  deployer: string;
  build?: BuildInfo;
  commit?: string;
  rollbackOf?: number;
  source?: string;
}

export interface ReleaseStatus {
  /** Cluster name: the agent's name when a fleet agent uses the context, else the context. */
  cluster: string;
  context: string;
  namespace: string;
  project: string;
  /** From the release's ENVIRONMENT variable, else derived from the fleet (see README); null when unknown. */
  environment: string | null;
  /** The newest revision and its record. */
  revision: number;
  outcome: string;
  reason?: string;
  /** When the newest revision finished (or started, while pending). */
  deployedAt: string;
  /** Jenkins build URL, else user@host:pid. */
  deployedBy: string;
  build?: BuildInfo;
  commit?: string;
  rollbackOf?: number;
  images: {
    /** Container images in the newest revision's manifest (null when it cannot be read). */
    release: string[] | null;
    /** Images of the live workloads of the release. */
    live: string[];
  };
  health: ReleaseHealth;
  drift: ReleaseDrift;
  /** Every kept revision, newest first. */
  history: RevisionSummary[];
}

export interface UnreadableRecord {
  cluster: string;
  namespace: string;
  /** The head Secret's name. */
  name: string;
  project?: string;
  revision?: number;
  problem: string;
}

export interface ClusterStatus {
  name: string;
  context: string;
  server: string;
  /** The fleet agent (agents/<name>.yaml) that uses this cluster, if any. */
  agent: string | null;
  /** Environments the agent serves (empty without one). */
  environments: string[];
  reachable: boolean;
  version?: string;
  /** Why it could not be read (unreachable, refused); also set for partial reads. */
  error?: string;
  /** When this cluster was read. */
  readAt: string;
  durationMs: number;
  releases: number;
}

export interface EnvironmentCell {
  cluster: string;
  /** `deployed` (a release is there), `absent` (none on this cluster), `unreachable`. */
  presence: 'deployed' | 'absent' | 'unreachable';
  revision?: number;
  outcome?: string;
  images?: string[];
  commit?: string;
  health?: HealthState;
  drifted?: boolean;
}

export interface EnvironmentProject {
  project: string;
  namespace: string;
  /** Same images and commit on every cluster serving the environment; null when a cluster could not be read. */
  inSync: boolean | null;
  /** Why it is out of sync, one line each. */
  differences: string[];
  failing: boolean;
  drifted: boolean;
  cells: EnvironmentCell[];
}

export interface EnvironmentStatus {
  /** Environment name, or null for releases whose environment is unknown. */
  name: string | null;
  /** Clusters serving it (from the fleet), else those holding its releases. */
  clusters: string[];
  protected: boolean;
  projects: EnvironmentProject[];
}

export interface StatusReport {
  schema: typeof STATUS_SCHEMA;
  generatedAt: string;
  /** Where the clusters came from: `fleet` (agents/*.yaml), `contexts` (--context), `all-contexts`, `current-context`. */
  source: string;
  filter: { project?: string; namespace?: string };
  clusters: ClusterStatus[];
  releases: ReleaseStatus[];
  unreadable: UnreadableRecord[];
  environments: EnvironmentStatus[];
}
