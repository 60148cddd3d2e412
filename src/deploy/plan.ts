// From parsed manifest documents to the objects a deploy sends: shape checks,
// `kind: List` flattening, the target namespace, Eastern's labels, served
// resources. Every problem is collected (not just the first) and names the
// template file:line where the object starts; nothing touches the cluster here
// except discovery lookups.

import type { ManifestDocument, SourceLocation } from '../template/types.js';
import type { ApiResource, Discovery } from '../kube/discovery.js';
import {
  LABEL_MANAGED_BY,
  LABEL_PROJECT,
  MANAGED_BY_VALUE,
  deepClone,
  describeRef,
  groupOf,
  isPlainObject,
  refKey,
  refOf,
  type KubeObject,
  type ObjectRef,
} from '../kube/objects.js';

export interface DraftObject {
  object: KubeObject;
  source: SourceLocation;
  /** `file:line` for messages. */
  location: string;
}

export interface PlannedObject extends DraftObject {
  ref: ObjectRef;
  key: string;
  resource: ApiResource;
  /** Its kind is defined by a CustomResourceDefinition in the same manifest and not served yet. */
  viaCrd: boolean;
}

export type FormatLocation = (loc: SourceLocation) => string;

/** Checks each document's shape and flattens `kind: List`. Pure. */
export function collectObjects(documents: readonly ManifestDocument[], format: FormatLocation): { drafts: DraftObject[]; problems: string[] } {
  const drafts: DraftObject[] = [];
  const problems: string[] = [];
  const visit = (value: unknown, source: SourceLocation, location: string, what: string) => {
    if (!isPlainObject(value)) {
      problems.push(`${location}: ${what} is not a Kubernetes object (expected a mapping with apiVersion, kind and metadata.name)`);
      return;
    }
    const { apiVersion, kind } = value;
    if (kind === 'List' && Array.isArray(value.items)) {
      value.items.forEach((item, i) => visit(item, source, location, `item ${i + 1} of the List`));
      return;
    }
    const missing: string[] = [];
    if (typeof apiVersion !== 'string' || apiVersion === '') missing.push('apiVersion');
    if (typeof kind !== 'string' || kind === '') missing.push('kind');
    const metadata = value.metadata;
    const name = isPlainObject(metadata) ? metadata.name : undefined;
    if (typeof name !== 'string' || name === '') missing.push('metadata.name');
    if (missing.length > 0) {
      const label = typeof kind === 'string' && kind ? `${kind}${typeof name === 'string' && name ? `/${name}` : ''}` : what;
      problems.push(`${location}: ${label} has no ${missing.join(', ')}`);
      return;
    }
    if (isPlainObject(metadata) && metadata.namespace !== undefined && typeof metadata.namespace !== 'string') {
      problems.push(`${location}: ${kind}/${name as string}: metadata.namespace must be a string`);
      return;
    }
    drafts.push({ object: deepClone(value) as KubeObject, source, location });
  };
  for (const doc of documents) visit(doc.value, doc.source, format(doc.source), `document ${doc.index + 1}`);
  return { drafts, problems };
}

interface CrdDefinition {
  resource: ApiResource;
  location: string;
}

/** Kinds that CustomResourceDefinitions in the manifest will define, by `group/version|Kind`. */
export function crdDefinitions(drafts: readonly DraftObject[]): Map<string, CrdDefinition> {
  const out = new Map<string, CrdDefinition>();
  for (const d of drafts) {
    if (d.object.kind !== 'CustomResourceDefinition' || groupOf(d.object.apiVersion) !== 'apiextensions.k8s.io') continue;
    const spec = d.object.spec;
    if (!isPlainObject(spec) || typeof spec.group !== 'string' || !isPlainObject(spec.names)) continue;
    const kind = spec.names.kind;
    const plural = spec.names.plural;
    if (typeof kind !== 'string' || typeof plural !== 'string') continue;
    const versions = Array.isArray(spec.versions) ? spec.versions : [];
    for (const v of versions) {
      if (!isPlainObject(v) || typeof v.name !== 'string' || v.served === false) continue;
      out.set(`${spec.group}/${v.name}|${kind}`, {
        resource: { group: spec.group, version: v.name, kind, plural, singular: typeof spec.names.singular === 'string' ? spec.names.singular : kind.toLowerCase(), shortNames: Array.isArray(spec.names.shortNames) ? spec.names.shortNames.filter((n): n is string => typeof n === 'string') : [], namespaced: spec.scope !== 'Cluster', verbs: [] },
        location: d.location,
      });
    }
  }
  return out;
}

export interface PlaceOptions {
  namespace: string;
  project: string;
  discovery: Discovery;
  /** Cluster name for messages. */
  clusterName: string;
}

/**
 * Resolves each draft against the cluster's served resources, sets the target
 * namespace, adds Eastern's labels and rejects duplicates. Collects every problem.
 */
export async function placeObjects(drafts: readonly DraftObject[], options: PlaceOptions): Promise<{ objects: PlannedObject[]; problems: string[] }> {
  const crds = crdDefinitions(drafts);
  const problems: string[] = [];
  const objects: PlannedObject[] = [];
  const seen = new Map<string, string>();
  const resolve = () => Promise.all(drafts.map((d) => options.discovery.resolve(d.object.apiVersion, d.object.kind)));
  let resolved = await resolve();
  // Discovery is cached for the whole process (the agent runs for weeks): a kind
  // installed since, e.g. by a CRD, is looked up again once before it counts as unserved.
  if (drafts.some((d, i) => !resolved[i] && !crds.has(`${d.object.apiVersion}|${d.object.kind}`))) {
    const refreshed = await options.discovery.refresh().then(() => true, () => false);
    if (refreshed) resolved = await resolve();
  }
  for (const [i, draft] of drafts.entries()) {
    const object = draft.object;
    const what = describeRef(object);
    let resource = resolved[i];
    let viaCrd = false;
    if (!resource) {
      const crd = crds.get(`${object.apiVersion}|${object.kind}`);
      if (crd) {
        resource = crd.resource;
        viaCrd = true;
      } else {
        problems.push(await unservedMessage(draft, options));
        continue;
      }
    }
    if (resource.namespaced) {
      const ns = object.metadata.namespace;
      if (ns === undefined || ns === '') object.metadata.namespace = options.namespace;
      else if (ns !== options.namespace) {
        problems.push(
          `${draft.location}: ${what} names namespace "${ns}" but this deploy targets "${options.namespace}"; remove metadata.namespace (it defaults to the target) or write \${NAMESPACE}`,
        );
        continue;
      }
    } else if (object.metadata.namespace !== undefined) {
      // Cluster-scoped: a namespace here means nothing to the API server.
      delete object.metadata.namespace;
    }
    if (object.metadata.labels !== undefined && !isPlainObject(object.metadata.labels)) {
      problems.push(`${draft.location}: ${what}: metadata.labels must be a mapping`);
      continue;
    }
    object.metadata.labels = { ...(object.metadata.labels ?? {}), [LABEL_MANAGED_BY]: MANAGED_BY_VALUE, [LABEL_PROJECT]: options.project };
    const ref = refOf(object);
    const key = refKey(ref);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      problems.push(`${draft.location}: ${what} is defined twice (first at ${earlier})`);
      continue;
    }
    seen.set(key, draft.location);
    objects.push({ ...draft, ref, key, resource, viaCrd });
  }
  return { objects, problems };
}

async function unservedMessage(draft: DraftObject, options: PlaceOptions): Promise<string> {
  const { apiVersion, kind } = draft.object;
  const served = await options.discovery.servedVersionsOf(kind);
  const what = `${describeRef(draft.object)}: ${apiVersion} ${kind}`;
  if (served.length === 0) {
    return `${draft.location}: ${what} is not served by cluster ${options.clusterName}, in any version (is a CustomResourceDefinition missing?)`;
  }
  const sameGroup = served.filter((gv) => groupOf(gv) === groupOf(apiVersion));
  const hint = (sameGroup.length ? sameGroup : served).map((gv) => `${gv}`).join(', ');
  return `${draft.location}: ${what} is not served by cluster ${options.clusterName}; it serves ${kind} as ${hint} (change apiVersion to ${hint.split(', ')[0]} and check the fields that changed with it)`;
}
