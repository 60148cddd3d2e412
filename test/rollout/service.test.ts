import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { EndpointSlice, Service } from '../../src/rollout/objects.js';
import { serviceVerdict } from '../../src/rollout/service.js';
import { emptyContext } from '../../src/rollout/verdict.js';

const svc = (spec: Service['spec']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'ns' }, spec });
const slice = (service: string, ready: (boolean | undefined)[]): EndpointSlice => ({
  metadata: { name: `${service}-x`, labels: { 'kubernetes.io/service-name': service } },
  endpoints: ready.map((r, i) => ({ addresses: [`10.0.0.${i}`], conditions: r === undefined ? {} : { ready: r } })),
});
const test = suite('service rule');

test('ready when an EndpointSlice of the service has a ready endpoint', () => {
  const v = serviceVerdict(svc({ selector: { app: 'web' } }), emptyContext({ endpointSlices: [slice('web', [false, true])] }));
  assert.is(v.state, 'succeeded');
  assert.is(v.message, '1 endpoint ready');
});

test('a nil ready condition counts as ready', () => {
  assert.is(serviceVerdict(svc({ selector: { app: 'web' } }), emptyContext({ endpointSlices: [slice('web', [undefined])] })).state, 'succeeded');
});

test('waits without endpoints, or with none ready, and names the selector', () => {
  const none = serviceVerdict(svc({ selector: { app: 'web' } }), emptyContext({ endpointSlices: [slice('other', [true])] }));
  assert.is(none.state, 'pending');
  assert.is(none.message, 'no endpoints yet');
  assert.equal(none.reasons, ['selector app=web matches no ready pod']);
  const unready = serviceVerdict(svc({ selector: { app: 'web' } }), emptyContext({ endpointSlices: [slice('web', [false])] }));
  assert.is(unready.message, '1 endpoint, none ready');
});

test('publishNotReadyAddresses serves unready endpoints', () => {
  assert.is(serviceVerdict(svc({ selector: { app: 'web' }, publishNotReadyAddresses: true }), emptyContext({ endpointSlices: [slice('web', [false])] })).state, 'succeeded');
});

test('ExternalName and selector-less services are accepted', () => {
  assert.is(serviceVerdict(svc({ type: 'ExternalName' }), emptyContext()).state, 'succeeded');
  assert.is(serviceVerdict(svc({ ports: [] } as Service['spec']), emptyContext()).state, 'succeeded');
  assert.is(serviceVerdict(svc({ selector: {} }), emptyContext()).state, 'succeeded');
});

test('a service of a workload scaled to zero is accepted', () => {
  assert.is(serviceVerdict(svc({ selector: { app: 'web' } }), emptyContext({ scaledToZero: [{ app: 'web', tier: 'front' }] })).state, 'succeeded');
});

test.run();
