import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AbortedWait, KeyedLock, Slots, WaitTimeout } from '../../src/agent/queue.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

test('the keyed lock serialises one key in arrival order and leaves other keys free', async () => {
  const lock = new KeyedLock();
  const order: string[] = [];
  const a = await lock.acquire('shop/app');
  const b = lock.acquire('shop/app').then((release) => (order.push('b'), release));
  const c = lock.acquire('shop/app').then((release) => (order.push('c'), release));
  const other = await lock.acquire('cart/app');
  order.push('other');
  await tick();
  assert.equal(order, ['other']);
  a();
  (await b)();
  (await c)();
  other();
  assert.equal(order, ['other', 'b', 'c']);
  await tick();
  assert.not.ok(lock.isHeld('shop/app'), 'no entry is left behind');
});

test('a lock waiter that times out does not block those behind it', async () => {
  const lock = new KeyedLock();
  const first = await lock.acquire('k');
  const timedOut = lock.acquire('k', { timeoutMs: 20 });
  const third = lock.acquire('k');
  await timedOut.then(() => assert.unreachable(), (e) => assert.instance(e, WaitTimeout));
  first();
  (await third)();
});

test('slots admit `limit` at once; the next waits and gets the slot on release', async () => {
  const slots = new Slots(2);
  const r1 = await slots.acquire();
  const r2 = await slots.acquire();
  assert.is(slots.active, 2);
  let third = false;
  const p3 = slots.acquire().then((r) => ((third = true), r));
  await tick();
  assert.not.ok(third);
  assert.is(slots.queued, 1);
  r1();
  r1(); // a second release of the same slot changes nothing
  const r3 = await p3;
  assert.ok(third);
  assert.is(slots.active, 2);
  r2();
  r3();
  assert.is(slots.active, 0);
});

test('an aborted slot waiter leaves the queue', async () => {
  const slots = new Slots(1);
  const r1 = await slots.acquire();
  const abort = new AbortController();
  const p = slots.acquire(abort.signal);
  assert.is(slots.queued, 1);
  abort.abort();
  await p.then(() => assert.unreachable(), (e) => assert.instance(e, AbortedWait));
  assert.is(slots.queued, 0);
  r1();
  assert.is(slots.active, 0);
});

test.run();
