import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatPath, listShape, mergeFields, ownedPaths, valueAt } from '../../src/drift/managed-fields.js';

const fields = suite('managedFields parsing');

const deploymentFields = {
  'f:metadata': { 'f:labels': { '.': {}, 'f:app': {}, 'f:app.kubernetes.io/name': {} } },
  'f:spec': {
    'f:replicas': {},
    'f:template': {
      'f:spec': {
        'f:containers': {
          'k:{"name":"web"}': {
            '.': {},
            'f:image': {},
            'f:name': {},
            'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
          },
        },
      },
    },
  },
  'f:metadata2': {},
};

fields('turns FieldsV1 into readable leaf and element paths', () => {
  const paths = ownedPaths(deploymentFields).map((p) => `${p.leaf ? 'leaf' : 'elem'} ${p.path}`);
  assert.equal(paths, [
    'leaf metadata.labels.app',
    'leaf metadata.labels["app.kubernetes.io/name"]',
    'leaf spec.replicas',
    'elem spec.template.spec.containers[name=web]',
    'leaf spec.template.spec.containers[name=web].image',
    'leaf spec.template.spec.containers[name=web].name',
    'elem spec.template.spec.containers[name=web].ports[containerPort=80,protocol=TCP]',
    'leaf spec.template.spec.containers[name=web].ports[containerPort=80,protocol=TCP].containerPort',
    'leaf metadata2',
  ]);
});

fields('formats set values and indexes, and quotes odd key values', () => {
  assert.is(formatPath([{ field: 'metadata' }, { field: 'finalizers' }, { value: 'example.com/x' }]), 'metadata.finalizers[="example.com/x"]');
  assert.is(formatPath([{ field: 'args' }, { index: 2 }]), 'args[2]');
  assert.is(formatPath([{ field: 'env' }, { key: { name: 'A B' } }]), 'env[name="A B"]');
});

fields('learns list shapes from the merged field sets', () => {
  const a = { 'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { 'f:port': {} } }, 'f:selector': {} } };
  const b = { 'f:spec': { 'f:ports': { 'k:{"port":443,"protocol":"TCP"}': { 'f:nodePort': {} } } } };
  const merged = mergeFields([a, b]);
  const ports = listShape(merged['f:spec']?.['f:ports']);
  assert.is(ports.type, 'map');
  if (ports.type === 'map') {
    assert.equal(ports.keys, ['port', 'protocol']);
    assert.is(ports.elements.length, 2);
  }
  assert.is(listShape(merged['f:spec']?.['f:selector']).type, 'atomic');
  assert.is(listShape({ 'v:"a"': {}, 'v:"b"': {} }).type, 'set');
});

fields('reads values by path, leniently for manifests that omit defaulted key fields', () => {
  const svc = { spec: { ports: [{ port: 80, targetPort: 8080 }] } };
  const path = [{ field: 'spec' }, { field: 'ports' }, { key: { port: 80, protocol: 'TCP' } }, { field: 'targetPort' }];
  assert.is(valueAt(svc, path), undefined);
  assert.is(valueAt(svc, path, true), 8080);
  assert.is(valueAt({ spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: 1 }] } }, path), 1);
});

fields.run();
