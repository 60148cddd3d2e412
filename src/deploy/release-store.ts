// Reading and writing release records (format in release.ts) in one namespace.

import { statusOf } from '../kube/api-error.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../kube/objects.js';
import { mapSettled } from '../kube/pool.js';
import {
  LABEL_PART,
  LABEL_RELEASE_OF,
  LABEL_REVISION,
  RecordError,
  assembleManifest,
  chunkName,
  decodeHead,
  labelledRevision,
  encodeRelease,
  headName,
  headSelector,
  outcomePatch,
  type Outcome,
  type ReleaseHead,
  type ReleaseInfo,
} from './release.js';

/** A head that could not be read: its name, the revision its label claims, and why. */
export interface DamagedRecord {
  name: string;
  revision?: number;
  error: RecordError;
}

export interface ReleaseList {
  /** Newest first. */
  heads: ReleaseHead[];
  /** Heads that could not be read (they still hold their revision numbers). */
  unreadable: DamagedRecord[];
}

export class ReleaseStore {
  constructor(private readonly client: KubeClient, readonly namespace: string, readonly project: string) {}

  async list(): Promise<ReleaseList> {
    const { items: secrets } = await this.client.list('v1', 'Secret', { namespace: this.namespace, labelSelector: headSelector(this.project) });
    const heads: ReleaseHead[] = [];
    const unreadable: DamagedRecord[] = [];
    for (const s of secrets) {
      try {
        heads.push(decodeHead(s));
      } catch (e) {
        if (!(e instanceof RecordError)) throw e;
        const revision = labelledRevision(s);
        unreadable.push({ name: s.metadata.name, ...(revision !== undefined && { revision }), error: e });
      }
    }
    heads.sort((a, b) => b.info.revision - a.info.revision);
    return { heads, unreadable };
  }

  /** Writes the chunks, then the head; returns the head. Chunks of an interrupted earlier attempt are overwritten. */
  async write(info: Omit<ReleaseInfo, 'manifest'>, manifestText: string, chunkBytes?: number): Promise<ReleaseHead> {
    const encoded = encodeRelease(info, manifestText, chunkBytes);
    const results = await mapSettled(encoded.chunks, 4, (chunk) => this.client.apply(chunk));
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) throw failed.error;
    try {
      return decodeHead(await this.client.create(encoded.head));
    } catch (error) {
      // A retried create whose first attempt reached the server: 409 on our own head.
      if (statusOf(error) !== 409) throw error;
      const existing = await this.client.get({ apiVersion: 'v1', kind: 'Secret', namespace: this.namespace, name: encoded.head.metadata.name });
      const head = existing && decodeHead(existing);
      if (head && head.info.startedAt === info.startedAt && head.info.deployer === info.deployer) return head;
      throw new RecordError(encoded.head.metadata.name, `it was written by someone else at the same time (${head?.info.deployer ?? 'unknown'})`, this.namespace);
    }
  }

  /** Records a new outcome on a head (one merge patch). */
  async setOutcome(head: ReleaseHead, outcome: Outcome, extra: Partial<Pick<ReleaseInfo, 'reason' | 'finishedAt' | 'fingerprints' | 'confirmed'>> = {}): Promise<ReleaseHead> {
    const info: ReleaseInfo = { ...head.info, outcome, ...extra };
    if (extra.reason === undefined && outcome !== 'failed' && outcome !== 'interrupted') delete info.reason;
    const patched = await this.client.mergePatch<KubeObject>({ apiVersion: 'v1', kind: 'Secret', namespace: this.namespace, name: head.name }, outcomePatch(info));
    return decodeHead(patched);
  }

  /** The manifest text of a revision (chunks fetched in parallel, verified). */
  async manifest(info: ReleaseInfo): Promise<string> {
    const names = Array.from({ length: info.manifest.chunks }, (_, i) => chunkName(info.project, info.revision, i + 1));
    const chunks = await Promise.all(names.map((name) => this.client.get({ apiVersion: 'v1', kind: 'Secret', namespace: this.namespace, name })));
    return assembleManifest(info, chunks.filter((c): c is KubeObject => c !== undefined));
  }

  /** Deletes every revision not in `keep`: heads first, so no head ever points at deleted chunks. */
  async prune(keep: readonly number[]): Promise<void> {
    if (keep.length === 0) return;
    const notKept = `${LABEL_REVISION} notin (${keep.join(',')})`;
    await this.client.deleteCollection('v1', 'Secret', this.namespace, `${LABEL_RELEASE_OF}=${this.project},${LABEL_PART}=head,${notKept}`);
    await this.client.deleteCollection('v1', 'Secret', this.namespace, `${LABEL_RELEASE_OF}=${this.project},${LABEL_PART}=chunk,${notKept}`);
  }

  /** Whether a head of this revision exists (used after a failed write to tell what happened). */
  async exists(revision: number): Promise<boolean> {
    try {
      return (await this.client.get({ apiVersion: 'v1', kind: 'Secret', namespace: this.namespace, name: headName(this.project, revision) })) !== undefined;
    } catch (e) {
      if (statusOf(e) === 403) return false;
      throw e;
    }
  }
}

export { RecordError };
