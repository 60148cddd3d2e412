// The shapes the checks pass around: objects as the rules see them, what a rule
// reports, and the finding a user reads (with its template location and level).
import type { KubeObject } from '../kube/objects.js';
import type { SourceLocation } from '../template/types.js';
import type { RuleId, Severity } from './catalog.js';

/** A field inside an object: keys and list indexes from the object's root. */
export type FieldPath = readonly (string | number)[];

/** One Kubernetes object of a manifest, as the rules see it. */
export interface CheckObject {
  object: KubeObject;
  /** Where it goes: metadata.namespace, else the target namespace. */
  namespace: string;
  /** Document index in the manifest, and the object's path inside it (`['items', 2]` in a List). */
  document: number;
  base: FieldPath;
  /** Template location where the object starts. */
  source: SourceLocation;
}

/** Where a field of a document is: the template line it came from, and its rendered line (for ordering). */
export type Locate = (document: number, path: FieldPath) => { location: SourceLocation; order: number };

/** What a rule reports: the object, the field that is wrong (or where the missing one belongs), and the fix. */
export interface RawFinding {
  rule: RuleId;
  target: CheckObject;
  path: FieldPath;
  message: string;
  fix: string;
  /** Other places the reader needs (the first of two duplicates). */
  related?: { target: CheckObject; path: FieldPath; label: string }[];
}

/** The Kubernetes version a check is aimed at. */
export interface KubernetesVersion {
  major: number;
  minor: number;
}

export interface RuleContext {
  objects: readonly CheckObject[];
  /** The version the manifest must work on (--kubernetes, upgrade-check, the cluster of a deploy). */
  kubernetes?: KubernetesVersion;
  /**
   * Whether the target serves an apiVersion/kind (real discovery of a cluster);
   * when given it decides removed-api instead of the removals table.
   */
  serves?: (apiVersion: string, kind: string) => boolean;
  /** How messages name the target (default: `Kubernetes 1.33`). */
  targetName?: string;
}

export interface Rule {
  /** The ids this module reports (one module may implement a group of rules). */
  ids: readonly RuleId[];
  check(ctx: RuleContext): RawFinding[];
}

export interface FindingObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
}

export interface Finding {
  rule: RuleId;
  level: Severity;
  /** The rule's level before the environment's `errors: warn` turned errors into warnings. */
  configured: Severity;
  object: FindingObject;
  location: SourceLocation;
  message: string;
  fix: string;
  related?: { location: SourceLocation; label: string }[];
  /** Set on suppressed findings: the annotation and its reason. */
  suppressed?: { annotation: string; reason: string };
}
