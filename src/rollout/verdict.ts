// The shared contract of the per-kind rules (after Krane's kubernetes_resource.rb):
// each rule turns plain objects into succeeded / failed / pending, with the words
// that explain it and the pods whose events and logs are worth showing.
import type { PodDiagnosis } from './doomed-pod.js';
import type { ControllerRevision, EndpointSlice, Pod, ReplicaSet, StorageClass } from './objects.js';

export type State = 'succeeded' | 'failed' | 'pending';

export interface Verdict {
  state: State;
  /** Progress or outcome in a few words: "1/3 new pods available". */
  message: string;
  /** One line per cause: why it failed, or what it still waits on. */
  reasons: string[];
  /** Pods whose events and logs explain a failure or a timeout (failing ones first). */
  pods: PodDiagnosis[];
  /** Epoch ms at which the verdict may change without any API event (image-pull grace). */
  recheckAt?: number;
  /** Nothing worth a line in the build log (an object that merely exists). */
  quiet?: boolean;
}

/** Default time an image pull may keep failing before the pod counts as doomed. */
export const IMAGE_PULL_GRACE_MS = 30_000;

/** What a rule may look at besides the object itself. Lists hold the object's namespace only. */
export interface RuleContext {
  /** Epoch milliseconds. */
  now: number;
  pods: readonly Pod[];
  replicaSets: readonly ReplicaSet[];
  controllerRevisions: readonly ControllerRevision[];
  endpointSlices: readonly EndpointSlice[];
  /** Storage classes by name; `undefined` key → the default class. */
  storageClass?: (name: string | undefined) => StorageClass | undefined;
  /** Grace for ErrImagePull / ImagePullBackOff, counted from the pod's start. */
  imagePullGraceMs: number;
  /** Deployments: wait until no old-ReplicaSet replicas remain (kubectl's rule). Default true. */
  waitForOldReplicas?: boolean;
  /** Pod template labels of this rollout's workloads in the namespace that run no pods by design (replicas: 0). */
  scaledToZero?: readonly Record<string, string>[];
}

export function emptyContext(overrides: Partial<RuleContext> = {}): RuleContext {
  return {
    now: Date.now(),
    pods: [],
    replicaSets: [],
    controllerRevisions: [],
    endpointSlices: [],
    imagePullGraceMs: IMAGE_PULL_GRACE_MS,
    ...overrides,
  };
}

export function pending(message: string, reasons: string[] = [], pods: PodDiagnosis[] = [], recheckAt?: number): Verdict {
  return recheckAt === undefined ? { state: 'pending', message, reasons, pods } : { state: 'pending', message, reasons, pods, recheckAt };
}

export function succeeded(message: string): Verdict {
  return { state: 'succeeded', message, reasons: [], pods: [] };
}

export function failed(message: string, reasons: string[] = [], pods: PodDiagnosis[] = []): Verdict {
  return { state: 'failed', message, reasons, pods };
}

export function earliest(...times: (number | undefined)[]): number | undefined {
  const defined = times.filter((t): t is number => t !== undefined);
  return defined.length === 0 ? undefined : Math.min(...defined);
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
