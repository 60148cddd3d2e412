import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger, useColour } from '../../src/output/logger.js';

function sink(isTTY = false) {
  const chunks: string[] = [];
  return { out: { write: (s: string) => chunks.push(s), isTTY }, chunks };
}

test('prefixes every line with elapsed seconds and [cluster/namespace]', () => {
  let t = 0;
  const { out, chunks } = sink();
  const log = createLogger({ out, scope: 'kube1/app', now: () => t, env: {} });
  t = 1500;
  log.info('deployment/web configured');
  assert.equal(chunks, ['   1.5s [kube1/app] deployment/web configured\n']);
});

test('splits multi-line messages so each line carries the prefix', () => {
  const { out, chunks } = sink();
  const log = createLogger({ out, now: () => 0, env: {} });
  log.error('a\nb');
  assert.equal(chunks, ['   0.0s error: a\n', '   0.0s error: b\n']);
});

test('debug lines appear only when verbose', () => {
  const quiet = sink();
  createLogger({ out: quiet.out, now: () => 0, env: {} }).debug('x');
  assert.equal(quiet.chunks, []);
  const loud = sink();
  createLogger({ out: loud.out, now: () => 0, env: {}, verbose: true }).debug('x');
  assert.equal(loud.chunks.length, 1);
});

test('scoped loggers share the clock origin', () => {
  let t = 0;
  const { out, chunks } = sink();
  const log = createLogger({ out, now: () => t, env: {} });
  t = 2000;
  log.scoped('kube2/prod').warn('slow');
  assert.equal(chunks, ['   2.0s [kube2/prod] warning: slow\n']);
});

test('colour only on a TTY or with FORCE_COLOR, and NO_COLOR wins', () => {
  assert.is(useColour({ write() {}, isTTY: false }, {}), false);
  assert.is(useColour({ write() {}, isTTY: true }, {}), true);
  assert.is(useColour({ write() {}, isTTY: false }, { FORCE_COLOR: '1' }), true);
  assert.is(useColour({ write() {}, isTTY: true }, { NO_COLOR: '1' }), false);
  assert.is(useColour({ write() {}, isTTY: false }, { FORCE_COLOR: '1', NO_COLOR: '1' }), false);
  const { out, chunks } = sink(true);
  createLogger({ out, now: () => 0, env: {} }).error('boom');
  assert.match(chunks[0] ?? '', /\u001b\[31merror: boom\u001b\[39m/);
});

test.run();
