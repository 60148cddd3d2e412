// Live health from plain objects: the rollout rules decide, the status only names the result.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { KubeObject, ObjectRef } from '../../src/kube/objects.js';
import { emptyLists, judged, needsOf, releaseHealth } from '../../src/status/health.js';
import { crashLooping, deployment, pod, replicaSet, T0 } from '../rollout/fixtures.js';

const health = suite('release health');
const web: ObjectRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'ns', name: 'web' };
const config: ObjectRef = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'settings' };
const asKube = (o: unknown) => o as KubeObject;

health('ConfigMaps and Secrets are not judged; Deployments need pods and ReplicaSets', () => {
  assert.equal(judged([web, config]), [web]);
  assert.equal([...needsOf([web, config])].sort(), ['pods', 'replicaSets']);
});

health('a rolled-out Deployment is ready', () => {
  const lists = { ...emptyLists(), replicaSets: [asKube(replicaSet('2', 'rs2', 3))] };
  const h = releaseHealth([web, config], () => asKube(deployment()), lists, T0);
  assert.is(h.state, 'ready');
  assert.is(h.summary, '1 object ready');
  assert.equal(h.objects.map((o) => [o.object, o.state]), [['deployment/web', 'ready']]);
});

health('a Deployment whose pods crash-loop is failing, and the summary says why', () => {
  const lists = {
    ...emptyLists(),
    replicaSets: [asKube(replicaSet('2', 'rs2', 0))],
    pods: ['a', 'b', 'c'].map((n) => asKube(pod(`web-${n}`, { owner: 'rs2', containers: [crashLooping()] }))),
  };
  const h = releaseHealth([web], () => asKube(deployment({ available: 0 })), lists, T0 + 60_000);
  assert.is(h.state, 'failing');
  assert.match(h.summary, /^deployment\/web: all 3 new pods are failing \(CrashLoopBackOff\); .*crash-looping/);
  assert.ok(h.objects[0]!.reasons.length > 0);
});

health('a Deployment still rolling out is progressing', () => {
  const lists = { ...emptyLists(), replicaSets: [asKube(replicaSet('2', 'rs2', 1))], pods: [asKube(pod('web-a', { owner: 'rs2', ready: false }))] };
  const h = releaseHealth([web], () => asKube(deployment({ available: 1, updated: 1 })), lists, T0);
  assert.is(h.state, 'progressing');
});

health('a deleted object is missing, an unreadable one unknown; missing outranks unknown', () => {
  const svc: ObjectRef = { apiVersion: 'v1', kind: 'Service', namespace: 'ns', name: 'web' };
  const h = releaseHealth([web, svc], (ref) => (ref.kind === 'Deployment' ? null : undefined), emptyLists(), T0);
  assert.equal(h.objects.map((o) => o.state), ['missing', 'unknown']);
  assert.is(h.state, 'missing');
  assert.is(h.summary, 'deployment/web: not found in the cluster');
});

health.run();
