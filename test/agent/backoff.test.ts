import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultBackoff, nextRestart } from '../../src/agent/backoff.js';

test('the delay doubles from one second and stops at one minute', () => {
  let failures = 0;
  const delays: number[] = [];
  for (let i = 0; i < 9; i++) {
    const next = nextRestart(failures, 500);
    failures = next.failures;
    delays.push(next.delayMs);
  }
  assert.equal(delays, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
});

test('a run that lasted the reset period starts the doubling over', () => {
  const after = nextRestart(6, defaultBackoff.resetAfterMs);
  assert.equal(after, { delayMs: 1000, failures: 1 });
  const justShort = nextRestart(6, defaultBackoff.resetAfterMs - 1);
  assert.equal(justShort.delayMs, 60000);
});

test('timings are injectable', () => {
  const timings = { initialMs: 10, maxMs: 25, resetAfterMs: 100 };
  assert.equal(nextRestart(0, 0, timings).delayMs, 10);
  assert.equal(nextRestart(1, 0, timings).delayMs, 20);
  assert.equal(nextRestart(2, 0, timings).delayMs, 25);
});

test.run();
