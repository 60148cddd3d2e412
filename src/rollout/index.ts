// The rollout watch: per-kind rules over plain objects, fed by the API's watch.
export { watchRollout } from './watcher.js';
export type { RolloutFailure, RolloutResult, TargetOutcome, TargetState, WatchOptions, WatchTarget } from './watcher.js';
export { ruleFor } from './kinds.js';
export { diagnosePod, type PodDiagnosis } from './doomed-pod.js';
export { TIMEOUT_ANNOTATION, objectTimeout, parseDuration } from './timeout.js';
export { IMAGE_PULL_GRACE_MS, type Verdict } from './verdict.js';
