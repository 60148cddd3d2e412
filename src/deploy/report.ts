// What deploy, diff and history print on stdout: text for people, JSON for
// machines. Secret values never get here (diff.ts reduces them to key counts).

import { formatObjectDiff } from './diff.js';
import type { DeployReport } from './deploy.js';
import type { PreviewReport } from './preview.js';
import type { ObjectRef } from '../kube/objects.js';
import type { DamagedRecord } from './release-store.js';
import type { ReleaseHead } from './release.js';

const refText = (r: { kind: string; name: string }) => `${r.kind}/${r.name}`;

export interface PreviewCounts {
  create: number;
  change: number;
  unchanged: number;
  prune: number;
}

export function previewCounts(preview: PreviewReport): PreviewCounts {
  const count = (a: string) => preview.entries.filter((e) => e.action === a).length;
  return { create: count('create'), change: count('change'), unchanged: count('unchanged'), prune: preview.prune.length };
}

export function hasChanges(preview: PreviewReport): boolean {
  const c = previewCounts(preview);
  return c.create + c.change + c.prune > 0;
}

/** The diff as text: one line per object, field lines under changed ones. */
export function formatPreview(preview: PreviewReport, options: { pruneEnabled: boolean }): string {
  const lines: string[] = [];
  for (const e of preview.entries) {
    const where = e.planned.location;
    if (e.action === 'create') lines.push(`+ ${refText(e.planned.ref)} (create)  ${where}${e.checked ? '' : ' [not checked by the server]'}`);
    else if (e.action === 'change') {
      lines.push(`~ ${refText(e.planned.ref)} (change)  ${where}`);
      for (const l of formatObjectDiff(e.diff ?? { changes: [] })) lines.push(`    ${l}`);
    } else lines.push(`= ${refText(e.planned.ref)} (unchanged)`);
  }
  for (const r of preview.prune) lines.push(`- ${refText(r)} (${options.pruneEnabled ? 'prune' : 'would be pruned with --prune'})`);
  const c = previewCounts(preview);
  lines.push(`${c.create} to create, ${c.change} to change, ${c.unchanged} unchanged, ${c.prune} ${options.pruneEnabled ? 'to prune' : 'to prune with --prune'}`);
  return lines.join('\n') + '\n';
}

function refJson(r: ObjectRef) {
  return { apiVersion: r.apiVersion, kind: r.kind, ...(r.namespace && { namespace: r.namespace }), name: r.name };
}

export function previewJson(preview: PreviewReport) {
  return {
    project: preview.project,
    namespace: preview.namespace,
    context: preview.context,
    namespaceExists: preview.namespaceExists,
    objects: preview.entries.map((e) => ({
      ...refJson(e.planned.ref),
      action: e.action,
      source: e.planned.location,
      checked: e.checked,
      ...(e.diff && e.action === 'change' && { changes: e.diff.changes.map((c) => ({ path: c.path, op: c.op, before: c.before, after: c.after })) }),
      ...(e.diff?.secretKeysChanged !== undefined && { secretKeysChanged: e.diff.secretKeysChanged }),
    })),
    prune: preview.prune.map(refJson),
    summary: previewCounts(preview),
  };
}

export function deployJson(report: DeployReport) {
  return {
    project: report.project,
    namespace: report.namespace,
    context: report.context,
    revision: report.revision,
    outcome: report.outcome,
    objects: report.objects,
    pruned: report.pruned,
    ...(report.rollout && { rollout: report.rollout }),
    ...(report.rollback && { rollback: report.rollback }),
    ...(report.unchanged && { unchanged: true }),
    durationMs: report.durationMs,
  };
}

function shortTime(iso: string | undefined): string {
  return iso ? iso.replace(/\.\d+Z$/, 'Z') : '';
}

function buildText(h: ReleaseHead): string {
  const b = h.info.build;
  if (b?.job && b.number) return `${b.job} #${b.number}`;
  if (b?.url) return b.url;
  return h.info.deployer;
}

function note(h: ReleaseHead): string {
  const parts: string[] = [];
  if (h.info.rollbackOf !== undefined) parts.push(`rollback to ${h.info.rollbackOf}`);
  if (h.info.reason) parts.push(h.info.reason.split('\n')[0]!.slice(0, 100));
  if (h.info.confirmed) parts.push(`unchanged deploy confirmed it ${shortTime(h.info.confirmed.at)} (${h.info.confirmed.by})`);
  return parts.join('; ');
}

/** What a history shows besides the readable records. */
export interface HistoryContext {
  /** Records that could not be read. */
  damaged?: readonly DamagedRecord[];
  /** Whether a deploy holds the project's lock now (else a `pending` revision is an interrupted one). */
  deploying?: boolean;
}

/** The outcome to show: a `pending` revision that no running deploy owns was interrupted. */
export function shownOutcome(h: ReleaseHead, newest: ReleaseHead | undefined, deploying: boolean): string {
  if (h.info.outcome !== 'pending') return h.info.outcome;
  return h === newest && deploying ? 'pending' : 'interrupted';
}

/** The history table (newest first), damaged records in their place. */
export function formatHistory(heads: readonly ReleaseHead[], context: HistoryContext = {}): string {
  const rows = [['REVISION', 'TIME', 'OUTCOME', 'BUILD', 'COMMIT', 'NOTE']];
  const entries: { revision: number; row: string[] }[] = heads.map((h) => ({
    revision: h.info.revision,
    row: [String(h.info.revision), shortTime(h.info.startedAt), shownOutcome(h, heads[0], context.deploying ?? false), buildText(h), (h.info.commit ?? '').slice(0, 12), h.info.outcome === 'pending' && !(h === heads[0] && context.deploying) ? ['never finished (killed, or lost the cluster)', note(h)].filter(Boolean).join('; ') : note(h)],
  }));
  for (const d of context.damaged ?? []) {
    entries.push({ revision: d.revision ?? 0, row: [d.revision === undefined ? '?' : String(d.revision), '', 'damaged', '', '', d.error.message] });
  }
  for (const e of entries.sort((a, b) => b.revision - a.revision)) rows.push(e.row);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

export function historyJson(heads: readonly ReleaseHead[], context: HistoryContext = {}) {
  const records = heads.map((h) => {
    const { objects, fingerprints: _fingerprints, ...info } = h.info;
    const outcome = shownOutcome(h, heads[0], context.deploying ?? false);
    return { ...info, outcome, ...(outcome !== h.info.outcome && { recordedOutcome: h.info.outcome }), objectCount: objects.length };
  });
  const damaged = (context.damaged ?? []).map((d) => ({ name: d.name, revision: d.revision ?? null, outcome: 'damaged', problem: d.error.message }));
  return [...records, ...damaged].sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0));
}
