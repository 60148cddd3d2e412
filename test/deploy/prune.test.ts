import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { refKey, type ObjectRef } from '../../src/kube/objects.js';
import { pruneCandidates } from '../../src/deploy/prune.js';
import type { ReleaseHead } from '../../src/deploy/release.js';

const ref = (kind: string, name: string, apiVersion = 'v1'): ObjectRef => ({ apiVersion, kind, namespace: 'app', name });
const head = (revision: number, objects: ObjectRef[]): ReleaseHead =>
  ({ name: `h${revision}`, info: { revision, objects, outcome: 'deployed' } }) as unknown as ReleaseHead;

test('candidates are objects of earlier revisions that the new manifest lacks', () => {
  const current = new Set([refKey(ref('ConfigMap', 'keep'))]);
  const out = pruneCandidates([head(2, [ref('ConfigMap', 'keep'), ref('ConfigMap', 'gone')])], current);
  assert.equal(out, [ref('ConfigMap', 'gone')]);
});

test('objects from older failed or interrupted revisions are included too', () => {
  const out = pruneCandidates([head(3, [ref('ConfigMap', 'a')]), head(2, [ref('ConfigMap', 'b')]), head(1, [ref('Service', 'c')])], new Set());
  assert.equal(out.map((r) => r.name).sort(), ['a', 'b', 'c']);
});

test('identity ignores the API version, and the newest recorded version is used', () => {
  const current = new Set([refKey(ref('Deployment', 'web', 'apps/v1'))]);
  assert.equal(pruneCandidates([head(1, [ref('Deployment', 'web', 'apps/v1beta2')])], current), []);
  const out = pruneCandidates([head(2, [ref('HorizontalPodAutoscaler', 'h', 'autoscaling/v2')]), head(1, [ref('HorizontalPodAutoscaler', 'h', 'autoscaling/v1')])], new Set());
  assert.equal(out, [ref('HorizontalPodAutoscaler', 'h', 'autoscaling/v2')]);
});

test('no history, nothing to prune', () => {
  assert.equal(pruneCandidates([], new Set()), []);
});

test.run();
