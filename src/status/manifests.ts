// Rendered manifests of release revisions, read once: a revision never changes
// (its head names the manifest's SHA-256), so the page and repeated reads of a
// cluster fetch each revision's chunks only the first time.
import type { KubeClient } from '../kube/client.js';
import { ReleaseStore } from '../deploy/release-store.js';
import type { ReleaseHead } from '../deploy/release.js';

export class ManifestCache {
  private readonly entries = new Map<string, Promise<string>>();
  /** Chunk reads so far (for tests and the bench). */
  fetches = 0;

  constructor(private readonly limit = 500) {}

  get(client: KubeClient, cluster: string, namespace: string, head: ReleaseHead): Promise<string> {
    const { info } = head;
    const key = `${cluster}|${namespace}|${info.project}|${info.revision}|${info.manifest.sha256}`;
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used last, so eviction drops the oldest.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    this.fetches += 1;
    const text = new ReleaseStore(client, namespace, info.project).manifest(info);
    // A failed read (cluster away, damaged record) is tried again next time.
    text.catch(() => this.entries.delete(key));
    this.entries.set(key, text);
    while (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return text;
  }
}
