// The removals table: data that must stay consistent (a removal comes after its
// deprecation, every removal from 1.16 to 1.32 is there), and version parsing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { API_LIFECYCLE, lifecycleOf, parseVersion, replacementApiVersion } from '../../src/check/api-lifecycle.js';

const t = suite('check api lifecycle table');

t('every entry is removed after it was deprecated, and names a replacement', () => {
  for (const e of API_LIFECYCLE) {
    if (e.removed !== undefined) assert.ok(e.removed > e.deprecated, `${e.apiVersion} ${e.kinds.join(',')}`);
    assert.ok(e.replacement.length > 0);
    assert.ok(e.kinds.length > 0);
  }
});

t('the removals of each release are there (the migration guide\'s list)', () => {
  const removedIn = (minor: number) => API_LIFECYCLE.filter((e) => e.removed === minor).flatMap((e) => e.kinds.map((k) => `${e.apiVersion} ${k}`)).sort();
  assert.equal(removedIn(32), ['flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema', 'flowcontrol.apiserver.k8s.io/v1beta3 PriorityLevelConfiguration']);
  assert.equal(removedIn(27), ['storage.k8s.io/v1beta1 CSIStorageCapacity']);
  assert.equal(removedIn(26), ['autoscaling/v2beta2 HorizontalPodAutoscaler', 'flowcontrol.apiserver.k8s.io/v1beta1 FlowSchema', 'flowcontrol.apiserver.k8s.io/v1beta1 PriorityLevelConfiguration']);
  assert.is(removedIn(25).length, 7);
  assert.ok(removedIn(22).includes('extensions/v1beta1 Ingress'));
  assert.ok(removedIn(16).includes('extensions/v1beta1 Deployment'));
  assert.equal([...new Set(API_LIFECYCLE.map((e) => e.removed).filter((r) => r !== undefined))].sort((a, b) => a! - b!), [16, 22, 25, 26, 27, 29, 32]);
  assert.equal(lifecycleOf('v1', 'Endpoints'), { apiVersion: 'v1', kinds: ['Endpoints'], deprecated: 33, replacement: 'discovery.k8s.io/v1 EndpointSlice' });
  assert.is(lifecycleOf('apps/v1', 'Deployment'), undefined);
});

t('versions and replacements parse', () => {
  assert.equal(parseVersion('1.33'), { major: 1, minor: 33 });
  assert.equal(parseVersion('v1.30.14'), { major: 1, minor: 30 });
  assert.equal(parseVersion('v1.29.2-gke.1000'), { major: 1, minor: 29 });
  assert.is(parseVersion('latest'), undefined);
  assert.is(replacementApiVersion(lifecycleOf('flowcontrol.apiserver.k8s.io/v1beta3', 'FlowSchema')!), 'flowcontrol.apiserver.k8s.io/v1');
  assert.is(replacementApiVersion(lifecycleOf('policy/v1beta1', 'PodSecurityPolicy')!), undefined);
});

t.run();
