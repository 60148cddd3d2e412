// Delivering notices to Slack and generic webhooks: formatting, routing, retries,
// per-sink isolation, the queue bound, the storm cap, and that no URL (they carry
// tokens) ever reaches a log line. Sinks are real loopback HTTP servers that record
// what they receive; retry timings are shortened.
import { createHook } from 'node:async_hooks';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Notifier, errorLabel, routeFor, type NotifierOptions, type Route, type SinkTarget } from '../../src/watch/notifier.js';
import { slackMessage, summaryMessage, webhookPayload, webhookSummaryPayload } from '../../src/watch/sinks.js';
import { NOTIFICATION_SCHEMA, type IncidentView, type Notice, type NoticeEvent } from '../../src/watch/types.js';

interface Hit {
  at: number;
  path: string;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

type Answer = (res: ServerResponse, hitNumber: number) => void;

const ok: Answer = (res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');

/** A loopback sink that records each request's arrival time and JSON body, then answers with `answer`. */
async function sinkServer(answer: Answer = ok) {
  const hits: Hit[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => {
      hits.push({ at: performance.now(), path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(data) });
      answer(res, hits.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    hits,
    port,
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, ms = 3000): Promise<boolean> {
  const end = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > end) return false;
    await sleep(5);
  }
  return true;
}

function incident(over: Partial<IncidentView> = {}): IncidentView {
  const workload = over.workload ?? { kind: 'Deployment', name: 'web' };
  const namespace = over.namespace ?? 'shop';
  return {
    id: `prod-eu/${namespace}/${workload.kind}/${workload.name}/CrashLoopBackOff`,
    cluster: 'prod-eu',
    environments: ['production'],
    namespace,
    workload,
    reason: 'CrashLoopBackOff',
    detail: 'container web: back-off restarting failed container, last exit code 1',
    pods: ['web-7d9f-abcde', 'web-7d9f-fghij'],
    podCount: 5,
    restarts: 12,
    container: 'web',
    openedAt: '2024-05-01T10:00:00.000Z',
    ...over,
  };
}

const release = {
  project: 'shop',
  revision: 42,
  deployedAt: '2024-05-01T09:55:00.000Z',
  outcome: 'succeeded',
  buildUrl: 'https://jenkins.example.com/job/shop/118/',
  commit: 'abc1234def5678',
  deployer: 'jenkins',
};

function notice(over: Partial<IncidentView> = {}, event: NoticeEvent = 'opened', at = '2024-05-01T10:05:30.000Z'): Notice {
  return { event, incident: incident(over), at };
}

/** Options with short timings; each test overrides what it exercises. */
function options(routes: Route[], logs: string[], over: Partial<NotifierOptions> = {}): NotifierOptions {
  return {
    routes,
    log: (line) => void logs.push(line),
    retry: { attempts: 3, initialMs: 20, maxMs: 200 },
    timeoutMs: 2000,
    stormCap: { perMinute: 100 },
    ...over,
  };
}

const slack = (url: string, name = 'slack'): SinkTarget => ({ kind: 'slack', name, url });
const webhook = (url: string, name = 'webhook'): SinkTarget => ({ kind: 'webhook', name, url });
const json = (value: unknown) => JSON.stringify(value);

test('routing: namespace wildcard, exact namespace, project, then the default route', () => {
  const a = webhook('http://a.invalid/'), b = webhook('http://b.invalid/'), c = webhook('http://c.invalid/');
  const routes: Route[] = [{ namespaces: ['team-a-*', 'shop'], sinks: [a] }, { projects: ['billing'], sinks: [b] }, { sinks: [c] }];
  const to = (over: Partial<IncidentView>) => routeFor(routes, notice(over))?.sinks[0];
  assert.is(to({ namespace: 'team-a-dev' }), a, 'prefix wildcard');
  assert.is(to({ namespace: 'team-a' }), c, 'the wildcard is a prefix of "team-a-", not of "team-a"');
  assert.is(to({ namespace: 'shop' }), a, 'exact namespace');
  assert.is(to({ namespace: 'shopping' }), c, 'no wildcard: exact only');
  assert.is(to({ namespace: 'ledger', release: { ...release, project: 'billing' } }), b, 'by project');
  assert.is(to({ namespace: 'ledger', release }), c, 'another project falls through to the default');
  assert.is(to({ namespace: 'ledger' }), c, 'unmanaged workloads have no project');
  assert.is(routeFor([{ namespaces: [], sinks: [a] }], notice()), undefined, 'an empty list matches nothing');
});

test('routing end to end: each notice reaches only its route\'s sinks', async () => {
  const server = await sinkServer();
  const logs: string[] = [];
  const routes: Route[] = [
    { namespaces: ['team-a-*'], sinks: [webhook(server.url('/a'), 'route[0].webhook')] },
    { projects: ['billing'], sinks: [webhook(server.url('/b'), 'route[1].webhook')] },
    { sinks: [webhook(server.url('/c'), 'default.webhook')] },
  ];
  const notifier = new Notifier(options(routes, logs));
  try {
    notifier.notify(notice({ namespace: 'team-a-dev', workload: { kind: 'Deployment', name: 'one' } }));
    notifier.notify(notice({ namespace: 'ledger', workload: { kind: 'Deployment', name: 'two' }, release: { ...release, project: 'billing' } }));
    notifier.notify(notice({ namespace: 'other', workload: { kind: 'Deployment', name: 'three' } }));
    await notifier.flush(3000);
    const got = server.hits.map((h) => `${h.path} ${(h.body.incident as IncidentView).workload.name}`).sort();
    assert.equal(got, ['/a one', '/b two', '/c three']);
  } finally {
    await notifier.close();
    server.close();
  }
});

test('Slack: an opened notice names the workload, reason, revision, build and commit; user text is escaped', async () => {
  const server = await sinkServer();
  const notifier = new Notifier(options([{ sinks: [slack(server.url('/services/T1/B1/x'))] }], []));
  try {
    const logLines = Array.from({ length: 12 }, (_, i) => `line ${i} ${i === 11 ? 'y'.repeat(400) : ''}`);
    const drift = ['spec.replicas by kubectl-edit at 2024-05-01T09:58:00Z'];
    notifier.notify(notice({ release, failingSinceRevision: 42, drift, logLines, detail: 'exit 1 <!channel> & friends' }));
    await notifier.flush(3000);
    assert.is(server.hits.length, 1);
    const hit = server.hits[0]!;
    assert.is(hit.contentType, 'application/json');
    const all = json(hit.body);
    assert.type(hit.body.text, 'string');
    assert.ok(Array.isArray(hit.body.blocks));
    for (const part of ['Deployment/web', 'CrashLoopBackOff', 'prod-eu', 'production', 'shop', 'revision 42', release.buildUrl, 'commit abc1234', 'Failing since revision 42', 'Changed outside Eastern since revision 42', 'spec.replicas by kubectl-edit', '*Restarts:* 12', '(5 pods)', 'web-7d9f-abcde']) {
      assert.ok(all.includes(part), `missing ${part}`);
    }
    assert.not.ok(all.includes('abc1234d'), 'the commit is shortened to 7 characters');
    assert.ok(all.includes('exit 1 &lt;!channel&gt; &amp; friends'), 'mrkdwn control characters are escaped');
    assert.not.ok(all.includes('<!channel>'), 'no mention reaches Slack');
    assert.not.ok(all.includes('line 1 '), 'only the last 10 log lines');
    assert.ok(all.includes('line 2 ') && all.includes('line 11 '));
    assert.ok(all.includes(`${'y'.repeat(290)}`) && !all.includes('y'.repeat(300)), 'log lines are cut to 300 characters');
  } finally {
    await notifier.close();
    server.close();
  }
});

test('Slack: unmanaged workloads, reminders, resolutions and summaries', () => {
  const unmanaged = json(slackMessage(notice()));
  assert.ok(unmanaged.includes('not deployed by Eastern (no release manages this workload)'));
  const managed = json(slackMessage(notice({ release })));
  assert.not.ok(managed.includes('not deployed by Eastern'));
  assert.not.ok(managed.includes('Failing since'), 'only with failingSinceRevision');

  const reminder = json(slackMessage(notice({ release }, 'reminder', '2024-05-01T11:30:00.000Z')));
  assert.ok(reminder.includes('still failing since 2024-05-01T10:00:00.000Z (1h 30m)'), reminder);
  assert.ok(reminder.includes('revision 42'));

  const resolved = slackMessage(notice({ resolvedAt: '2024-05-01T10:05:30.000Z' }, 'resolved'));
  assert.ok(resolved.text.includes('resolved: Deployment/web in shop is healthy again after 5m 30s'), resolved.text);

  const held = Array.from({ length: 25 }, (_, i) => notice({ workload: { kind: 'Deployment', name: `w${i}` } }));
  const summary = json(summaryMessage(held, 60));
  assert.ok(summary.includes('25 more notices in the last minute (storm cap)'), summary);
  assert.ok(summary.includes('opened CrashLoopBackOff shop/Deployment/w19'));
  assert.not.ok(summary.includes('shop/Deployment/w20'), 'at most 20 lines');
  assert.ok(summary.includes('… and 5 more'));
});

test('webhook: the JSON payload carries the schema and every incident field', async () => {
  const server = await sinkServer();
  const notifier = new Notifier(options([{ sinks: [webhook(server.url())] }], []));
  try {
    notifier.notify(notice({ release, failingSinceRevision: 42 }));
    await notifier.flush(3000);
    assert.is(server.hits.length, 1);
    const body = server.hits[0]!.body as ReturnType<typeof webhookPayload>;
    assert.is(server.hits[0]!.contentType, 'application/json');
    assert.is(body.schema, NOTIFICATION_SCHEMA);
    assert.is(body.event, 'opened');
    assert.is(body.at, '2024-05-01T10:05:30.000Z');
    const keys = ['id', 'cluster', 'environments', 'namespace', 'workload', 'reason', 'detail', 'pods', 'podCount', 'restarts', 'container', 'logLines', 'release', 'failingSinceRevision', 'drift', 'openedAt', 'resolvedAt'];
    assert.equal(Object.keys(body.incident).sort(), keys.sort());
    assert.equal(body.incident.workload, { kind: 'Deployment', name: 'web' });
    assert.equal(body.incident.release, release);
    assert.is(body.incident.failingSinceRevision, 42);
    assert.is(body.incident.drift, null, 'absent fields are null, never missing');
    assert.is(webhookPayload(notice({ container: undefined })).incident.container, null);
  } finally {
    await notifier.close();
    server.close();
  }
  const summary = webhookSummaryPayload([notice(), notice({ namespace: 'x' }, 'resolved')], '2024-05-01T10:06:00.000Z');
  assert.equal(summary, {
    schema: NOTIFICATION_SCHEMA,
    event: 'summary',
    at: '2024-05-01T10:06:00.000Z',
    count: 2,
    notices: [
      { event: 'opened', id: 'prod-eu/shop/Deployment/web/CrashLoopBackOff', reason: 'CrashLoopBackOff', namespace: 'shop', workload: { kind: 'Deployment', name: 'web' } },
      { event: 'resolved', id: 'prod-eu/x/Deployment/web/CrashLoopBackOff', reason: 'CrashLoopBackOff', namespace: 'x', workload: { kind: 'Deployment', name: 'web' } },
    ],
  });
});

test('a 500 is retried and the message delivered once', async () => {
  let delivered = 0;
  const server = await sinkServer((res, n) => {
    if (n === 1) return void res.writeHead(500).end('oops');
    delivered++;
    ok(res, n);
  });
  const logs: string[] = [];
  const notifier = new Notifier(options([{ sinks: [slack(server.url())] }], logs));
  try {
    notifier.notify(notice());
    await notifier.flush(3000);
    assert.is(server.hits.length, 2);
    assert.is(delivered, 1);
    assert.equal(server.hits[1]!.body, server.hits[0]!.body, 'the same message again');
    assert.equal(notifier.stats, { sent: 1, failed: 0, dropped: 0, retried: 1, summarized: 0 });
    assert.ok(logs.some((l) => /^notify: slack: delivery failed \(HTTP 500\), retrying in \d+ms \(attempt 2 of 3\)$/.test(l)), logs.join('\n'));
  } finally {
    await notifier.close();
    server.close();
  }
});

test('a 429 waits for Retry-After, capped by maxMs', async () => {
  const server = await sinkServer((res, n) => (n === 1 ? void res.writeHead(429, { 'retry-after': '30' }).end() : ok(res, n)));
  const logs: string[] = [];
  const notifier = new Notifier(options([{ sinks: [webhook(server.url())] }], logs, { retry: { attempts: 3, initialMs: 1, maxMs: 250 } }));
  try {
    notifier.notify(notice());
    await notifier.flush(3000);
    assert.is(server.hits.length, 2);
    const gap = server.hits[1]!.at - server.hits[0]!.at;
    assert.ok(gap >= 240 && gap < 1000, `waited ${gap}ms: Retry-After (30 s) capped at 250ms, not the 1ms backoff`);
    assert.ok(logs.some((l) => l.includes('(HTTP 429), retrying in 250ms')), logs.join('\n'));
  } finally {
    await notifier.close();
    server.close();
  }
});

test('a hanging sink times out and is retried, and never delays another sink', async () => {
  const hanging = await sinkServer(() => {}); // never answers
  const healthy = await sinkServer();
  const logs: string[] = [];
  const timeoutMs = 500;
  const notifier = new Notifier(
    options([{ sinks: [slack(hanging.url(), 'slack'), webhook(healthy.url(), 'webhook')] }], logs, { timeoutMs, retry: { attempts: 2, initialMs: 10, maxMs: 10 } }),
  );
  try {
    const start = performance.now();
    notifier.notify(notice());
    assert.ok(performance.now() - start < 50, 'notify returns at once');
    assert.ok(await waitFor(() => healthy.hits.length === 1), 'the healthy sink got its message');
    assert.ok(healthy.hits[0]!.at - start < timeoutMs, `healthy sink served after ${healthy.hits[0]!.at - start}ms, before the hanging sink's first timeout`);
    assert.ok(await waitFor(() => hanging.hits.length === 2), 'the hanging sink was tried again');
    // Measured at the server, so the first request's own travel time is not in the gap.
    const gap = hanging.hits[1]!.at - hanging.hits[0]!.at;
    assert.ok(gap >= timeoutMs - 100, `retried ${gap}ms after the first request, not after its timeout`);
    await notifier.flush(3000);
    assert.equal(notifier.stats, { sent: 1, failed: 1, dropped: 0, retried: 1, summarized: 0 });
    assert.ok(logs.some((l) => /^notify: slack: delivery failed \(TimeoutError\), retrying in \d+ms \(attempt 2 of 2\)$/.test(l)), logs.join('\n'));
    assert.ok(logs.includes('notify: slack: delivery failed (TimeoutError) after 2 attempts; message dropped'), logs.join('\n'));
  } finally {
    await notifier.close();
    hanging.close();
    healthy.close();
  }
});

test('a 4xx other than 429 is not retried', async () => {
  const server = await sinkServer((res) => void res.writeHead(404).end('no_service'));
  const logs: string[] = [];
  const notifier = new Notifier(options([{ sinks: [slack(server.url())] }], logs, { retry: { attempts: 5, initialMs: 10, maxMs: 10 } }));
  try {
    notifier.notify(notice());
    await notifier.flush(3000);
    await sleep(100); // retries would have come by now
    assert.is(server.hits.length, 1);
    assert.equal(notifier.stats, { sent: 0, failed: 1, dropped: 0, retried: 0, summarized: 0 });
    assert.equal(logs, ['notify: slack: delivery rejected (HTTP 404), not retrying; message dropped']);
  } finally {
    await notifier.close();
    server.close();
  }
});

test('a full queue drops its oldest pending message', async () => {
  const waiting: ServerResponse[] = [];
  let open = false;
  const server = await sinkServer((res, n) => (open ? ok(res, n) : void waiting.push(res)));
  const logs: string[] = [];
  const notifier = new Notifier(options([{ sinks: [webhook(server.url())] }], logs, { queueSize: 3 }));
  try {
    // The first goes in flight at once; of the five behind it only the newest three fit.
    for (let i = 1; i <= 6; i++) notifier.notify(notice({ workload: { kind: 'Deployment', name: `w${i}` } }));
    assert.is(notifier.stats.dropped, 2);
    assert.ok(await waitFor(() => waiting.length === 1), 'the first request arrived');
    open = true;
    for (const res of waiting) ok(res, 0);
    await notifier.flush(3000);
    assert.equal(server.hits.map((h) => (h.body.incident as IncidentView).workload.name), ['w1', 'w4', 'w5', 'w6']);
    assert.is(notifier.stats.sent, 4);
    assert.is(logs.filter((l) => l.includes('queue full')).length, 1, 'one line per backlog');
  } finally {
    await notifier.close();
    server.close();
  }
});

test('storm cap: 30 notices with perMinute 5 give 5 messages, then one summary naming the other 25', async () => {
  const server = await sinkServer();
  const logs: string[] = [];
  let clock = 1_000_000;
  const routes = [{ sinks: [slack(server.url('/slack')), webhook(server.url('/hook'))] }];
  const notifier = new Notifier(options(routes, logs, { stormCap: { perMinute: 5, windowMs: 200 }, now: () => clock }));
  const to = (path: string) => server.hits.filter((h) => h.path === path);
  const name = (i: number) => ({ workload: { kind: 'Deployment', name: `w${i}` } });
  try {
    for (let i = 0; i < 30; i++) notifier.notify(notice(name(i)));
    assert.ok(await waitFor(() => to('/slack').length === 5 && to('/hook').length === 5));
    await sleep(450); // two timer periods: the clock has not moved, so the window is still full
    assert.is(to('/slack').length, 5, 'no summary while the window is full');
    assert.equal(to('/hook').map((h) => (h.body.incident as IncidentView).workload.name), ['w0', 'w1', 'w2', 'w3', 'w4']);

    clock += 200;
    assert.ok(await waitFor(() => to('/slack').length === 6 && to('/hook').length === 6), 'one summary per sink once the window frees up');
    const slackSummary = json(to('/slack')[5]!.body);
    assert.ok(slackSummary.includes('25 more notices in the last 200ms (storm cap)'), slackSummary);
    for (let i = 5; i < 25; i++) assert.match(slackSummary, new RegExp(`opened CrashLoopBackOff shop/Deployment/w${i}(?!\\d)`), `w${i} listed`);
    assert.not.match(slackSummary, /Deployment\/w25(?!\d)/, 'the 21st and later are counted, not listed');
    assert.ok(slackSummary.includes('… and 5 more'));
    const hookSummary = to('/hook')[5]!.body as ReturnType<typeof webhookSummaryPayload>;
    assert.is(hookSummary.event, 'summary');
    assert.is(hookSummary.count, 25);
    assert.equal(hookSummary.notices.map((n) => n.workload.name), Array.from({ length: 25 }, (_, i) => `w${i + 5}`));
    assert.is(notifier.stats.summarized, 25);

    // The summary took one of the five places in the new window: four more go out, the fifth is held.
    for (let i = 30; i < 35; i++) notifier.notify(notice(name(i)));
    await sleep(100);
    assert.is(to('/hook').length, 10);
    assert.ok(logs.some((l) => l.startsWith('notify: storm cap reached (5 messages in')), logs.join('\n'));
  } finally {
    await notifier.close();
    server.close();
  }
});

test('storm cap: the resolution of an incident whose opening was held goes into a summary too', async () => {
  const server = await sinkServer();
  let clock = 0;
  const notifier = new Notifier(options([{ sinks: [slack(server.url())] }], [], { stormCap: { perMinute: 2, windowMs: 200 }, now: () => clock }));
  const named = (name: string) => ({ workload: { kind: 'Deployment', name } });
  const text = (i: number) => json(server.hits[i]!.body);
  try {
    notifier.notify(notice(named('a')));
    notifier.notify(notice(named('x')));
    notifier.notify(notice(named('b'))); // held
    clock += 200;
    assert.ok(await waitFor(() => server.hits.length === 3));
    assert.ok(text(2).includes('1 more notice in the last 200ms (storm cap)') && text(2).includes('opened CrashLoopBackOff shop/Deployment/b'), text(2));
    // The window has room again, yet b's resolution joins a summary: b was only ever seen in one.
    notifier.notify(notice(named('b'), 'resolved'));
    assert.ok(await waitFor(() => server.hits.length === 4));
    assert.ok(text(3).includes('resolved CrashLoopBackOff shop/Deployment/b'), text(3));
    assert.not.ok(text(3).includes('healthy again'), 'not a message of its own');
    clock += 200;
    notifier.notify(notice(named('a'), 'resolved')); // its opening was sent: a message of its own
    assert.ok(await waitFor(() => server.hits.length === 5));
    assert.ok(text(4).includes('resolved: Deployment/a in shop is healthy again'), text(4));
    assert.is(notifier.stats.summarized, 2);
  } finally {
    await notifier.close();
    server.close();
  }
});

test('no log line ever contains a sink URL or part of it, even on failures', async () => {
  const secret = '/services/T000/B000/SECRETTOKEN';
  const failing = await sinkServer((res) => void res.writeHead(500).end(`bad ${secret}`));
  const hanging = await sinkServer(() => {});
  const gone = await sinkServer();
  gone.close(); // nothing listens there any more: ECONNREFUSED
  const logs: string[] = [];
  const routes: Route[] = [
    { namespaces: ['shop'], sinks: [slack(failing.url(secret), 'slack'), webhook(hanging.url(secret), 'route[0].webhook'), webhook(gone.url(secret), 'gone')] },
    // A fetch whose error message quotes the URL, as real ones do for a malformed URL.
    { sinks: [slack(`https://hooks.example.com${secret}`, 'quoting')] },
  ];
  const quotingFetch = (async (url: string | URL | Request, init?: RequestInit) => {
    if (String(url).startsWith('https://hooks.example.com')) throw new TypeError(`request to ${String(url)} failed`);
    return fetch(url, init);
  }) as typeof fetch;
  const notifier = new Notifier(options(routes, logs, { timeoutMs: 200, retry: { attempts: 2, initialMs: 10, maxMs: 10 }, fetch: quotingFetch }));
  try {
    notifier.notify(notice());
    notifier.notify(notice({ namespace: 'other' }));
    await notifier.flush(3000);
    assert.is(notifier.stats.failed, 4, logs.join('\n'));
    const all = logs.join('\n');
    for (const label of ['slack: delivery failed (HTTP 500)', 'route[0].webhook: delivery failed (TimeoutError)', 'gone: delivery failed (ECONNREFUSED)', 'quoting: delivery failed (TypeError)']) {
      assert.ok(all.includes(label), `${label}\n${all}`);
    }
    for (const part of ['SECRETTOKEN', 'T000', '/services', '127.0.0.1', 'hooks.example.com', String(failing.port), String(gone.port)]) {
      assert.not.ok(all.includes(part), `a log line contains ${part}:\n${all}`);
    }
  } finally {
    await notifier.close();
    failing.close();
    hanging.close();
  }
  let message = '';
  try {
    new Notifier(options([{ sinks: [slack(`http://[bad${secret}`, 'broken')] }], []));
  } catch (error) {
    message = (error as Error).message;
  }
  assert.is(message, 'notify: broken: the URL is not a valid http(s) URL');
  assert.is(errorLabel(new TypeError(`Failed to parse URL from http://x${secret}`)), 'TypeError');
});

test('notify never throws', () => {
  const logs: string[] = [];
  const notifier = new Notifier(options([{ namespaces: ['shop'], sinks: [webhook('http://127.0.0.1:9/')] }], logs));
  notifier.notify({ event: 'opened', at: 'x' } as unknown as Notice);
  assert.equal(logs, ['notify: internal error (TypeError); notice not sent']);
  void notifier.close();
});

test('close() aborts what is in flight and leaves no timers behind', async () => {
  // Timers created by the notifier, found by their creation stack (unref'd ones included).
  const live = new Set<number>();
  const hook = createHook({
    init(id, type) {
      if (type !== 'Timeout') return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 20;
      if (new Error().stack?.includes('notifier.ts')) live.add(id);
      Error.stackTraceLimit = limit;
    },
    destroy: (id) => void live.delete(id),
  }).enable();
  const hanging = await sinkServer(() => {});
  const failing = await sinkServer((res) => void res.writeHead(503).end());
  const notifier = new Notifier(
    options([{ sinks: [slack(hanging.url()), webhook(failing.url())] }], [], { timeoutMs: 60_000, retry: { attempts: 5, initialMs: 60_000, maxMs: 60_000 }, stormCap: { perMinute: 1, windowMs: 60_000 } }),
  );
  try {
    notifier.notify(notice());
    notifier.notify(notice({ namespace: 'held' }));
    assert.ok(await waitFor(() => hanging.hits.length === 1 && failing.hits.length === 1 && notifier.stats.retried === 1));
    // The storm timer, the hanging request's timeout, the 503's retry wait.
    assert.ok(live.size >= 3, `${live.size} notifier timers while busy`);
    const start = performance.now();
    await notifier.close();
    assert.ok(performance.now() - start < 500, 'close does not wait for the hanging sink');
    await new Promise((resolve) => setImmediate(resolve)); // destroy hooks run after the current tick
    assert.is(live.size, 0, `${live.size} notifier timers left after close()`);
    assert.is(notifier.stats.dropped, 3, 'the held notice, the request in flight and the one waiting to retry');
    notifier.notify(notice());
    assert.is(hanging.hits.length, 1, 'a closed notifier sends nothing');
  } finally {
    hook.disable();
    hanging.close();
    failing.close();
  }
});

test.run();
