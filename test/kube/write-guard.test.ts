// A write whose proof of the right to write (a deploy's lock) went stale after the
// guard was awaited — the process was stopped, or its event loop starved, between
// the check and the send — is held back at the last moment and proven again; when
// the right is gone, nothing reaches the server. Against a loopback HTTP server that
// records the writes it receives.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import { loopbackClient } from './loopback.js';
import * as assert from 'uvu/assert';
import { KubeClient } from '../../src/kube/client.js';

async function recordingServer() {
  const writes: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.method !== 'GET') writes.push(body);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'shop' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, writes, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const put = (client: KubeClient, value: string) =>
  client.send('PUT', '/api/v1/namespaces/shop/configmaps/x', { body: JSON.stringify({ data: { value } }) });

test('proof gone stale between the guard and the send: proven again, then sent once', async () => {
  const { server, writes, url } = await recordingServer();
  const client = await loopbackClient(url);
  try {
    let ensured = 0;
    let freshAsked = 0;
    // Fresh while being ensured; stale at the last moment the first time (as after a SIGSTOP).
    const guarded = client.withWriteGuard({ ensure: async () => void (ensured += 1), fresh: () => (freshAsked += 1) > 1 });
    await put(guarded, 'one');
    assert.is(ensured, 2, 'proven again after going stale');
    assert.equal(writes, ['{"data":{"value":"one"}}'], 'sent exactly once');
  } finally {
    client.close();
    server.close();
  }
});

test('proof gone stale and the right lost meanwhile: nothing reaches the server', async () => {
  const { server, writes, url } = await recordingServer();
  const client = await loopbackClient(url);
  try {
    let lost = false;
    const guarded = client.withWriteGuard({
      ensure: async () => {
        if (lost) throw new Error('lost the deploy lock: taken over by another deploy');
      },
      // The process "wakes up" after the lock moved on: stale, and the next proof fails.
      fresh: () => {
        lost = true;
        return false;
      },
    });
    const error = await put(guarded, 'stale').catch((e: unknown) => e);
    assert.match(String(error), 'lost the deploy lock');
    // A GET and a dry run are not guarded; give the server a moment to receive anything stray.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(writes, [], 'the stale write never left');
    await put(client, 'unguarded');
    assert.equal(writes, ['{"data":{"value":"unguarded"}}']);
  } finally {
    client.close();
    server.close();
  }
});

test.run();
