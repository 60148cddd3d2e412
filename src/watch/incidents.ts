// Incidents, not events: one per workload and reason, however many pods and
// restarts. Opened once, reminded only after a quiet period, resolved once the
// workload is healthy again. Pure: observations and a clock in, actions out; the
// state is plain JSON so it survives an agent restart (kept in a ConfigMap).
import type { IncidentReason, NoticeEvent } from './types.js';
import type { WorkloadRef } from './owners.js';

/** What the rules see right now for one workload and reason. */
export interface Observation {
  id: string;
  /** workloadKey() of the workload. */
  key: string;
  workload: WorkloadRef;
  reason: IncidentReason;
  detail: string;
  pods: string[];
  podCount: number;
  restarts: number;
  /** The pod and container whose log explains it. */
  pod?: string;
  container?: string;
  previousLog?: boolean;
}

export interface IncidentRecord {
  id: string;
  key: string;
  workload: WorkloadRef;
  reason: IncidentReason;
  detail: string;
  openedAt: number;
  lastNotifiedAt: number;
  lastSeenAt: number;
  restarts: number;
  /** When the finding stopped being seen (undefined while it is). */
  clearSince?: number;
  /** The release named in the opening message, repeated in the resolution. */
  project?: string;
}

export interface BookOptions {
  /** A still-open incident is mentioned again after this long without a message. */
  reminderMs: number;
  /** An incident resolves once its finding is gone and the workload healthy for this long. */
  resolveAfterMs: number;
  /** ...or once its finding is gone this long, healthy or not (it may be failing for another reason). */
  forgetAfterMs?: number;
}

export interface Action {
  event: NoticeEvent;
  record: IncidentRecord;
  observation?: Observation;
}

export interface Judge {
  /** A deploy is watching this workload's rollout: say nothing about it now. */
  held(key: string): boolean;
  /** All the workload's pods are ready (or it has none left). */
  healthy(key: string): boolean;
}

/** Keeps the state small enough for one ConfigMap, whatever happens. */
export const MAX_KEPT = 500;

export class IncidentBook {
  readonly open = new Map<string, IncidentRecord>();

  constructor(private readonly options: BookOptions) {}

  update(observations: readonly Observation[], now: number, judge: Judge): Action[] {
    const actions: Action[] = [];
    const seen = new Set<string>();
    for (const o of observations) {
      if (judge.held(o.key)) continue;
      seen.add(o.id);
      const record = this.open.get(o.id);
      if (!record) {
        if (this.open.size >= MAX_KEPT) continue;
        const fresh: IncidentRecord = { id: o.id, key: o.key, workload: o.workload, reason: o.reason, detail: o.detail, openedAt: now, lastNotifiedAt: now, lastSeenAt: now, restarts: o.restarts };
        this.open.set(o.id, fresh);
        actions.push({ event: 'opened', record: fresh, observation: o });
        continue;
      }
      record.lastSeenAt = now;
      record.detail = o.detail;
      record.restarts = Math.max(record.restarts, o.restarts);
      delete record.clearSince;
      if (now - record.lastNotifiedAt >= this.options.reminderMs) {
        record.lastNotifiedAt = now;
        actions.push({ event: 'reminder', record, observation: o });
      }
    }
    const forget = this.options.forgetAfterMs ?? 10 * this.options.resolveAfterMs;
    for (const record of [...this.open.values()]) {
      if (seen.has(record.id) || judge.held(record.key)) continue;
      record.clearSince ??= now;
      const clear = now - record.clearSince;
      if ((clear >= this.options.resolveAfterMs && judge.healthy(record.key)) || clear >= forget) {
        this.open.delete(record.id);
        actions.push({ event: 'resolved', record });
      }
    }
    return actions;
  }

  toJSON(): { version: 1; incidents: IncidentRecord[] } {
    return { version: 1, incidents: [...this.open.values()] };
  }

  /** Takes over the incidents a previous run left open; ignores what it cannot read. */
  restore(state: unknown): number {
    const incidents = (state as { version?: number; incidents?: unknown[] } | undefined)?.incidents;
    if (!Array.isArray(incidents)) return 0;
    for (const i of incidents.slice(0, MAX_KEPT)) {
      const r = i as IncidentRecord;
      if (typeof r?.id === 'string' && typeof r.key === 'string' && typeof r.openedAt === 'number' && typeof r.lastNotifiedAt === 'number' && r.workload) {
        this.open.set(r.id, { ...r, lastSeenAt: typeof r.lastSeenAt === 'number' ? r.lastSeenAt : r.openedAt });
      }
    }
    return this.open.size;
  }
}
