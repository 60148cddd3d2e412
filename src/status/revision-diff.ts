// What changed between two revisions of a release: their rendered manifests, object
// by object, field by field (src/deploy/diff.ts). Secret data never appears: a
// changed Secret shows "(n keys changed)", an added one its key count. Pure.
import { dump } from 'js-yaml';
import { diffObjects, formatChange, isSecret, secretKeyCount, type FieldChange, type ObjectDiff } from '../deploy/diff.js';
import { manifestObjects } from '../drift/project.js';
import { groupOf, type KubeObject } from '../kube/objects.js';

export interface ObjectChange {
  /** `deployment/web` */
  object: string;
  change: 'added' | 'removed' | 'changed';
  /** `+ path: value`, `- path: value`, `~ path: before → after` lines (Secret data as counts). */
  lines: string[];
}

export interface RevisionDiff {
  changes: ObjectChange[];
  unchanged: number;
}

const identity = (o: KubeObject) => `${groupOf(o.apiVersion)}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const display = (o: KubeObject) => `${o.kind.toLowerCase()}/${o.metadata.name}`;

/** An added object in full, as YAML; a Secret without its values (their count instead). */
function addedLines(o: KubeObject): string[] {
  const { data: _data, stringData: _stringData, ...rest } = o as KubeObject & { data?: unknown; stringData?: unknown };
  const shown = isSecret(o) ? rest : o;
  const lines = dump(shown, { lineWidth: -1, noRefs: true }).trimEnd().split('\n');
  if (isSecret(o)) {
    const keys = secretKeyCount(o as Record<string, unknown>);
    lines.push(`data: (${keys} ${keys === 1 ? 'key' : 'keys'}, values not shown)`);
  }
  return lines.map((l) => `+ ${l}`);
}

const MAX_TEXT_LINES = 2000;

/** Line differences of two texts (longest common subsequence), unchanged lines left out. */
export function textDiff(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length * b.length > MAX_TEXT_LINES * MAX_TEXT_LINES) return [`(${a.length} lines → ${b.length} lines)`];
  // lcs[i][j]: common lines of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) { i++; j++; }
    else if (i < a.length && (j >= b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  return out;
}

/** A change line; a multi-line string (a script in a ConfigMap) as the lines that changed. */
function changeLines(change: FieldChange): string[] {
  if (change.op === 'change' && typeof change.before === 'string' && typeof change.after === 'string' && (change.before.includes('\n') || change.after.includes('\n'))) {
    return [`~ ${change.path}:`, ...textDiff(change.before, change.after).map((l) => `    ${l}`)];
  }
  return [formatChange(change)];
}

function objectLines(diff: ObjectDiff): string[] {
  const lines = diff.changes.flatMap(changeLines);
  if (diff.secretKeysChanged) lines.push(`~ data: (${diff.secretKeysChanged} ${diff.secretKeysChanged === 1 ? 'key' : 'keys'} changed)`);
  return lines;
}

/** Differences from manifest `before` to manifest `after`. */
export function diffRevisions(before: string, after: string): RevisionDiff {
  const old = new Map(manifestObjects(before).map((o) => [identity(o), o]));
  const now = new Map(manifestObjects(after).map((o) => [identity(o), o]));
  const changes: ObjectChange[] = [];
  let unchanged = 0;
  for (const [key, o] of now) {
    const was = old.get(key);
    if (!was) {
      changes.push({ object: display(o), change: 'added', lines: addedLines(o) });
      continue;
    }
    const lines = objectLines(diffObjects(was, o));
    if (lines.length === 0) unchanged += 1;
    else changes.push({ object: display(o), change: 'changed', lines });
  }
  for (const [key, o] of old) if (!now.has(key)) changes.push({ object: display(o), change: 'removed', lines: [] });
  return { changes, unchanged };
}
