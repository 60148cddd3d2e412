// Drift for people (text lines) and for automation (JSON). Secret data reaches
// here already masked (compute.ts), so nothing below can print a Secret value.
import type { DriftEntry } from './compute.js';

const MAX_VALUE = 80;

export function formatValue(value: unknown): string {
  if (value === undefined) return '(not set)';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

function managersText(entry: DriftEntry): string {
  if (entry.managers.length === 0) return 'by an unknown writer';
  const names = entry.managers.join(', ');
  return entry.inferred ? `probably by ${names}` : `by ${names}`;
}

/** `deployment/web spec.replicas: 2 → 5 (by kubectl-scale)` */
export function formatEntry(entry: DriftEntry): string {
  if (entry.change === 'missing') return `${entry.object}: missing (deleted since the release)`;
  const noBefore = entry.released === undefined && entry.change === 'changed';
  const what = entry.masked ?? (noBefore ? `now ${formatValue(entry.live)}` : `${formatValue(entry.released)} → ${formatValue(entry.live)}`);
  return `${entry.object} ${entry.path}: ${what} (${managersText(entry)})`;
}

/** The drift section of `eastern diff`; empty string when there is none. */
export function formatDriftSection(entries: readonly DriftEntry[], revision?: number): string {
  if (entries.length === 0) return '';
  const since = revision === undefined ? 'since Eastern last applied them' : `since revision ${revision}`;
  const lines = [`drift: ${entries.length} ${entries.length === 1 ? 'field' : 'fields'} changed in the cluster ${since}, not by Eastern:`];
  for (const e of entries) lines.push(`  ${formatEntry(e)}`);
  return `${lines.join('\n')}\n`;
}

/** `deployment/web spec.replicas by kubectl-scale` */
export function shortEntry(entry: DriftEntry): string {
  return `${entry.object} ${entry.path} ${managersText(entry)}`;
}

export type ProjectState = 'ok' | 'drifted' | 'missing' | 'in-progress' | 'interrupted' | 'unreadable';

/** States a drift gate fails on: the live objects cannot be vouched for. */
export const FAILING_STATES: readonly ProjectState[] = ['drifted', 'missing', 'interrupted', 'unreadable'];

export interface ProjectDrift {
  namespace: string;
  project: string;
  /** The release compared with (newest one that is not still in progress). */
  revision?: number;
  state: ProjectState;
  entries: DriftEntry[];
  /** Why the release could not be read, for `unreadable`. */
  problem?: string;
}

export function projectState(entries: readonly DriftEntry[]): ProjectState {
  if (entries.some((e) => e.change !== 'missing')) return 'drifted';
  if (entries.length > 0) return 'missing';
  return 'ok';
}

const LIST_LIMIT = 3;

function listed(items: readonly string[]): string {
  const shown = items.slice(0, LIST_LIMIT).join(', ');
  return items.length > LIST_LIMIT ? `${shown}, … (${items.length - LIST_LIMIT} more)` : shown;
}

/** One line per project: `shop/web: drifted: 1 object (deployment/web spec.replicas by kubectl-scale)`. */
export function formatProjectLine(p: ProjectDrift): string {
  const name = `${p.namespace}/${p.project}`;
  const rev = p.revision === undefined ? '' : ` (revision ${p.revision})`;
  switch (p.state) {
    case 'ok':
      return `${name}: ok${rev}`;
    case 'in-progress':
      return `${name}: deploy in progress${rev}, not checked`;
    case 'interrupted':
      return `${name}: interrupted: revision ${p.revision ?? '?'} did not finish, so objects may be partly at that revision and partly at the one before; deploy again`;
    case 'unreadable':
      return `${name}: release unreadable: ${p.problem ?? 'unknown problem'}`;
    default: {
      const changed = p.entries.filter((e) => e.change !== 'missing');
      const missing = p.entries.filter((e) => e.change === 'missing').map((e) => e.object);
      const parts: string[] = [];
      if (changed.length > 0) {
        const objects = new Set(changed.map((e) => e.object)).size;
        parts.push(`drifted: ${objects} ${objects === 1 ? 'object' : 'objects'} (${listed(changed.map(shortEntry))})`);
      }
      if (missing.length > 0) parts.push(`missing: ${listed(missing)}`);
      return `${name}: ${parts.join('; ')}${rev}`;
    }
  }
}
