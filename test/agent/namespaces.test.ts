import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describePolicy, isLiteralPattern, namespaceMatcher } from '../../src/agent/namespaces.js';

test('without a list every namespace but kube-* is allowed', () => {
  const allowed = namespaceMatcher(undefined);
  assert.ok(allowed('default'));
  assert.ok(allowed('app-shop'));
  assert.ok(allowed('kubeflow'), 'only the kube- prefix is reserved');
  assert.not.ok(allowed('kube-system'));
  assert.not.ok(allowed('kube-public'));
});

test('globs match whole names: * any run, ? one character', () => {
  const allowed = namespaceMatcher(['app-*', 'staging', 'qa-?']);
  assert.ok(allowed('app-shop'));
  assert.ok(allowed('app-'));
  assert.ok(allowed('staging'));
  assert.ok(allowed('qa-1'));
  assert.not.ok(allowed('qa-12'));
  assert.not.ok(allowed('my-app-shop'));
  assert.not.ok(allowed('staging2'));
  assert.not.ok(allowed('default'));
});

test('regular-expression characters in a pattern are literal', () => {
  const allowed = namespaceMatcher(['a.b']);
  assert.ok(allowed('a.b'));
  assert.not.ok(allowed('axb'));
});

test('an explicit list may allow kube-* namespaces; an empty list allows none', () => {
  assert.ok(namespaceMatcher(['*'])('kube-system'));
  assert.not.ok(namespaceMatcher([])('default'));
  assert.is(describePolicy([]), 'no namespace at all');
  assert.is(describePolicy(undefined), 'every namespace except kube-*');
});

test('literal patterns are told apart from globs', () => {
  assert.ok(isLiteralPattern('staging'));
  assert.not.ok(isLiteralPattern('app-*'));
  assert.not.ok(isLiteralPattern('qa-?'));
});

test.run();
