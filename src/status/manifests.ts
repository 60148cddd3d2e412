// Rendered manifests of release revisions, read once: a revision never changes
// (its head names the manifest's SHA-256), so the page and repeated reads of a
// cluster fetch each revision's chunks only the first time.
import type { KubeClient } from '../kube/client.js';
import { ReleaseStore } from '../deploy/release-store.js';
import { assembleManifest, LABEL_PART, LABEL_RELEASE_OF, LABEL_REVISION, type ReleaseHead } from '../deploy/release.js';

export class ManifestCache {
  private readonly entries = new Map<string, Promise<string>>();
  /** Chunk reads so far (for tests and the bench). */
  fetches = 0;

  constructor(private readonly limit = 500) {}

  private key(cluster: string, namespace: string, head: ReleaseHead): string {
    const { info } = head;
    return `${cluster}|${namespace}|${info.project}|${info.revision}|${info.manifest.sha256}`;
  }

  private remember(key: string, text: Promise<string>): void {
    // A failed read (cluster away, damaged record) is tried again next time.
    text.catch(() => this.entries.delete(key));
    this.entries.set(key, text);
    while (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  /**
   * Reads the chunks of many revisions of one namespace with one LIST (selected by
   * project and revision, so a few other revisions may come along) instead of a GET
   * each. What cannot be put together here is left to get().
   */
  async prefetch(client: KubeClient, cluster: string, namespace: string, heads: readonly ReleaseHead[]): Promise<void> {
    const missing = heads.filter((h) => !this.entries.has(this.key(cluster, namespace, h)));
    if (missing.length < 2) return;
    const projects = [...new Set(missing.map((h) => h.info.project))].sort();
    const revisions = [...new Set(missing.map((h) => h.info.revision))].sort((a, b) => a - b);
    let chunks;
    try {
      this.fetches += 1;
      chunks = (await client.list('v1', 'Secret', { namespace, labelSelector: `${LABEL_PART}=chunk,${LABEL_RELEASE_OF} in (${projects.join(',')}),${LABEL_REVISION} in (${revisions.join(',')})` })).items;
    } catch {
      return;
    }
    for (const head of missing) {
      try {
        this.remember(this.key(cluster, namespace, head), Promise.resolve(assembleManifest(head.info, chunks)));
      } catch {
        // incomplete or damaged here: get() reads it on its own and reports why
      }
    }
  }

  get(client: KubeClient, cluster: string, namespace: string, head: ReleaseHead): Promise<string> {
    const { info } = head;
    const key = this.key(cluster, namespace, head);
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used last, so eviction drops the oldest.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    this.fetches += 1;
    const text = new ReleaseStore(client, namespace, info.project).manifest(info);
    this.remember(key, text);
    return text;
  }
}
