// Requests in flight per connection: halved on 429, grown back one by one after
// successes. First the limit alone, then the client against a loopback HTTP server
// that, like an API server's max-in-flight filter, answers 429 (with Retry-After)
// to any request beyond a number already in flight.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import { loopbackClient } from './loopback.js';
import * as assert from 'uvu/assert';
import { KubeClient, POOL_SIZE } from '../../src/kube/client.js';
import { AdaptiveLimit } from '../../src/kube/throttle.js';
import type { Logger } from '../../src/output/logger.js';
import { mapSettled } from '../../src/kube/pool.js';

test('starts at its maximum and never lets more than the limit in flight', async () => {
  const limit = new AdaptiveLimit(3);
  const epochs = await Promise.all([limit.acquire(), limit.acquire(), limit.acquire()]);
  assert.equal(epochs, [0, 0, 0]);
  let fourth = false;
  const waiting = limit.acquire().then(() => (fourth = true));
  await new Promise((r) => setImmediate(r));
  assert.is(fourth, false, 'the fourth waits');
  limit.release();
  await waiting;
  assert.is(fourth, true);
});

test('a 429 halves the limit once per round; successes grow it back by one per limit', async () => {
  const limit = new AdaptiveLimit(8);
  const epoch = await limit.acquire();
  assert.is(limit.throttled(epoch), true);
  assert.is(limit.limit, 4);
  // Another answer to a request sent before the cut says nothing new.
  assert.is(limit.throttled(epoch), false);
  assert.is(limit.limit, 4);
  const next = await limit.acquire();
  assert.is(limit.throttled(next), true);
  assert.is(limit.limit, 2);
  for (let i = 0; i < 2; i++) limit.succeeded();
  assert.is(limit.limit, 3);
  for (let i = 0; i < 3; i++) limit.succeeded();
  assert.is(limit.limit, 4);
  for (let i = 0; i < 100; i++) limit.succeeded();
  assert.is(limit.limit, 8, 'never above the maximum');
  const low = new AdaptiveLimit(2);
  low.throttled(await low.acquire());
  low.release();
  low.throttled(await low.acquire());
  assert.is(low.limit, 1, 'never below one');
});

/** A server that answers 429 to any request beyond `capacity` in flight, else a ConfigMap after a short delay. */
async function throttlingServer(capacity: number) {
  let inFlight = 0;
  const stats = { peak: 0, rejected: 0, served: 0, peakAfterReject: 0 };
  const server: Server = createServer((req, res) => {
    if (inFlight >= capacity) {
      stats.rejected++;
      res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '1' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'TooManyRequests', code: 429, message: 'Too many requests, please try again later.' }));
      return;
    }
    inFlight++;
    stats.peak = Math.max(stats.peak, inFlight);
    if (stats.rejected > 0) stats.peakAfterReject = Math.max(stats.peakAfterReject, inFlight);
    setTimeout(() => {
      inFlight--;
      stats.served++;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: req.url?.split('/').pop(), namespace: 'shop' } }));
    }, 20);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, stats, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

test('the client backs off when the server throttles, and every request still succeeds', async () => {
  const { server, stats, url } = await throttlingServer(4);
  const warnings: string[] = [];
  const logger: Logger = { info: () => {}, warn: (m) => void warnings.push(m), error: () => {}, debug: () => {}, scoped: () => logger };
  const client = await loopbackClient(url, logger);
  try {
    const names = Array.from({ length: 120 }, (_, i) => `cm-${i}`);
    // As many workers as the pool has sockets: the limit, not the worker count, decides.
    const settled = await mapSettled(names, POOL_SIZE, (name) => client.send('GET', `/api/v1/namespaces/shop/configmaps/${name}`));
    const failed = settled.filter((s) => !s.ok);
    assert.is(failed.length, 0, failed.map((f) => String((f as { error: unknown }).error)).join('\n'));
    assert.is(stats.served, 120);
    assert.ok(stats.rejected > 0, 'the server throttled');
    // After the first 429s the client keeps about as many in flight as the server takes.
    assert.ok(stats.rejected < 120, `${stats.rejected} rejections for 120 requests`);
    assert.ok(warnings.some((w) => /the API server is throttling \(429 Too Many Requests\): at most \d+ requests in flight from now on/.test(w)), warnings.join('\n'));
  } finally {
    client.close();
    server.close();
  }
});

test.run();
