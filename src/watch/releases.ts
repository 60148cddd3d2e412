// Which Eastern release manages a workload, from the release heads the watchman
// watches (Secrets labelled eastern.io/part=head). Only what messages need is kept
// of each head, so a long history costs little memory.
import { decodeHead, LABEL_PART, type ReleaseHead } from '../deploy/release.js';
import type { KubeObject } from '../kube/objects.js';
import { parseTime } from '../rollout/objects.js';
import type { ReleaseLink } from './types.js';

export const HEAD_SELECTOR = `${LABEL_PART}=head`;

/** A head reduced to what the watchman reads. */
export interface SlimHead {
  metadata: { name?: string; namespace?: string; resourceVersion?: string };
  release?: {
    project: string;
    revision: number;
    outcome: string;
    startedAt: string;
    finishedAt?: string;
    buildUrl?: string;
    commit?: string;
    deployer: string;
    /** `Kind/name` of every object the revision applied in its namespace. */
    objects: string[];
  };
}

export function slimHead(secret: KubeObject): SlimHead {
  const metadata = { name: secret.metadata?.name, namespace: secret.metadata?.namespace, resourceVersion: secret.metadata?.resourceVersion };
  let head: ReleaseHead;
  try {
    head = decodeHead(secret);
  } catch {
    return { metadata };
  }
  const i = head.info;
  return {
    metadata,
    release: {
      project: i.project,
      revision: i.revision,
      outcome: i.outcome,
      startedAt: i.startedAt,
      ...(i.finishedAt && { finishedAt: i.finishedAt }),
      ...(i.build?.url && { buildUrl: i.build.url }),
      ...(i.commit && { commit: i.commit }),
      deployer: i.deployer,
      objects: i.objects.filter((o) => !o.namespace || o.namespace === i.namespace).map((o) => `${o.kind}/${o.name}`),
    },
  };
}

/** A pending record older than this is a deploy that died, not one still watching. */
export const PENDING_HOLD_MS = 60 * 60 * 1000;

export class ReleaseIndex {
  /** namespace/Kind/name → project, from each project's newest revision. */
  private readonly owner = new Map<string, string>();
  /** namespace/project → heads, newest first. */
  private readonly heads = new Map<string, NonNullable<SlimHead['release']>[]>();

  constructor(all: readonly SlimHead[]) {
    for (const h of all) {
      if (!h.release) continue;
      const key = `${h.metadata.namespace}/${h.release.project}`;
      this.heads.set(key, [...(this.heads.get(key) ?? []), h.release]);
    }
    for (const [key, list] of this.heads) {
      list.sort((a, b) => b.revision - a.revision);
      const namespace = key.slice(0, key.indexOf('/'));
      for (const o of list[0]!.objects) this.owner.set(`${namespace}/${o}`, list[0]!.project);
    }
  }

  projectOf(workloadKey: string): string | undefined {
    return this.owner.get(workloadKey);
  }

  /** A deploy of the workload's project is running now (its newest record is pending and young). */
  deploying(workloadKey: string, now: number): boolean {
    const project = this.owner.get(workloadKey);
    if (!project) return false;
    const newest = this.heads.get(`${workloadKey.slice(0, workloadKey.indexOf('/'))}/${project}`)?.[0];
    return newest?.outcome === 'pending' && now - (parseTime(newest.startedAt) ?? 0) < PENDING_HOLD_MS;
  }

  /** The newest finished revision of the workload's project. */
  link(workloadKey: string): ReleaseLink | undefined {
    const project = this.owner.get(workloadKey);
    if (!project) return undefined;
    const list = this.heads.get(`${workloadKey.slice(0, workloadKey.indexOf('/'))}/${project}`) ?? [];
    const h = list.find((r) => r.outcome !== 'pending') ?? list[0];
    if (!h) return undefined;
    return {
      project: h.project,
      revision: h.revision,
      deployedAt: h.finishedAt ?? h.startedAt,
      outcome: h.outcome,
      ...(h.buildUrl && { buildUrl: h.buildUrl }),
      ...(h.commit && { commit: h.commit }),
      deployer: h.deployer,
    };
  }
}
