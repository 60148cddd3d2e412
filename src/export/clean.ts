// Cleaning rules for exported objects: what the server added (identity, status,
// bookkeeping, allocated addresses, defaults) goes; what a person wrote stays. The
// result must create cleanly in another cluster and namespace. README lists the rules.
import { LABEL_MANAGED_BY, LABEL_PROJECT, MANAGED_BY_VALUE, deepEqual, isPlainObject, type KubeObject } from '../kube/objects.js';
import { managedFieldsOf, ownedPaths } from '../drift/managed-fields.js';

type Obj = Record<string, unknown>;

export interface CleanContext {
  /** Workloads an HPA in the namespace scales (`Deployment/web`): their replicas belong to the HPA. */
  autoscaled?: ReadonlySet<string>;
}

/** Server-set metadata, never part of a manifest. */
const SERVER_METADATA = [
  'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'namespace', 'ownerReferences', 'generateName',
];

/** Annotations written by tools and controllers, not by people. */
export const NOISE_ANNOTATIONS: readonly string[] = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.daemonset.template.generation',
  'pv.kubernetes.io/bind-completed',
  'pv.kubernetes.io/bound-by-controller',
  'volume.beta.kubernetes.io/storage-provisioner',
  'volume.kubernetes.io/storage-provisioner',
  'volume.kubernetes.io/selected-node',
  'endpoints.kubernetes.io/last-change-trigger-time',
  'kubernetes.io/service-account.uid',
  'batch.kubernetes.io/job-tracking',
];

/** Finalizers the API server adds by itself. */
const SYSTEM_FINALIZERS = ['kubernetes.io/pvc-protection', 'kubernetes.io/pv-protection', 'foregroundDeletion', 'orphan'];

/** Labels the Job controller adds to Jobs and their pod templates. */
const JOB_LABELS = ['controller-uid', 'job-name', 'batch.kubernetes.io/controller-uid', 'batch.kubernetes.io/job-name'];

function obj(value: unknown): Obj | undefined {
  return isPlainObject(value) ? value : undefined;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

/** Deletes `key` when its value equals `dflt` (deep, any key order). */
function dropDefault(o: Obj | undefined, key: string, dflt: unknown): void {
  if (o && key in o && deepEqual(o[key], dflt)) delete o[key];
}

function dropEmpty(o: Obj | undefined, key: string): void {
  if (o && key in o && isEmpty(o[key])) delete o[key];
}

/** Removes empty labels/annotations maps, a null creationTimestamp, and the listed keys. */
function cleanMetadata(metadata: Obj | undefined, drop: readonly string[]): void {
  if (!metadata) return;
  for (const key of drop) delete metadata[key];
  if (metadata.creationTimestamp === null) delete metadata.creationTimestamp;
  const annotations = obj(metadata.annotations);
  if (annotations) for (const a of NOISE_ANNOTATIONS) delete annotations[a];
  const labels = obj(metadata.labels);
  // Eastern's own labels: the export must not claim the objects for a project.
  if (labels) {
    if (labels[LABEL_MANAGED_BY] === MANAGED_BY_VALUE) delete labels[LABEL_MANAGED_BY];
    delete labels[LABEL_PROJECT];
  }
  if (Array.isArray(metadata.finalizers)) {
    metadata.finalizers = metadata.finalizers.filter((f) => !SYSTEM_FINALIZERS.includes(String(f)));
  }
  dropEmpty(metadata, 'labels');
  dropEmpty(metadata, 'annotations');
  dropEmpty(metadata, 'finalizers');
}

/** The pull policy the API server defaults for an image reference. */
export function defaultPullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastPart.lastIndexOf(':');
  const tag = colon < 0 ? '' : lastPart.slice(colon + 1);
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function cleanProbe(probe: Obj | undefined): void {
  if (!probe) return;
  dropDefault(probe, 'timeoutSeconds', 1);
  dropDefault(probe, 'periodSeconds', 10);
  dropDefault(probe, 'successThreshold', 1);
  dropDefault(probe, 'failureThreshold', 3);
  dropDefault(obj(probe.httpGet), 'scheme', 'HTTP');
}

function cleanHandler(handler: Obj | undefined): void {
  dropDefault(obj(handler?.httpGet), 'scheme', 'HTTP');
}

function cleanContainer(c: Obj): void {
  dropDefault(c, 'terminationMessagePath', '/dev/termination-log');
  dropDefault(c, 'terminationMessagePolicy', 'File');
  if (typeof c.image === 'string') dropDefault(c, 'imagePullPolicy', defaultPullPolicy(c.image));
  dropEmpty(c, 'resources');
  dropEmpty(c, 'securityContext');
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) cleanProbe(obj(c[probe]));
  const lifecycle = obj(c.lifecycle);
  cleanHandler(obj(lifecycle?.postStart));
  cleanHandler(obj(lifecycle?.preStop));
  if (Array.isArray(c.ports)) for (const p of c.ports) dropDefault(obj(p), 'protocol', 'TCP');
  if (Array.isArray(c.env)) {
    for (const e of c.env) dropDefault(obj(obj(obj(e)?.valueFrom)?.fieldRef), 'apiVersion', 'v1');
  }
}

/** Defaults of a pod spec; `bare` also drops what admission adds to Pods themselves. */
export function cleanPodSpec(spec: Obj | undefined, bare = false): void {
  if (!spec) return;
  dropDefault(spec, 'dnsPolicy', 'ClusterFirst');
  dropDefault(spec, 'restartPolicy', 'Always');
  dropDefault(spec, 'schedulerName', 'default-scheduler');
  dropDefault(spec, 'terminationGracePeriodSeconds', 30);
  dropDefault(spec, 'enableServiceLinks', true);
  dropEmpty(spec, 'securityContext');
  // Deprecated alias the server copies from serviceAccountName.
  if (spec.serviceAccount !== undefined && spec.serviceAccount === spec.serviceAccountName) delete spec.serviceAccount;
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    const containers = spec[list];
    if (Array.isArray(containers)) for (const c of containers) if (isPlainObject(c)) cleanContainer(c);
  }
  if (Array.isArray(spec.volumes)) {
    for (const v of spec.volumes) {
      const volume = obj(v);
      for (const source of ['configMap', 'secret', 'downwardAPI', 'projected']) dropDefault(obj(volume?.[source]), 'defaultMode', 420);
      dropDefault(obj(volume?.hostPath), 'type', '');
      const items = obj(volume?.downwardAPI)?.items;
      if (Array.isArray(items)) for (const i of items) dropDefault(obj(obj(i)?.fieldRef), 'apiVersion', 'v1');
    }
  }
  if (bare) {
    for (const key of ['nodeName', 'priority', 'preemptionPolicy', 'hostname']) delete spec[key];
    dropDefault(spec, 'serviceAccountName', 'default');
    // The service-account token volume and its mounts are injected by admission.
    if (Array.isArray(spec.volumes)) {
      const injected = new Set(spec.volumes.filter((v) => /^kube-api-access-/.test(String(obj(v)?.name))).map((v) => String(obj(v)?.name)));
      spec.volumes = spec.volumes.filter((v) => !injected.has(String(obj(v)?.name)));
      for (const list of ['containers', 'initContainers']) {
        const containers = spec[list];
        if (!Array.isArray(containers)) continue;
        for (const c of containers) {
          const container = obj(c);
          if (container && Array.isArray(container.volumeMounts)) {
            container.volumeMounts = container.volumeMounts.filter((m) => !injected.has(String(obj(m)?.name)));
            dropEmpty(container, 'volumeMounts');
          }
        }
      }
      dropEmpty(spec, 'volumes');
    }
    if (Array.isArray(spec.tolerations)) {
      spec.tolerations = spec.tolerations.filter((t) => {
        const o = obj(t);
        const key = String(o?.key);
        return !(o?.operator === 'Exists' && o?.effect === 'NoExecute' && o?.tolerationSeconds === 300
          && (key === 'node.kubernetes.io/not-ready' || key === 'node.kubernetes.io/unreachable'));
      });
      dropEmpty(spec, 'tolerations');
    }
  }
}

function cleanPodTemplate(template: Obj | undefined, extraLabels: readonly string[] = []): void {
  if (!template) return;
  const metadata = obj(template.metadata);
  cleanMetadata(metadata, []);
  const labels = obj(metadata?.labels);
  if (labels) for (const l of extraLabels) delete labels[l];
  dropEmpty(metadata, 'labels');
  dropEmpty(template, 'metadata');
  cleanPodSpec(obj(template.spec));
}

function cleanClaimSpec(spec: Obj | undefined): void {
  if (!spec) return;
  delete spec.volumeName;
  dropDefault(spec, 'volumeMode', 'Filesystem');
}

/** True when some field manager set the field, i.e. a person asked for it (allocations are unowned). */
function isOwned(object: KubeObject, path: string): boolean {
  return managedFieldsOf(object).some((entry) => ownedPaths(entry.fieldsV1).some((p) => p.path === path));
}

function portKey(port: Obj): string {
  return `[port=${String(port.port)},protocol=${String(port.protocol ?? 'TCP')}]`;
}

function cleanService(object: KubeObject, spec: Obj | undefined): void {
  if (!spec) return;
  // Addresses belong to the cluster that allocated them; "None" (headless) is a choice.
  if (spec.clusterIP !== 'None') {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  } else if (Array.isArray(spec.clusterIPs) && spec.clusterIPs.every((ip) => ip === 'None')) {
    delete spec.clusterIPs;
  }
  if (spec.ipFamilyPolicy === 'SingleStack') {
    delete spec.ipFamilyPolicy;
    if (Array.isArray(spec.ipFamilies) && spec.ipFamilies.length === 1) delete spec.ipFamilies;
  }
  dropDefault(spec, 'type', 'ClusterIP');
  dropDefault(spec, 'sessionAffinity', 'None');
  dropDefault(spec, 'sessionAffinityConfig', { clientIP: { timeoutSeconds: 10800 } });
  dropDefault(spec, 'internalTrafficPolicy', 'Cluster');
  dropDefault(spec, 'externalTrafficPolicy', 'Cluster');
  dropDefault(spec, 'allocateLoadBalancerNodePorts', true);
  if (Array.isArray(spec.ports)) {
    for (const p of spec.ports) {
      const port = obj(p);
      if (!port) continue;
      // A node port stays only when someone set it; allocated ones would collide elsewhere.
      if (port.nodePort !== undefined && !isOwned(object, `spec.ports${portKey(port)}.nodePort`)) delete port.nodePort;
      dropDefault(port, 'protocol', 'TCP');
      if (port.targetPort !== undefined && port.targetPort === port.port) delete port.targetPort;
    }
  }
}

/**
 * Returns a clean copy of a live object: apiVersion, kind, metadata (name, labels,
 * annotations, finalizers a person set) and the body without status and defaults.
 */
export function cleanObject(live: KubeObject, context: CleanContext = {}): KubeObject {
  const object = structuredClone(live) as KubeObject & Obj;
  delete object.status;
  const metadata = object.metadata as Obj;
  cleanMetadata(metadata, SERVER_METADATA);
  const spec = obj(object.spec);
  const group = object.apiVersion.includes('/') ? object.apiVersion.slice(0, object.apiVersion.indexOf('/')) : '';

  switch (`${group}/${object.kind}`) {
    case 'apps/Deployment':
      dropDefault(spec, 'progressDeadlineSeconds', 600);
      dropDefault(spec, 'revisionHistoryLimit', 10);
      dropDefault(spec, 'strategy', { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
      if (context.autoscaled?.has(`Deployment/${live.metadata.name}`)) delete spec?.replicas;
      cleanPodTemplate(obj(spec?.template));
      break;
    case 'apps/StatefulSet':
      dropDefault(spec, 'podManagementPolicy', 'OrderedReady');
      dropDefault(spec, 'revisionHistoryLimit', 10);
      dropDefault(spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
      dropDefault(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
      if (context.autoscaled?.has(`StatefulSet/${live.metadata.name}`)) delete spec?.replicas;
      cleanPodTemplate(obj(spec?.template));
      if (Array.isArray(spec?.volumeClaimTemplates)) {
        for (const t of spec.volumeClaimTemplates) {
          const claim = obj(t);
          if (!claim) continue;
          delete claim.status;
          // The server fills these in on templates; a manifest does not carry them.
          if (claim.apiVersion === 'v1') delete claim.apiVersion;
          if (claim.kind === 'PersistentVolumeClaim') delete claim.kind;
          cleanMetadata(obj(claim.metadata), []);
          dropEmpty(claim, 'metadata');
          cleanClaimSpec(obj(claim.spec));
        }
      }
      break;
    case 'apps/DaemonSet':
      dropDefault(spec, 'revisionHistoryLimit', 10);
      dropDefault(spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
      cleanPodTemplate(obj(spec?.template));
      break;
    case 'apps/ReplicaSet':
    case '/ReplicationController':
      cleanPodTemplate(obj(spec?.template));
      break;
    case 'batch/Job':
      cleanJobSpec(metadata, spec);
      break;
    case 'batch/CronJob': {
      dropDefault(spec, 'concurrencyPolicy', 'Allow');
      dropDefault(spec, 'suspend', false);
      dropDefault(spec, 'successfulJobsHistoryLimit', 3);
      dropDefault(spec, 'failedJobsHistoryLimit', 1);
      const jobTemplate = obj(spec?.jobTemplate);
      cleanMetadata(obj(jobTemplate?.metadata), []);
      dropEmpty(jobTemplate, 'metadata');
      cleanJobSpec(undefined, obj(jobTemplate?.spec));
      break;
    }
    case '/Pod':
      cleanPodSpec(spec, true);
      break;
    case '/PodTemplate':
      cleanPodTemplate(obj((object as Obj).template));
      break;
    case '/Service':
      cleanService(live, spec);
      break;
    case '/PersistentVolumeClaim':
      cleanClaimSpec(spec);
      break;
    case '/Secret':
      dropDefault(object, 'type', 'Opaque');
      break;
    case 'networking.k8s.io/NetworkPolicy':
      cleanNetworkPolicy(spec);
      break;
    case '/ServiceAccount':
      // Legacy token references point at generated Secrets that are not exported.
      if (Array.isArray(object.secrets)) {
        object.secrets = object.secrets.filter((s) => !/-token-[a-z0-9]{5}$/.test(String(obj(s)?.name)));
        dropEmpty(object, 'secrets');
      }
      break;
    default:
      break;
  }
  return reorder(object);
}

function cleanNetworkPolicy(spec: Obj | undefined): void {
  if (!spec) return;
  for (const direction of ['ingress', 'egress']) {
    const rules = spec[direction];
    if (!Array.isArray(rules)) continue;
    for (const rule of rules) {
      const ports = obj(rule)?.ports;
      if (Array.isArray(ports)) for (const p of ports) dropDefault(obj(p), 'protocol', 'TCP');
    }
  }
  // The server fills policyTypes with Ingress, plus Egress when there are egress rules.
  const implied = Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  dropDefault(spec, 'policyTypes', implied);
}

function cleanJobSpec(metadata: Obj | undefined, spec: Obj | undefined): void {
  if (!spec) return;
  const labels = obj(metadata?.labels);
  if (labels) for (const l of JOB_LABELS) delete labels[l];
  dropEmpty(metadata, 'labels');
  // The selector is generated from the Job's uid unless the manifest chose one.
  if (spec.manualSelector !== true) delete spec.selector;
  dropDefault(spec, 'backoffLimit', 6);
  dropDefault(spec, 'completionMode', 'NonIndexed');
  dropDefault(spec, 'suspend', false);
  dropDefault(spec, 'podReplacementPolicy', 'TerminatingOrFailed');
  dropDefault(spec, 'manualSelector', false);
  // completions 1 + parallelism 1 is what an empty spec becomes; parallelism 1 alone is its default.
  if (spec.completionMode === undefined && spec.completions === 1 && spec.parallelism === 1) {
    delete spec.completions;
    delete spec.parallelism;
  } else if (spec.completions !== undefined) {
    dropDefault(spec, 'parallelism', 1);
  }
  cleanPodTemplate(obj(spec.template), JOB_LABELS);
}

/** apiVersion, kind, metadata first; the rest in the server's order (stable). */
function reorder(object: KubeObject & Obj): KubeObject {
  const { apiVersion, kind, metadata, ...rest } = object;
  const out: Obj = { apiVersion, kind, metadata: orderMetadata(metadata as Obj) };
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) out[k] = v;
  return out as KubeObject;
}

function orderMetadata(metadata: Obj): Obj {
  const { name, labels, annotations, ...rest } = metadata;
  const out: Obj = { name };
  if (labels !== undefined) out.labels = sortKeys(labels);
  if (annotations !== undefined) out.annotations = sortKeys(annotations);
  for (const [k, v] of Object.entries(rest)) out[k] = v;
  return out;
}

function sortKeys(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const out: Obj = {};
  for (const k of Object.keys(value).sort()) out[k] = value[k];
  return out;
}
