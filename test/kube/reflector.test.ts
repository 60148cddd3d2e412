import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Reflector } from '../../src/kube/reflector.js';
import { FakeApi, until } from '../rollout/fake-api.js';

const PATH = '/api/v1/namespaces/ns/configmaps';
const cm = (name: string, data = '1') => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data: { v: data } });
const fast = { initialBackoffMs: 1, maxBackoffMs: 5 };

const test = suite('reflector');

test('lists, then watches from the list resourceVersion, and applies events', async () => {
  const api = new FakeApi();
  api.put(PATH, cm('a'));
  let changes = 0;
  const r = new Reflector(api, PATH, {}, () => { changes += 1; }, fast);
  r.start();
  await until(() => r.synced && api.openStreams() === 1);
  assert.equal([...r.items.keys()], ['ns/a']);
  assert.is(api.watchCalls[0]?.query.resourceVersion, r.resourceVersion);
  assert.is(api.watchCalls[0]?.query.allowWatchBookmarks, true);
  api.put(PATH, cm('b'));
  api.remove(PATH, cm('a'));
  await until(() => r.items.size === 1 && r.items.has('ns/b'));
  assert.ok(changes >= 3);
  await r.stop();
  assert.is(api.openStreams(), 0);
});

test('a dropped stream reconnects from the last resourceVersion seen, without listing again', async () => {
  const api = new FakeApi();
  const r = new Reflector(api, PATH, {}, () => {}, fast);
  r.start();
  await until(() => api.openStreams() === 1);
  const seen = api.put(PATH, cm('a'));
  await until(() => r.items.has('ns/a'));
  assert.is(api.dropConnections(), 1);
  await until(() => api.openStreams() === 1 && api.watchCalls.length === 2);
  assert.is(api.watchCalls[1]?.query.resourceVersion, seen.metadata?.resourceVersion);
  assert.is(api.listCalls.length, 1);
  api.put(PATH, cm('a', '2'));
  await until(() => (r.items.get('ns/a') as { data?: { v?: string } }).data?.v === '2');
  await r.stop();
});

test('410 Gone (compacted resourceVersion) makes it list again and catch up', async () => {
  const api = new FakeApi();
  const r = new Reflector(api, PATH, {}, () => {}, fast);
  r.start();
  await until(() => api.openStreams() === 1);
  api.dropConnections();
  // While disconnected, the object changes and history is compacted.
  api.put(PATH, cm('late'));
  api.compactedBelow = api.rv;
  try {
    await until(() => api.listCalls.length === 2 && r.items.has('ns/late') && api.openStreams() === 1);
    assert.is(api.watchCalls.at(-1)?.query.resourceVersion, String(api.rv));
  } finally {
    await r.stop();
  }
});

test('a forbidden collection is reported, not retried', async () => {
  const api = new FakeApi();
  api.forbidden.add(PATH);
  const r = new Reflector(api, PATH, {}, () => {}, fast);
  r.start();
  await until(() => r.synced);
  assert.match(r.error ?? '', 'forbidden');
  await new Promise((res) => setTimeout(res, 20));
  assert.is(api.listCalls.length, 1);
  await r.stop();
});

test('allowed to list but not to watch: reported, not retried', async () => {
  const api = new FakeApi();
  api.watchForbidden.add(PATH);
  const r = new Reflector(api, PATH, {}, () => {}, fast);
  r.start();
  await until(() => r.error !== undefined);
  assert.match(r.error ?? '', 'cannot watch');
  await new Promise((res) => setTimeout(res, 20));
  assert.is(api.watchCalls.length, 1);
  await r.stop();
});

test('values() is cached until something changes', async () => {
  const api = new FakeApi();
  api.put(PATH, cm('a'));
  const r = new Reflector(api, PATH, {}, () => {}, fast);
  r.start();
  await until(() => r.synced);
  const first = r.values();
  assert.is(r.values(), first);
  api.put(PATH, cm('b'));
  await until(() => r.items.size === 2);
  assert.is.not(r.values(), first);
  await r.stop();
});

test.run();
