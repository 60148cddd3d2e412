import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiError, classify } from '../../src/kube/api-error.js';
import { backoffMs, withRetry } from '../../src/kube/retry.js';

const api = (code: number, message = 'x', headers: Record<string, string> = {}) => new ApiError(code, { message }, headers);
const sys = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });

test('throttling, server errors and dropped connections are transient', () => {
  for (const e of [api(429), api(500), api(502), api(503), api(504), sys('ECONNRESET'), sys('ECONNREFUSED'), sys('ETIMEDOUT'), sys('EPIPE'), new Error('socket hang up')]) {
    assert.is(classify(e), 'transient', String((e as Error).message));
  }
});

test('client errors are permanent', () => {
  for (const code of [400, 401, 403, 404, 409, 410, 422]) assert.is(classify(api(code)), 'permanent', String(code));
  assert.is(classify(sys('ENOTFOUND')), 'permanent');
  assert.is(classify(new TypeError('x is not a function')), 'permanent');
});

test('a 500 that reports a schema error in the applied object is permanent', () => {
  const e = api(500, 'failed to create typed patch object (ns/x; apps/v1, Kind=Deployment): .spec.bogus: field not declared in schema');
  assert.is(classify(e), 'permanent');
});

test('a network error wrapped as a cause is still recognised', () => {
  const e = new Error('request failed', { cause: sys('ECONNRESET') });
  assert.is(classify(e), 'transient');
});

test('backoff doubles up to the cap, with bounded jitter', () => {
  const policy = { attempts: 8, baseMs: 250, maxMs: 8000 };
  const mid = () => 0.5;
  assert.equal([1, 2, 3, 4, 5, 6, 7].map((a) => backoffMs(policy, a, mid)), [250, 500, 1000, 2000, 4000, 8000, 8000]);
  assert.is(backoffMs(policy, 1, () => 0), 200);
  assert.is(backoffMs(policy, 1, () => 1), 300);
});

test('retries transient failures until success, sleeping between attempts', async () => {
  const sleeps: number[] = [];
  let calls = 0;
  const value = await withRetry(
    async () => {
      calls++;
      if (calls < 3) throw sys('ECONNREFUSED');
      return 'ok';
    },
    { attempts: 5, baseMs: 100, maxMs: 1000 },
    { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
  );
  assert.is(value, 'ok');
  assert.is(calls, 3);
  assert.equal(sleeps, [100, 200]);
});

test('gives up after the last attempt with the last error', async () => {
  let calls = 0;
  try {
    await withRetry(async () => {
      calls++;
      throw api(503, `busy ${calls}`);
    }, { attempts: 3, baseMs: 1, maxMs: 1 }, { sleep: async () => {} });
    assert.unreachable();
  } catch (e) {
    assert.is((e as Error).message, 'busy 3');
  }
  assert.is(calls, 3);
});

test('does not retry permanent failures', async () => {
  let calls = 0;
  await withRetry(async () => {
    calls++;
    throw api(422, 'invalid');
  }, { attempts: 5, baseMs: 1, maxMs: 1 }, { sleep: async () => {} }).catch(() => undefined);
  assert.is(calls, 1);
});

test('honours Retry-After on 429', async () => {
  const sleeps: number[] = [];
  let calls = 0;
  await withRetry(async () => {
    if (calls++ === 0) throw api(429, 'slow down', { 'retry-after': '2' });
    return 1;
  }, { attempts: 3, baseMs: 1, maxMs: 1 }, { sleep: async (ms) => void sleeps.push(ms) });
  assert.equal(sleeps, [2000]);
});

test.run();
