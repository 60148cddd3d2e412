// The watchman's settings and their defaults (the agent file's notify: section and
// eastern watch's options fill them in). Pure.
import { DEFAULT_THRESHOLDS, type WatchThresholds } from './rules.js';

export interface WatchSettings {
  thresholds: WatchThresholds;
  /** Reminder of a still-open incident after this long without a message. */
  reminderMinutes: number;
  /** Healthy this long after the last finding: resolved. */
  resolveAfterSeconds: number;
  /** Failing within this long after a successful deploy: "failing since revision N". */
  failingWindowMinutes: number;
  /** Watch nodes too (needs cluster-wide read access to nodes). */
  nodes: boolean;
  /** Where open incidents are kept: a ConfigMap eastern-watchman-<name> in this namespace. */
  stateNamespace: string;
}

export const DEFAULT_WATCH: WatchSettings = {
  thresholds: DEFAULT_THRESHOLDS,
  reminderMinutes: 60,
  resolveAfterSeconds: 60,
  failingWindowMinutes: 30,
  nodes: true,
  stateNamespace: 'default',
};
