// What changed between two revisions of a release: their rendered manifests, object
// by object, field by field (src/deploy/diff.ts). Secret data never appears: a
// changed Secret shows "(n keys changed)", an added one its key count. Pure.
import { dump } from 'js-yaml';
import { diffObjects, formatObjectDiff, isSecret, secretKeyCount } from '../deploy/diff.js';
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
    const lines = formatObjectDiff(diffObjects(was, o));
    if (lines.length === 0) unchanged += 1;
    else changes.push({ object: display(o), change: 'changed', lines });
  }
  for (const [key, o] of old) if (!now.has(key)) changes.push({ object: display(o), change: 'removed', lines: [] });
  return { changes, unchanged };
}
