// Incidents, not events: one message when an incident opens, a reminder only after
// the quiet period, one when it resolves; nothing while a deploy watches; the state
// survives a restart as JSON. Also the owner chain and the release index.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IncidentBook, type Judge, type Observation } from '../../src/watch/incidents.js';
import { workloadKey, workloadOf, type Owned } from '../../src/watch/owners.js';
import { ReleaseIndex, slimHead } from '../../src/watch/releases.js';
import { outsideChanges } from '../../src/watch/context.js';
import { encodeRelease, type ReleaseInfo } from '../../src/deploy/release.js';

const MIN = 60_000;
const web = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
const obs = (restarts = 3, reason: Observation['reason'] = 'CrashLoopBackOff'): Observation => ({
  id: `kube1/${workloadKey(web)}/${reason}`, key: workloadKey(web), workload: web, reason, detail: 'crash', pods: ['web-1', 'web-2', 'web-3'], podCount: 3, restarts,
});
const judge = (over: Partial<Judge> = {}): Judge => ({ held: () => false, healthy: () => true, ...over });

test('one incident for a workload however many observations; a reminder only after the quiet period', () => {
  const book = new IncidentBook({ reminderMs: 60 * MIN, resolveAfterMs: MIN });
  assert.equal(book.update([obs()], 0, judge()).map((a) => a.event), ['opened']);
  for (let t = 1; t < 60; t += 1) assert.equal(book.update([obs(3 + t)], t * MIN, judge()), [], `silent at minute ${t}`);
  const reminder = book.update([obs(70)], 60 * MIN, judge());
  assert.equal(reminder.map((a) => a.event), ['reminder']);
  assert.is(reminder[0]!.record.restarts, 70);
  assert.equal(book.update([obs(71)], 61 * MIN, judge()), []);
});

test('resolved once the finding is gone and the workload healthy for the resolve period', () => {
  const book = new IncidentBook({ reminderMs: 60 * MIN, resolveAfterMs: MIN });
  book.update([obs()], 0, judge());
  assert.equal(book.update([], 10_000, judge({ healthy: () => false })), [], 'gone but not healthy yet');
  assert.equal(book.update([], 30_000, judge()), [], 'not for a whole minute yet');
  assert.equal(book.update([], 10_000 + MIN, judge()).map((a) => a.event), ['resolved']);
  assert.is(book.open.size, 0);
  assert.equal(book.update([], 20 * MIN, judge()), [], 'one resolved message, not more');
  // It comes back: a new incident.
  assert.equal(book.update([obs()], 21 * MIN, judge()).map((a) => a.event), ['opened']);
});

test('a finding that comes back before the resolve period keeps the incident open (no flapping)', () => {
  const book = new IncidentBook({ reminderMs: 60 * MIN, resolveAfterMs: MIN });
  book.update([obs()], 0, judge());
  book.update([], 1_000, judge());
  assert.equal(book.update([obs()], 30_000, judge()), []);
  assert.equal(book.update([], 40_000, judge()), []);
  assert.equal(book.update([], 40_000 + MIN - 1, judge()), []);
});

test('while a deploy watches the workload, nothing opens, reminds or resolves; afterwards the normal rules', () => {
  const book = new IncidentBook({ reminderMs: MIN, resolveAfterMs: 1_000 });
  let held = true;
  const j = judge({ held: () => held });
  assert.equal(book.update([obs()], 0, j), []);
  assert.equal(book.update([obs()], 5 * MIN, j), []);
  held = false;
  assert.equal(book.update([obs()], 6 * MIN, j).map((a) => a.event), ['opened']);
  held = true;
  assert.equal(book.update([], 10 * MIN, j), [], 'not resolved while held');
  held = false;
  book.update([], 11 * MIN, j);
  assert.equal(book.update([], 11 * MIN + 1_000, j).map((a) => a.event), ['resolved']);
});

test('the state survives a restart: taken-over incidents are not announced again', () => {
  const book = new IncidentBook({ reminderMs: 60 * MIN, resolveAfterMs: MIN });
  book.update([obs(), obs(1, 'NotReady')], 0, judge());
  const saved = JSON.parse(JSON.stringify(book.toJSON()));
  const again = new IncidentBook({ reminderMs: 60 * MIN, resolveAfterMs: MIN });
  assert.is(again.restore(saved), 2);
  assert.equal(again.update([obs(), obs(1, 'NotReady')], 5 * MIN, judge()), []);
  assert.equal(again.update([obs()], 60 * MIN, judge()).map((a) => a.event), ['reminder']);
  assert.is(new IncidentBook({ reminderMs: 1, resolveAfterMs: 1 }).restore({ incidents: [{ id: 1 }, 'x', null] }), 0, 'damaged state is ignored');
});

test('owners: Pod → ReplicaSet → Deployment, Pod → Job → CronJob; a bare pod is its own workload', () => {
  const rs: Owned = { kind: 'ReplicaSet', metadata: { name: 'web-5d8', namespace: 'shop', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', controller: true }] } };
  const job: Owned = { kind: 'Job', metadata: { name: 'nightly-2912', namespace: 'shop', ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', controller: true }] } };
  const lookup = (kind: string, _ns: string, name: string) => (kind === 'ReplicaSet' && name === 'web-5d8' ? rs : kind === 'Job' && name === 'nightly-2912' ? job : undefined);
  const pod = (owner: { kind: string; name: string; apiVersion: string }): Owned => ({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', namespace: 'shop', ownerReferences: [{ ...owner, controller: true }] } });
  assert.equal(workloadOf(pod({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8' }), lookup), web);
  assert.equal(workloadOf(pod({ apiVersion: 'batch/v1', kind: 'Job', name: 'nightly-2912' }), lookup), { apiVersion: 'batch/v1', kind: 'CronJob', namespace: 'shop', name: 'nightly' });
  assert.equal(workloadOf(pod({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' }), lookup), { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: 'shop', name: 'db' });
  assert.equal(workloadOf({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'debug', namespace: 'shop' } }, lookup), { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'debug' });
});

function head(revision: number, outcome: ReleaseInfo['outcome'], objects = [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' }]) {
  const info = {
    schema: 1, project: 'shop-web', namespace: 'shop', revision, outcome, startedAt: `2026-12-04T10:0${revision}:00Z`, finishedAt: `2026-12-04T10:0${revision}:30Z`, deployer: 'ci', context: 'kube1', easternVersion: '0.1.0',
    build: { url: `https://jenkins/job/shop/${revision}/` }, commit: 'abc1234', variables: {}, objects,
  } as unknown as Omit<ReleaseInfo, 'manifest'>;
  return slimHead(encodeRelease(info, 'kind: Deployment\n').head);
}

test('release index: the project of a workload, its last finished release, and whether a deploy of it runs now', () => {
  const now = Date.parse('2026-12-04T10:05:00Z');
  const index = new ReleaseIndex([head(1, 'superseded'), head(2, 'deployed'), head(3, 'pending', [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' }, { apiVersion: 'v1', kind: 'Service', name: 'web', namespace: 'shop' }])]);
  assert.is(index.projectOf('shop/Deployment/web'), 'shop-web');
  assert.is(index.projectOf('shop/Deployment/other'), undefined);
  const link = index.link('shop/Deployment/web');
  assert.is(link?.revision, 2, 'the pending revision is not the one that changed it last');
  assert.is(link?.buildUrl, 'https://jenkins/job/shop/2/');
  assert.ok(index.deploying('shop/Deployment/web', now));
  assert.not.ok(index.deploying('shop/Deployment/web', now + 2 * 60 * MIN), 'a pending record hours old is a dead deploy');
  assert.not.ok(new ReleaseIndex([head(2, 'deployed')]).deploying('shop/Deployment/web', now));
  assert.equal(slimHead({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'shop' }, data: { 'release.json': 'bm90IGpzb24=' } }).release, undefined, 'a damaged head is kept without a release');
});

test('changes outside Eastern: other managers after the release, not Eastern, not controllers, not status', () => {
  const entry = (manager: string, time: string, fields: unknown, subresource?: string) => ({ manager, operation: 'Update', time, fieldsType: 'FieldsV1', fieldsV1: fields, ...(subresource && { subresource }) });
  const live = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: {
      name: 'web', namespace: 'shop', managedFields: [
        { ...entry('eastern', '2026-12-04T10:02:30Z', { 'f:spec': { 'f:replicas': {} } }), operation: 'Apply' },
        entry('kube-controller-manager', '2026-12-04T10:03:00Z', { 'f:status': { 'f:replicas': {} } }, 'status'),
        entry('kubectl-edit', '2026-12-04T10:04:00Z', { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:image': {} } } } } } }),
        entry('kubectl', '2026-12-04T10:01:00Z', { 'f:spec': { 'f:paused': {} } }),
      ],
    },
  };
  const changes = outsideChanges(live as never, Date.parse('2026-12-04T10:02:30.400Z'));
  assert.is(changes.length, 1, changes.join('\n'));
  assert.match(changes[0]!, /spec\.template\.spec\.containers\[name=app\]\.image by kubectl-edit at 2026-12-04T10:04:00Z/);
  assert.equal(outsideChanges(live as never, Date.parse('2026-12-04T10:05:00Z')), []);
});

test.run();
