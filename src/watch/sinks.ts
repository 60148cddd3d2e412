// What a notice looks like on the wire: a Slack incoming-webhook body (Block Kit,
// mrkdwn) and the generic webhook's versioned JSON. Pure functions; delivery lives
// in notifier.ts.
import { NOTIFICATION_SCHEMA, type IncidentView, type Notice, type ReleaseLink } from './types.js';

/** Log lines shown in Slack: the last few, each cut short, so one message stays readable. */
export const SLACK_LOG_LINES = 10;
export const SLACK_LOG_LINE_CHARS = 300;
/** Lines listed in a Slack summary before "… and K more". */
export const SUMMARY_LINES = 20;
/** Slack rejects section text above 3000 characters and header text above 150. */
const SECTION_CHARS = 3000;
const HEADER_CHARS = 150;

export interface SlackMessage {
  /** Fallback text: what notifications and screen readers show. */
  text: string;
  blocks: unknown[];
}

/** Escapes the three characters Slack treats as control sequences in mrkdwn (links, mentions). */
export function escapeMrkdwn(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A Slack link for http(s) URLs only; anything else is shown as escaped text, never as a link. */
function link(url: string, label: string): string {
  if (!/^https?:\/\/[^\s<>|]+$/i.test(url)) return escapeMrkdwn(url);
  return `<${url.replace(/&/g, '&amp;')}|${escapeMrkdwn(label)}>`;
}

function cut(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

const UNITS: readonly (readonly [number, string])[] = [[86400, 'd'], [3600, 'h'], [60, 'm'], [1, 's']];

/** "350ms", "45s", "3m 20s", "2h 5m", "1d 3h": the largest unit and the next one are enough. */
export function formatDuration(ms: number): string {
  if (ms > 0 && ms < 1000) return `${Math.round(ms)}ms`; // short windows (tests) and quick recoveries
  const s = Math.max(0, Math.round(ms / 1000));
  const i = UNITS.findIndex(([size]) => s >= size);
  const big = UNITS[i];
  if (!big) return '0s';
  const first = `${Math.floor(s / big[0])}${big[1]}`;
  const next = UNITS[i + 1];
  const second = next ? Math.floor((s % big[0]) / next[0]) : 0;
  return next && second > 0 ? `${first} ${second}${next[1]}` : first;
}

function between(from: string, to: string): string {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? formatDuration(ms) : 'an unknown time';
}

function workloadName(i: IncidentView): string {
  return `${i.workload.kind}/${i.workload.name}`;
}

/** "Deployment/web in shop", or just the workload for cluster-scoped ones (nodes). */
function where(i: IncidentView): string {
  return i.namespace ? `${workloadName(i)} in ${i.namespace}` : workloadName(i);
}

function releaseLine(release: ReleaseLink): string {
  const parts = [`project ${escapeMrkdwn(release.project)}`, `revision ${release.revision}`, `deployed ${escapeMrkdwn(release.deployedAt)}`];
  if (release.buildUrl) parts.push(`build ${link(release.buildUrl, release.buildUrl)}`);
  if (release.commit) parts.push(`commit ${escapeMrkdwn(release.commit.slice(0, 7))}`);
  return parts.join(', ');
}

/** The release facts: which revision, whether it is the likely cause, what changed behind Eastern's back. */
function releaseLines(i: IncidentView): string[] {
  if (!i.release) return ['*Release:* not deployed by Eastern (no release manages this workload)'];
  const lines = [`*Release:* ${releaseLine(i.release)}`];
  if (i.failingSinceRevision !== undefined) {
    const build = i.release.buildUrl ? ` (build ${link(i.release.buildUrl, i.release.buildUrl)})` : '';
    lines.push(`*Failing since revision ${i.failingSinceRevision}*${build}`);
  }
  if (i.drift && i.drift.length > 0) {
    lines.push(`*Changed outside Eastern since revision ${i.release.revision}:*`);
    for (const change of i.drift) lines.push(`• ${escapeMrkdwn(change)}`);
  }
  return lines;
}

function factLines(i: IncidentView): string[] {
  const envs = i.environments.length ? ` (${i.environments.map(escapeMrkdwn).join(', ')})` : '';
  const container = i.container ? ` (container ${escapeMrkdwn(i.container)})` : '';
  return [
    `*Cluster:* ${escapeMrkdwn(i.cluster)}${envs}`,
    ...(i.namespace ? [`*Namespace:* ${escapeMrkdwn(i.namespace)}`] : []),
    `*Workload:* ${escapeMrkdwn(workloadName(i))}${container}`,
    `*Reason:* ${i.reason}: ${escapeMrkdwn(i.detail)}`,
    `*Restarts:* ${i.restarts}`,
  ];
}

function podsLine(i: IncidentView): string {
  const more = i.podCount > i.pods.length ? `, … (${i.podCount} pods)` : ` (${i.podCount} ${i.podCount === 1 ? 'pod' : 'pods'})`;
  return `*Pods:* ${i.pods.map(escapeMrkdwn).join(', ')}${more}`;
}

/** The last log lines as a code block, cut to fit one section; ``` in a line would end the block early. */
function logBlock(lines: readonly string[] | undefined): string | undefined {
  if (!lines || lines.length === 0) return undefined;
  const shown = lines.slice(-SLACK_LOG_LINES).map((l) => escapeMrkdwn(cut(l, SLACK_LOG_LINE_CHARS)).replace(/```/g, "'''"));
  while (shown.join('\n').length + 8 > SECTION_CHARS) shown.shift();
  return '```\n' + shown.join('\n') + '\n```';
}

function section(text: string): unknown {
  return { type: 'section', text: { type: 'mrkdwn', text: cut(text, SECTION_CHARS) } };
}

function header(text: string): unknown {
  // plain_text: no escaping needed (Slack shows it literally).
  return { type: 'header', text: { type: 'plain_text', text: cut(text, HEADER_CHARS), emoji: true } };
}

function context(text: string): unknown {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: cut(text, SECTION_CHARS) }] };
}

function opened(i: IncidentView): SlackMessage {
  const title = `${i.reason}: ${where(i)}`;
  const blocks = [header(title), section([...factLines(i), podsLine(i), ...releaseLines(i)].join('\n'))];
  const logs = logBlock(i.logLines);
  if (logs) blocks.push(section(`*Last log lines*${i.container ? ` (${escapeMrkdwn(i.container)})` : ''}:\n${logs}`));
  blocks.push(context(`Opened ${escapeMrkdwn(i.openedAt)} · ${escapeMrkdwn(i.id)}`));
  return { text: escapeMrkdwn(`${title} (cluster ${i.cluster})`), blocks };
}

function reminder(i: IncidentView, at: string): SlackMessage {
  const still = `still failing since ${i.openedAt} (${between(i.openedAt, at)})`;
  const title = `${i.reason}: ${where(i)}`;
  const facts = [`*Still failing* since ${escapeMrkdwn(i.openedAt)} (${between(i.openedAt, at)})`, ...factLines(i), ...releaseLines(i)];
  return { text: escapeMrkdwn(`${title}: ${still} (cluster ${i.cluster})`), blocks: [header(title), section(facts.join('\n'))] };
}

function resolved(i: IncidentView, at: string): SlackMessage {
  const after = between(i.openedAt, i.resolvedAt ?? at);
  const line = `resolved: ${where(i)} is healthy again after ${after}`;
  const text = `✅ ${escapeMrkdwn(line)} (${i.reason}, cluster ${escapeMrkdwn(i.cluster)})`;
  return { text, blocks: [section(text)] };
}

/** A Slack incoming-webhook body for one notice. */
export function slackMessage(notice: Notice): SlackMessage {
  const i = notice.incident;
  if (notice.event === 'reminder') return reminder(i, notice.at);
  if (notice.event === 'resolved') return resolved(i, notice.at);
  return opened(i);
}

function summaryItem(n: Notice): string {
  const i = n.incident;
  const ns = i.namespace ? `${i.namespace}/` : '';
  return `${n.event} ${i.reason} ${ns}${workloadName(i)}`;
}

function windowText(windowSeconds: number): string {
  return windowSeconds === 60 ? 'the last minute' : `the last ${formatDuration(windowSeconds * 1000)}`;
}

/** One Slack message for the notices the storm cap held back: one line each, at most SUMMARY_LINES. */
export function summaryMessage(held: readonly Notice[], windowSeconds: number): SlackMessage {
  const noun = held.length === 1 ? 'notice' : 'notices';
  const title = `${held.length} more ${noun} in ${windowText(windowSeconds)} (storm cap)`;
  const lines = held.slice(0, SUMMARY_LINES).map((n) => `• ${escapeMrkdwn(summaryItem(n))}`);
  if (held.length > SUMMARY_LINES) lines.push(`… and ${held.length - SUMMARY_LINES} more`);
  return { text: title, blocks: [section(`*${title}:*\n${lines.join('\n')}`)] };
}

/** Every IncidentView field, absent ones as null: consumers see the same keys every time. */
function incidentJson(i: IncidentView): { [K in keyof Required<IncidentView>]: unknown } {
  return {
    id: i.id,
    cluster: i.cluster,
    environments: [...i.environments],
    namespace: i.namespace,
    workload: { kind: i.workload.kind, name: i.workload.name },
    reason: i.reason,
    detail: i.detail,
    pods: [...i.pods],
    podCount: i.podCount,
    restarts: i.restarts,
    container: i.container ?? null,
    logLines: i.logLines ? [...i.logLines] : null,
    release: i.release ? releaseJson(i.release) : null,
    failingSinceRevision: i.failingSinceRevision ?? null,
    drift: i.drift ? [...i.drift] : null,
    openedAt: i.openedAt,
    resolvedAt: i.resolvedAt ?? null,
  };
}

function releaseJson(r: ReleaseLink): { [K in keyof Required<ReleaseLink>]: unknown } {
  return {
    project: r.project,
    revision: r.revision,
    deployedAt: r.deployedAt,
    outcome: r.outcome,
    buildUrl: r.buildUrl ?? null,
    commit: r.commit ?? null,
    deployer: r.deployer,
  };
}

/** The generic webhook's body for one notice (schema NOTIFICATION_SCHEMA). */
export function webhookPayload(notice: Notice) {
  return { schema: NOTIFICATION_SCHEMA, event: notice.event, at: notice.at, incident: incidentJson(notice.incident) };
}

/** The generic webhook's body for the notices the storm cap held back. */
export function webhookSummaryPayload(held: readonly Notice[], at: string = new Date().toISOString()) {
  return {
    schema: NOTIFICATION_SCHEMA,
    event: 'summary' as const,
    at,
    count: held.length,
    notices: held.map((n) => ({
      event: n.event,
      id: n.incident.id,
      reason: n.incident.reason,
      namespace: n.incident.namespace,
      workload: { kind: n.incident.workload.kind, name: n.incident.workload.name },
    })),
  };
}
