// The status page's HTML, rendered on the server from a StatusReport: the fleet
// matrix, a project page (history per cluster, rollout events, revision diffs) and
// the diff of two revisions. Read-only: links and one GET form, no buttons that
// change anything. Works without JavaScript; /assets/status.js only refreshes in place.
import { formatEntry } from '../drift/format.js';
import { runningImages } from './fleet.js';
import { externalLink, href, html, join, type Html } from './html.js';
import type { EventLine } from './monitor.js';
import type { RevisionDiff } from './revision-diff.js';
import type { ClusterStatus, EnvironmentCell, EnvironmentStatus, HealthState, ReleaseStatus, RevisionSummary, StatusReport } from './schema.js';
import { driftText, shortTime, whoDeployed } from './table.js';

export interface PageInfo {
  /** "loopback only" or how the page is protected. */
  access: string;
  listen: string;
  refreshSeconds: number;
}

function layout(title: string, info: PageInfo, generatedAt: string | undefined, body: Html): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Eastern status</title>
<link rel="stylesheet" href="/assets/status.css">
<script src="/assets/status.js" defer></script>
</head>
<body data-refresh="${info.refreshSeconds}">
<header>
  <a class="brand" href="/">Eastern status</a>
  <nav><a href="/">Fleet</a> <a href="/api/status.json">JSON</a></nav>
  <span class="stamp" id="stamp">${generatedAt ? html`data read ${shortTime(generatedAt)}:${generatedAt.slice(17, 19)} UTC` : ''}</span>
</header>
<main id="main">
${body}
</main>
<footer>
  <p>Read-only. Deploys and rollbacks run in Jenkins, where they are audited; this page changes nothing.
  Clusters are re-read every ${info.refreshSeconds} s. Serving on ${info.listen}: ${info.access}.</p>
</footer>
</body>
</html>
`.value;
}

const HEALTH_CLASS: Record<string, string> = { ready: 'ok', progressing: 'wait', failing: 'bad', missing: 'bad', unknown: 'unknown' };

function healthBadge(state: HealthState | string | undefined): Html {
  if (!state) return html``;
  return html`<span class="badge ${HEALTH_CLASS[state] ?? 'unknown'}">${state}</span>`;
}

function outcomeBadge(outcome: string): Html {
  const cls = outcome === 'deployed' || outcome === 'superseded' ? 'ok' : outcome === 'pending' ? 'wait' : outcome === 'failed' || outcome === 'interrupted' ? 'bad' : 'unknown';
  return html`<span class="badge ${cls}">${outcome}</span>`;
}

function driftBadge(r: Pick<ReleaseStatus, 'drift'>): Html {
  if (r.drift.state === 'ok') return html`<span class="badge ok">no drift</span>`;
  if (r.drift.drifted) return html`<span class="badge drift">drifted</span>`;
  return html`<span class="badge unknown">${r.drift.state}</span>`;
}

function commitText(commit: string | undefined): string {
  return commit ? commit.slice(0, 12) : '—';
}

function images(list: readonly string[] | null | undefined): Html {
  if (!list || list.length === 0) return html`<span class="muted">—</span>`;
  return join(list.map((i) => html`<code>${i}</code> `));
}

function summaryBar(report: StatusReport): Html {
  const unreachable = report.clusters.filter((c) => c.error).length;
  const rows = report.environments.flatMap((e) => e.projects);
  const out = rows.filter((p) => p.inSync === false).length;
  const failing = report.releases.filter((r) => r.health.state === 'failing').length;
  const drifted = report.releases.filter((r) => r.drift.drifted).length;
  const item = (n: number, word: string, cls: string) => html`<li class="${n > 0 ? cls : 'zero'}"><strong>${n}</strong> ${word}</li>`;
  return html`<ul class="summary">
  <li><strong>${report.clusters.length}</strong> clusters</li>
  ${item(unreachable, 'unreachable', 'bad')}
  <li><strong>${report.releases.length}</strong> releases</li>
  ${item(out, 'out of sync', 'warn')}
  ${item(failing, 'failing', 'bad')}
  ${item(drifted, 'drifted', 'drift')}
</ul>`;
}

function clusterCards(clusters: readonly ClusterStatus[]): Html {
  return html`<section class="clusters" aria-label="clusters">
${clusters.map((c) => html`<div class="cluster ${c.error ? (c.reachable ? 'partial' : 'down') : 'up'}" data-cluster="${c.name}">
  <h3>${c.name}</h3>
  <p>${c.error ? html`<strong>${c.reachable ? 'not fully read' : 'unreachable'}</strong>: ${c.error}` : html`${c.version ?? 'reachable'} · ${c.releases} ${c.releases === 1 ? 'release' : 'releases'} · read in ${c.durationMs} ms`}</p>
  <p class="muted">context ${c.context}${c.environments.length ? ` · serves ${c.environments.join(', ')}` : ''}</p>
</div>`)}
</section>`;
}

function matrixCell(cell: EnvironmentCell): Html {
  if (cell.presence === 'unreachable') return html`<td class="cell unreachable">unreachable</td>`;
  if (cell.presence === 'absent') return html`<td class="cell absent">not deployed</td>`;
  return html`<td class="cell">
  <div>rev ${cell.revision} ${outcomeBadge(cell.outcome ?? '')}</div>
  <div>${images(cell.images)}</div>
  <div>${healthBadge(cell.health)} ${cell.drifted ? html`<span class="badge drift">drifted</span>` : ''} <span class="muted">${commitText(cell.commit)}</span></div>
</td>`;
}

function environmentTable(env: EnvironmentStatus): Html {
  if (env.projects.length === 0) return html``;
  const name = env.name ?? '(no environment)';
  return html`<section class="environment" data-environment="${name}">
<h3>${name} ${env.protected ? html`<span class="badge unknown">protected</span>` : ''} <span class="muted">on ${env.clusters.join(', ')}</span></h3>
<table class="matrix">
<thead><tr><th>project</th>${env.clusters.map((c) => html`<th>${c}</th>`)}<th>state</th></tr></thead>
<tbody>
${env.projects.map((p) => {
    const classes = [p.inSync === false ? 'outofsync' : '', p.failing ? 'failing' : '', p.drifted ? 'drifted' : ''].filter(Boolean).join(' ');
    const state = p.inSync === null ? html`<span class="badge unknown">sync unknown</span>` : p.inSync ? html`<span class="badge ok">in sync</span>` : html`<span class="badge warn">out of sync</span>`;
    return html`<tr class="${classes}" data-project="${p.project}">
  <th scope="row"><a href="${href(['projects', p.project])}">${p.project}</a><div class="muted">${p.namespace}</div></th>
  ${p.cells.map(matrixCell)}
  <td>${state}${p.failing ? html` <span class="badge bad">failing</span>` : ''}${p.drifted ? html` <span class="badge drift">drifted</span>` : ''}
  ${p.differences.length ? html`<ul class="why">${p.differences.map((d) => html`<li>${d}</li>`)}</ul>` : ''}</td>
</tr>`;
  })}
</tbody>
</table>
</section>`;
}

function releaseRows(releases: readonly ReleaseStatus[]): Html {
  return html`<table class="releases">
<thead><tr><th>cluster</th><th>environment</th><th>namespace</th><th>project</th><th>rev</th><th>outcome</th><th>deployed (UTC)</th><th>by</th><th>commit</th><th>images</th><th>health</th><th>drift</th></tr></thead>
<tbody>
${releases.map((r) => html`<tr data-cluster="${r.cluster}" data-project="${r.project}" class="${r.health.state === 'failing' ? 'failing' : ''} ${r.drift.drifted ? 'drifted' : ''}">
  <td>${r.cluster}</td><td>${r.environment ?? '—'}</td><td>${r.namespace}</td>
  <td><a href="${href(['projects', r.project])}">${r.project}</a></td>
  <td>${r.revision}</td><td>${outcomeBadge(r.outcome)}</td><td class="time">${shortTime(r.deployedAt)}</td>
  <td>${externalLink(r.build?.url, whoDeployed(r))}</td><td><code>${commitText(r.commit)}</code></td>
  <td>${images(runningImages(r))}</td>
  <td>${healthBadge(r.health.state)} ${r.health.state === 'ready' ? '' : html`<div class="why">${r.health.summary}</div>`}</td>
  <td>${driftBadge(r)} ${r.drift.state === 'ok' ? '' : html`<div class="why">${driftText(r)}</div>`}</td>
</tr>`)}
</tbody>
</table>`;
}

function unreadableList(report: StatusReport): Html {
  if (report.unreadable.length === 0) return html``;
  return html`<section><h2>Unreadable release records</h2><ul class="problems">
${report.unreadable.map((u) => html`<li><strong>${u.cluster}/${u.namespace}</strong> ${u.name}: ${u.problem}</li>`)}
</ul></section>`;
}

export function fleetPage(report: StatusReport, info: PageInfo): string {
  const envs = report.environments.filter((e) => e.projects.length > 0);
  return layout('Fleet', info, report.generatedAt, html`
${summaryBar(report)}
${clusterCards(report.clusters)}
<h2>Environments</h2>
${envs.length ? envs.map(environmentTable) : html`<p class="muted">No Eastern releases in the clusters read.</p>`}
<h2>Every release</h2>
${report.releases.length ? releaseRows(report.releases) : html`<p class="muted">None.</p>`}
${unreadableList(report)}`);
}

export interface InstanceDetails {
  release: ReleaseStatus;
  events: EventLine[];
  eventsError?: string;
}

function historyTable(r: ReleaseStatus): Html {
  const older = (h: RevisionSummary, i: number) => r.history[i + 1];
  return html`<table class="history">
<thead><tr><th>rev</th><th>outcome</th><th>started (UTC)</th><th>finished</th><th>by</th><th>commit</th><th>note</th><th>diff</th></tr></thead>
<tbody>
${r.history.map((h, i) => {
    const prev = older(h, i);
    return html`<tr data-revision="${h.revision}">
  <td>${h.revision}</td><td>${outcomeBadge(h.outcome)}</td><td class="time">${shortTime(h.startedAt)}</td><td class="time">${shortTime(h.finishedAt)}</td>
  <td>${externalLink(h.build?.url, h.build?.job && h.build.number ? `${h.build.job} #${h.build.number}` : (h.build?.url ?? h.deployer))}</td>
  <td><code>${commitText(h.commit)}</code></td>
  <td>${h.rollbackOf !== undefined ? `rollback to ${h.rollbackOf}. ` : ''}${h.reason ?? ''}</td>
  <td>${prev ? html`<a class="diff-link" href="${href(['projects', r.project, 'diff'], { cluster: r.cluster, namespace: r.namespace, from: prev.revision, to: h.revision })}">${prev.revision} → ${h.revision}</a>` : ''}</td>
</tr>`;
  })}
</tbody>
</table>`;
}

function diffForm(r: ReleaseStatus): Html {
  if (r.history.length < 2) return html``;
  const options = (selected: number) => r.history.map((h) => html`<option value="${h.revision}"${h.revision === selected ? html` selected` : ''}>${h.revision}</option>`);
  return html`<form class="diff-form" method="get" action="${href(['projects', r.project, 'diff'])}">
<input type="hidden" name="cluster" value="${r.cluster}"><input type="hidden" name="namespace" value="${r.namespace}">
compare revision <select name="from">${options(r.history[1]!.revision)}</select> with <select name="to">${options(r.history[0]!.revision)}</select>
<button type="submit">show diff</button>
</form>`;
}

function instanceSection(d: InstanceDetails): Html {
  const r = d.release;
  return html`<section class="instance" data-cluster="${r.cluster}" data-namespace="${r.namespace}">
<h2>${r.cluster} <span class="muted">namespace ${r.namespace}${r.environment ? ` · environment ${r.environment}` : ''}</span></h2>
<p>Revision <strong>${r.revision}</strong> ${outcomeBadge(r.outcome)} deployed ${shortTime(r.deployedAt)} UTC by ${externalLink(r.build?.url, whoDeployed(r))}, commit <code>${commitText(r.commit)}</code>.
${r.reason ? html`<br><span class="why">${r.reason}</span>` : ''}</p>
<dl class="facts">
  <dt>images (release)</dt><dd>${r.images.release === null ? html`<span class="muted">manifest unreadable</span>` : images(r.images.release)}</dd>
  <dt>images (live)</dt><dd>${images(r.images.live)}</dd>
  <dt>health</dt><dd>${healthBadge(r.health.state)} ${r.health.summary}
    ${r.health.objects.length ? html`<ul>${r.health.objects.map((o) => html`<li>${healthBadge(o.state)} ${o.object}: ${o.message}${o.reasons.length ? html`<ul class="why">${o.reasons.map((x) => html`<li>${x}</li>`)}</ul>` : ''}</li>`)}</ul>` : ''}</dd>
  <dt>drift</dt><dd>${driftBadge(r)}${r.drift.revision !== undefined ? ` against revision ${r.drift.revision}` : ''}${r.drift.problem ? `: ${r.drift.problem}` : ''}
    ${r.drift.entries.length ? html`<ul class="drift-entries">${r.drift.entries.map((e) => html`<li>${formatEntry(e)}</li>`)}</ul>` : ''}</dd>
</dl>
<h3>History</h3>
${historyTable(r)}
${diffForm(r)}
<h3>Rollout events since revision ${r.revision} started</h3>
${d.eventsError ? html`<p class="muted">events unavailable: ${d.eventsError}</p>`
    : d.events.length === 0 ? html`<p class="muted">No events kept (the API server keeps them for about an hour).</p>`
      : html`<ol class="events">${d.events.map((e) => html`<li class="${e.warning ? 'warning' : ''}"><span class="muted">${shortTime(e.time)}</span> <code>${e.object}</code> ${e.text}</li>`)}</ol>`}
</section>`;
}

export function projectPage(report: StatusReport, project: string, details: readonly InstanceDetails[], info: PageInfo): string {
  const rows = report.environments.flatMap((e) => e.projects.filter((p) => p.project === project).map((p) => ({ env: e, p })));
  return layout(project, info, report.generatedAt, html`
<h1>${project}</h1>
${rows.map(({ env, p }) => html`<p class="sync">${env.name ?? '(no environment)'}: ${p.inSync === null ? 'sync unknown' : p.inSync ? 'in sync' : html`<strong>out of sync</strong>`}${p.differences.length ? ` — ${p.differences.join('; ')}` : ''}</p>`)}
${details.length ? details.map(instanceSection) : html`<p class="muted">No release of ${project} in the clusters read.</p>`}`);
}

export function diffPage(report: StatusReport, where: { project: string; cluster: string; namespace: string; from: number; to: number }, diff: RevisionDiff, info: PageInfo): string {
  const back = href(['projects', where.project]);
  return layout(`${where.project} ${where.from} → ${where.to}`, info, report.generatedAt, html`
<h1><a href="${back}">${where.project}</a> on ${where.cluster} <span class="muted">/ ${where.namespace}</span></h1>
<p>Rendered manifest of revision ${where.from} → revision ${where.to}: ${diff.changes.length} ${diff.changes.length === 1 ? 'object' : 'objects'} differ, ${diff.unchanged} unchanged. Secret values are never shown.</p>
${diff.changes.map((c) => html`<section class="object-diff ${c.change}"><h3><code>${c.object}</code> ${c.change}</h3>
${c.lines.length ? html`<pre>${c.lines.map((l) => html`<span class="${lineClass(l)}">${l}</span>\n`)}</pre>` : ''}</section>`)}`);
}

function lineClass(line: string): string {
  const t = line.trimStart();
  return t.startsWith('+') ? 'add' : t.startsWith('-') ? 'del' : 'chg';
}

export function messagePage(title: string, message: string, info: PageInfo): string {
  return layout(title, info, undefined, html`<h1>${title}</h1><p>${message}</p><p><a href="/">Back to the fleet</a></p>`);
}
