import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { objectTimeout, parseDuration, TIMEOUT_ANNOTATION } from '../../src/rollout/timeout.js';

const test = suite('timeout annotation');

test('durations: seconds or Go-style units', () => {
  assert.is(parseDuration('600'), 600);
  assert.is(parseDuration('90s'), 90);
  assert.is(parseDuration('10m'), 600);
  assert.is(parseDuration('1h30m'), 5400);
  assert.is(parseDuration('1.5m'), 90);
  assert.is(parseDuration('0'), 0);
  assert.is(parseDuration('ten'), undefined);
  assert.is(parseDuration('-5'), undefined);
  assert.is(parseDuration(''), undefined);
});

test('the annotation overrides the default, 0 meaning none', () => {
  assert.equal(objectTimeout({ [TIMEOUT_ANNOTATION]: '600' }, 300), { seconds: 600, fromAnnotation: true });
  assert.equal(objectTimeout({ [TIMEOUT_ANNOTATION]: '0' }, 300), { seconds: 0, fromAnnotation: true });
  assert.equal(objectTimeout({}, 300), { seconds: 300, fromAnnotation: false });
  assert.equal(objectTimeout(undefined, 0), { seconds: 0, fromAnnotation: false });
});

test('a bad value keeps the default and explains', () => {
  const t = objectTimeout({ [TIMEOUT_ANNOTATION]: 'soon' }, 300);
  assert.is(t.seconds, 300);
  assert.match(t.warning ?? '', '"soon" is not a duration');
});

test.run();
