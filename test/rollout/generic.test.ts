import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { genericVerdict } from '../../src/rollout/generic.js';
import { ruleFor } from '../../src/rollout/kinds.js';

const test = suite('generic rule');

test('an object without status is accepted once it exists', () => {
  const v = genericVerdict({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
  assert.is(v.state, 'succeeded');
  assert.is(v.message, 'exists');
});

test('a Ready condition decides when present', () => {
  const obj = (status: string) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', generation: 1 }, status: { conditions: [{ type: 'Ready', status, reason: 'Reconciling', message: 'waiting for database' }] } });
  assert.is(genericVerdict(obj('True')).state, 'succeeded');
  const v = genericVerdict(obj('False'));
  assert.is(v.state, 'pending');
  assert.is(v.message, 'Ready is False');
  assert.equal(v.reasons, ['Reconciling: waiting for database']);
});

test('waits for observedGeneration to catch up when reported', () => {
  const v = genericVerdict({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', generation: 3 }, status: { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True' }] } });
  assert.is(v.state, 'pending');
});

test('a CustomResourceDefinition waits for Established', () => {
  const crd = (status: string) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' }, status: { conditions: [{ type: 'Established', status }] } });
  assert.is(genericVerdict(crd('False')).state, 'pending');
  assert.is(genericVerdict(crd('True')).message, 'established');
});

test('ruleFor picks per kind by group, whatever the version, and falls back to generic', () => {
  assert.is(ruleFor('apps/v1', 'Deployment').name, 'deployment');
  assert.is(ruleFor('apps/v1beta2', 'Deployment').name, 'deployment');
  assert.is(ruleFor('extensions/v1beta1', 'Deployment').name, 'generic');
  assert.is(ruleFor('v1', 'Service').name, 'service');
  assert.is(ruleFor('batch/v1', 'Job').name, 'job');
  assert.is(ruleFor('v1', 'ConfigMap').name, 'generic');
  assert.is(ruleFor('example.com/v1', 'Pod').name, 'generic');
});

test.run();
