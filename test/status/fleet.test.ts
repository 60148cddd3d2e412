// The fleet view: which environment a release belongs to, and whether the clusters
// serving an environment run the same thing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ReleaseHead } from '../../src/deploy/release.js';
import type { EnvironmentRoute } from '../../src/fleet/load.js';
import { differences, fleetView } from '../../src/status/fleet.js';
import { environmentOf } from '../../src/status/read.js';
import type { ClusterStatus, ReleaseStatus } from '../../src/status/schema.js';

const cluster = (name: string, extra: Partial<ClusterStatus> = {}): ClusterStatus => ({
  name, context: name, server: 'https://x', agent: name, environments: [], reachable: true, readAt: '2026-01-01T00:00:00Z', durationMs: 1, releases: 1, ...extra,
});

function release(clusterName: string, project: string, image: string, extra: Partial<ReleaseStatus> = {}): ReleaseStatus {
  return {
    cluster: clusterName, context: clusterName, namespace: 'staging', project, environment: 'staging', revision: 1, outcome: 'deployed',
    deployedAt: '2026-01-01T00:00:00Z', deployedBy: 'me', commit: 'abc', images: { release: [image], live: [image] },
    health: { state: 'ready', summary: 'ok', objects: [] }, drift: { state: 'ok', drifted: false, entries: [] }, history: [], ...extra,
  };
}

const route = (name: string, clusters: string[], isProtected = false): EnvironmentRoute => ({ name, clusters, label: `eastern-env-${name}`, clusterLabels: {}, protected: isProtected, approvers: [] });

const fleet = suite('fleet view');

fleet('same images and commit on both clusters: in sync, whatever the revision numbers', () => {
  const [env] = fleetView([cluster('kube1'), cluster('kube2')], [release('kube1', 'web', 'a:1', { revision: 4 }), release('kube2', 'web', 'a:1', { revision: 2 })], [route('staging', ['kube1', 'kube2'])]);
  assert.is(env!.name, 'staging');
  assert.equal(env!.projects.map((p) => [p.project, p.inSync, p.differences]), [['web', true, []]]);
  assert.equal(env!.projects[0]!.cells.map((c) => [c.cluster, c.revision]), [['kube1', 4], ['kube2', 2]]);
});

fleet('different images, a missing cluster, failing and drifted cells stand out', () => {
  const envs = fleetView([cluster('kube1'), cluster('kube2')], [
    release('kube1', 'web', 'a:1'),
    release('kube2', 'web', 'a:2', { commit: 'def', health: { state: 'failing', summary: 'x', objects: [] } }),
    release('kube1', 'worker', 'w:1', { drift: { state: 'drifted', drifted: true, entries: [] } }),
  ], [route('staging', ['kube1', 'kube2'])]);
  const [web, worker] = envs[0]!.projects;
  assert.is(web!.inSync, false);
  assert.equal(web!.differences, ['images differ: kube1 a:1; kube2 a:2', 'commits differ: kube1 abc; kube2 def']);
  assert.is(web!.failing, true);
  assert.equal([worker!.inSync, worker!.drifted, worker!.differences], [false, true, ['not deployed on kube2']]);
  assert.equal(worker!.cells.map((c) => c.presence), ['deployed', 'absent']);
});

fleet('an unreachable cluster makes sync unknown, not "absent"', () => {
  const [env] = fleetView([cluster('kube1'), cluster('kube2', { reachable: false, error: 'down' })], [release('kube1', 'web', 'a:1')], [route('staging', ['kube1', 'kube2'])]);
  assert.equal(env!.projects[0]!.cells.map((c) => c.presence), ['deployed', 'unreachable']);
  assert.is(env!.projects[0]!.inSync, null);
});

fleet('environments the fleet does not know, and releases of no environment, get their own groups', () => {
  const envs = fleetView([cluster('a'), cluster('b')], [release('a', 'x', 'i:1', { environment: 'qa' }), release('b', 'y', 'i:1', { environment: null })], []);
  assert.equal(envs.map((e) => [e.name, e.clusters, e.projects.map((p) => [p.project, p.inSync])]), [['qa', ['a'], [['x', true]]], [null, ['b'], [['y', null]]]]);
});

fleet('no differences when nothing is deployed anywhere but absent cells', () => {
  assert.equal(differences([{ cluster: 'a', presence: 'absent' }]), []);
});

const head = (variables: Record<string, string>) => ({ info: { variables } }) as unknown as ReleaseHead;

fleet('environment: the recorded ENVIRONMENT, else the namespace when the cluster serves it, else its only environment', () => {
  assert.is(environmentOf(head({ ENVIRONMENT: 'production' }), 'shop', ['staging']), 'production');
  assert.is(environmentOf(head({}), 'staging', ['dev', 'staging']), 'staging');
  assert.is(environmentOf(head({}), 'shop', ['production']), 'production');
  assert.is(environmentOf(head({}), 'shop', ['dev', 'staging']), null);
});

fleet.run();
