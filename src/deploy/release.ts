// Release records: what was deployed, stored in the cluster itself as Secrets of
// type eastern.io/release in the target namespace (Secrets, because the rendered
// manifest may hold Secret objects and the variables may be sensitive).
//
// Revision N of project P is one small "head" Secret `eastern.release.P.vN` (the
// metadata, JSON) plus one or more "chunk" Secrets `eastern.release.P.vN.1…k`
// holding the gzip-compressed manifest split in pieces below the 1 MiB object
// limit. Chunks are written first and the head last, and the head names the chunk
// count and the manifest's SHA-256: a reader ignores chunks without a head, and a
// head whose chunks do not add up is reported as incomplete, never returned as a
// wrong manifest. This module is pure: encoding, decoding, naming, masking.

import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { LABEL_MANAGED_BY, MANAGED_BY_VALUE, type KubeObject, type ObjectRef } from '../kube/objects.js';
import type { BuildInfo } from '../project/identity.js';
import type { Fingerprints } from './fingerprint.js';
import { ClusterError } from '../errors.js';
import type { SourceLocation } from '../template/types.js';

export const RELEASE_TYPE = 'eastern.io/release';
export const LABEL_RELEASE_OF = 'eastern.io/release-of';
export const LABEL_REVISION = 'eastern.io/revision';
export const LABEL_PART = 'eastern.io/part';
export const LABEL_OUTCOME = 'eastern.io/outcome';
export const ANNOTATION_CHUNK = 'eastern.io/chunk';
/** Raw (compressed) bytes per chunk; base64 makes it ~683 KiB, well under the 1 MiB limit. */
export const DEFAULT_CHUNK_BYTES = 512 * 1024;

export type Outcome = 'pending' | 'deployed' | 'failed' | 'superseded' | 'rolled-back' | 'interrupted';
/** Outcomes a rollback may return to. */
export const GOOD_OUTCOMES: readonly Outcome[] = ['deployed', 'superseded'];

export interface ReleaseInfo {
  schema: 1;
  project: string;
  namespace: string;
  revision: number;
  outcome: Outcome;
  /** Why it failed or was interrupted. */
  reason?: string;
  /** ISO time the deploy started / ended. */
  startedAt: string;
  finishedAt?: string;
  /** Who deployed: build URL or user@host:pid. */
  deployer: string;
  context: string;
  easternVersion: string;
  build?: BuildInfo;
  commit?: string;
  /** Template, relative to the working directory of the deploy (or "revision N" for rollbacks). */
  source?: string;
  /** Variables, with values of secret-looking keys masked. */
  variables: Record<string, string>;
  /** Set when this revision re-applies an earlier one. */
  rollbackOf?: number;
  /** What this revision applied: the basis of --prune. */
  objects: ObjectRef[];
  /**
   * Per object, what this revision left in the cluster: the fingerprint of the
   * desired content and of Eastern's ownership entry afterwards (fingerprint.ts).
   * Written with the outcome; the next deploy skips what provably did not change.
   */
  fingerprints?: Fingerprints;
  /** A later deploy found nothing to change and confirmed this revision instead of recording a new one. */
  confirmed?: { at: string; by: string; commit?: string };
  /** Where each object starts in the templates (`file:line (included from …)`), by refKey; what upgrade-check names. */
  sources?: Record<string, string>;
  manifest: { sha256: string; bytes: number; gzipBytes: number; chunks: number };
}

export interface ReleaseHead {
  info: ReleaseInfo;
  /** Name of the head Secret and its resourceVersion (for updates). */
  name: string;
  resourceVersion?: string;
}

// The secret-name rule is shared with template errors (src/secrets/masking.ts).
export { MASK, maskVariables } from '../secrets/masking.js';

/** `sources` of a release: each object's template location, with the includes that led there. */
export function objectSources(objects: readonly { key: string; source: SourceLocation; location: string }[], format: (loc: SourceLocation) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of objects) {
    const chain: string[] = [];
    for (let via = o.source.via; via; via = via.via) chain.push(format(via));
    out[o.key] = chain.length ? `${o.location} (included from ${chain.join(', ')})` : o.location;
  }
  return out;
}

export function headName(project: string, revision: number): string {
  return `eastern.release.${project}.v${revision}`;
}

export function chunkName(project: string, revision: number, index: number): string {
  return `${headName(project, revision)}.${index}`;
}

export function headSelector(project: string): string {
  return `${LABEL_RELEASE_OF}=${project},${LABEL_PART}=head`;
}

function labels(info: Pick<ReleaseInfo, 'project' | 'revision'>, part: 'head' | 'chunk'): Record<string, string> {
  return { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE, [LABEL_RELEASE_OF]: info.project, [LABEL_REVISION]: String(info.revision), [LABEL_PART]: part };
}

export interface EncodedRelease {
  head: KubeObject;
  chunks: KubeObject[];
}

/** The Secrets for one revision. `info.manifest` is filled in from the text. */
export function encodeRelease(info: Omit<ReleaseInfo, 'manifest'>, manifestText: string, chunkBytes = DEFAULT_CHUNK_BYTES): EncodedRelease {
  const raw = Buffer.from(manifestText, 'utf8');
  const gz = gzipSync(raw, { level: 6 });
  const count = Math.max(1, Math.ceil(gz.length / chunkBytes));
  const full: ReleaseInfo = { ...info, manifest: { sha256: sha256(raw), bytes: raw.length, gzipBytes: gz.length, chunks: count } };
  const chunks: KubeObject[] = [];
  for (let i = 0; i < count; i++) {
    chunks.push({
      apiVersion: 'v1',
      kind: 'Secret',
      type: RELEASE_TYPE,
      metadata: {
        name: chunkName(info.project, info.revision, i + 1),
        namespace: info.namespace,
        labels: labels(info, 'chunk'),
        annotations: { [ANNOTATION_CHUNK]: `${i + 1}/${count}` },
      },
      data: { 'manifest.gz': gz.subarray(i * chunkBytes, (i + 1) * chunkBytes).toString('base64') },
    });
  }
  return { head: headObject(full), chunks };
}

/** The head Secret for `info` (also used to rewrite the outcome). */
export function headObject(info: ReleaseInfo): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: RELEASE_TYPE,
    metadata: {
      name: headName(info.project, info.revision),
      namespace: info.namespace,
      labels: { ...labels(info, 'head'), [LABEL_OUTCOME]: info.outcome },
    },
    data: headData(info, false),
  };
}

/** A JSON merge patch that records a new outcome on a head. */
export function outcomePatch(info: ReleaseInfo): Record<string, unknown> {
  return {
    metadata: { labels: { [LABEL_OUTCOME]: info.outcome } },
    data: headData(info, true),
  };
}

/**
 * A release record that cannot be read as what it claims to be (edited, truncated,
 * written by something else). Never an internal error: the message names the
 * record and the fix; deploys skip such a record with a warning.
 */
export class RecordError extends ClusterError {
  constructor(readonly record: string, problem: string, namespace?: string) {
    super(`release record ${record} is damaged: ${problem}`, {
      fix: `the other revisions are unaffected; remove the damaged one with kubectl${namespace ? ` -n ${namespace}` : ''} delete secret -l ${LABEL_REVISION}=${revisionOfName(record) ?? '<N>'},${LABEL_RELEASE_OF}=${projectOfName(record) ?? '<project>'} (its head and chunks), or roll back to another revision`,
    });
  }
}

function revisionOfName(name: string): string | undefined {
  return /\.v(\d+)(?:\.\d+)?$/.exec(name)?.[1];
}

function projectOfName(name: string): string | undefined {
  return /^eastern\.release\.(.+)\.v\d+(?:\.\d+)?$/.exec(name)?.[1];
}

/**
 * Above this many bytes of JSON, a head keeps its record gzipped (`release.json.gz`).
 * The per-object fingerprints and template sources make the record of 300 objects
 * about 90 KB; every deploy lists the heads and patches one or two, and the API
 * server decodes, stores and returns the whole Secret each time (a merge patch of
 * that head: 38–48 ms as JSON, 10 ms gzipped to 12 KB on the local clusters). A
 * few thousand objects would also pass a Secret's 1 MiB limit as plain JSON. Small
 * records stay plain JSON, readable with kubectl and base64 alone.
 */
export const GZIP_RECORD_ABOVE = 4 * 1024;

/** A head's data: the record as JSON, gzipped when large. For a merge patch, the other key is removed. */
function headData(info: ReleaseInfo, patch: boolean): Record<string, string | null> {
  const json = JSON.stringify(info);
  if (json.length <= GZIP_RECORD_ABOVE) return { 'release.json': Buffer.from(json).toString('base64'), ...(patch && { 'release.json.gz': null }) };
  return { 'release.json.gz': gzipSync(json).toString('base64'), ...(patch && { 'release.json': null }) };
}

/** What a head's release.json must hold to be used (a partial record would mislead prune and rollback). */
function recordProblem(info: unknown): string | undefined {
  if (typeof info !== 'object' || info === null || Array.isArray(info)) return 'release.json is not an object';
  const i = info as Partial<ReleaseInfo>;
  if (i.schema !== 1) return `unknown record format (schema ${JSON.stringify(i.schema)})`;
  if (typeof i.revision !== 'number' || !Number.isInteger(i.revision) || i.revision < 1) return 'no revision number';
  if (typeof i.project !== 'string' || typeof i.outcome !== 'string' || typeof i.startedAt !== 'string') return 'project, outcome or start time missing';
  if (!Array.isArray(i.objects)) return 'the list of applied objects is missing';
  const m = i.manifest;
  if (!m || typeof m.sha256 !== 'string' || typeof m.chunks !== 'number' || m.chunks < 1) return 'the manifest summary is missing';
  return undefined;
}

/** Reads a head Secret; throws RecordError when it is not a readable release head. */
export function decodeHead(secret: KubeObject): ReleaseHead {
  const name = secret.metadata.name;
  const namespace = secret.metadata.namespace;
  const data = secret.data as Record<string, string> | undefined;
  const plain = data?.['release.json'];
  const gzipped = data?.['release.json.gz'];
  if (typeof plain !== 'string' && typeof gzipped !== 'string') throw new RecordError(name, 'it has no release.json', namespace);
  let info: ReleaseInfo;
  try {
    const bytes = Buffer.from(typeof gzipped === 'string' ? gzipped : (plain as string), 'base64');
    info = JSON.parse((typeof gzipped === 'string' ? gunzipSync(bytes) : bytes).toString('utf8')) as ReleaseInfo;
  } catch (e) {
    throw new RecordError(name, `release.json is not JSON (${(e as Error).message})`, namespace);
  }
  const problem = recordProblem(info);
  if (problem) throw new RecordError(name, problem, namespace);
  const head: ReleaseHead = { info, name };
  if (secret.metadata.resourceVersion) head.resourceVersion = secret.metadata.resourceVersion;
  return head;
}

/** The revision a head Secret claims by its label, readable or not. */
export function labelledRevision(secret: KubeObject): number | undefined {
  const n = Number(secret.metadata.labels?.[LABEL_REVISION]);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * Joins a revision's chunks back into the manifest text, checking count, order
 * and checksum. Extra chunks (left by an interrupted earlier attempt) are ignored.
 */
export function assembleManifest(info: ReleaseInfo, chunks: readonly KubeObject[]): string {
  const byIndex = new Map<number, string>();
  for (const c of chunks) {
    const prefix = `${headName(info.project, info.revision)}.`;
    if (!c.metadata.name.startsWith(prefix)) continue;
    const index = Number(c.metadata.name.slice(prefix.length));
    const piece = (c.data as Record<string, string> | undefined)?.['manifest.gz'];
    if (Number.isInteger(index) && typeof piece === 'string') byIndex.set(index, piece);
  }
  const parts: Buffer[] = [];
  for (let i = 1; i <= info.manifest.chunks; i++) {
    const piece = byIndex.get(i);
    if (piece === undefined) throw new RecordError(headName(info.project, info.revision), `chunk ${i} of ${info.manifest.chunks} is missing`, info.namespace);
    parts.push(Buffer.from(piece, 'base64'));
  }
  let raw: Buffer;
  try {
    raw = gunzipSync(Buffer.concat(parts));
  } catch (e) {
    throw new RecordError(headName(info.project, info.revision), `its manifest does not decompress (${(e as Error).message})`, info.namespace);
  }
  if (sha256(raw) !== info.manifest.sha256) throw new RecordError(headName(info.project, info.revision), 'its manifest does not match the checksum in its head', info.namespace);
  return raw.toString('utf8');
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The revision number the next deploy gets: above every revision ever given out —
 * readable records, damaged ones (by their label), and the counter kept on the lock,
 * which survives records deleted by hand. Numbers are never used twice.
 */
export function nextRevision(heads: readonly ReleaseHead[], others: readonly (number | undefined)[] = []): number {
  return Math.max(0, ...heads.map((h) => h.info.revision), ...others.filter((n): n is number => n !== undefined)) + 1;
}

/** Revisions kept after adding one: the newest `limit`. */
export function revisionsToKeep(revisions: readonly number[], limit: number): number[] {
  return [...revisions].sort((a, b) => b - a).slice(0, Math.max(1, limit));
}

/** The revision a rollback returns to: `to` if given, else the newest good one before the newest revision. */
export function rollbackTarget(heads: readonly ReleaseHead[], to?: number): ReleaseHead | undefined {
  const sorted = [...heads].sort((a, b) => b.info.revision - a.info.revision);
  if (to !== undefined) return sorted.find((h) => h.info.revision === to);
  const current = sorted[0];
  return sorted.find((h) => h !== current && GOOD_OUTCOMES.includes(h.info.outcome));
}
