import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import {
  GZIP_RECORD_ABOVE,
  MASK,
  RecordError,
  assembleManifest,
  decodeHead,
  encodeRelease,
  headName,
  maskVariables,
  nextRevision,
  outcomePatch,
  revisionsToKeep,
  rollbackTarget,
  type ReleaseHead,
  type ReleaseInfo,
  type Outcome,
} from '../../src/deploy/release.js';

function baseInfo(revision = 3): Omit<ReleaseInfo, 'manifest'> {
  return {
    schema: 1,
    project: 'web',
    namespace: 'app',
    revision,
    outcome: 'pending',
    startedAt: '2025-01-02T03:04:05.000Z',
    deployer: 'me@host:1',
    context: 'kube1',
    easternVersion: '0.1.0',
    variables: { NAMESPACE: 'app' },
    objects: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'c' }],
  };
}

/** Text that does not compress much, so it needs several chunks. */
function bigManifest(bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const line = `  key${lines.length}: ${randomBytes(48).toString('base64')}`;
    lines.push(line);
    size += line.length + 1;
  }
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n${lines.join('\n')}\n`;
}

test('secret-looking variable values are masked, others kept', () => {
  const masked = maskVariables({ DB_PASSWORD: 'p', API_TOKEN: 't', client_secret: 's', SSH_KEY: 'k', AWS_CREDENTIALS: 'c', IMAGE_TAG: '1.2', NAMESPACE: 'app' });
  assert.equal(masked, { DB_PASSWORD: MASK, API_TOKEN: MASK, client_secret: MASK, SSH_KEY: MASK, AWS_CREDENTIALS: MASK, IMAGE_TAG: '1.2', NAMESPACE: 'app' });
});

test('a small release is one head and one chunk, and round-trips', () => {
  const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n';
  const { head, chunks } = encodeRelease(baseInfo(), text);
  assert.is(chunks.length, 1);
  assert.is(head.metadata.name, 'eastern.release.web.v3');
  assert.is(chunks[0]!.metadata.name, 'eastern.release.web.v3.1');
  assert.is((head as { type?: string }).type, 'eastern.io/release');
  assert.is(head.metadata.labels!['eastern.io/outcome'], 'pending');
  const decoded = decodeHead(head);
  assert.is(decoded.info.manifest.chunks, 1);
  assert.is(assembleManifest(decoded.info, chunks), text);
});

test('the record of a 3,000-object release stays under the 1 MiB Secret limit: gzipped when large, read either way', () => {
  const objects = Array.from({ length: 3000 }, (_, i) => ({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'app', name: `app-${i}` }));
  const sources = Object.fromEntries(objects.map((o, i) => [`apps/Deployment/app/${o.name}`, `/var/lib/jenkins/workspace/shop/deploy/apps/${o.name}.yaml:1 (included from /var/lib/jenkins/workspace/shop/deploy/kubernetes.yaml:${i + 2})`]));
  const fingerprints = Object.fromEntries(objects.map((o) => [`apps/Deployment/app/${o.name}`, { desired: randomBytes(16).toString('base64url').slice(0, 22), owned: randomBytes(16).toString('base64url').slice(0, 22) }]));
  const info = { ...baseInfo(), objects, sources, fingerprints };
  const { head } = encodeRelease(info, 'kind: List\n');
  const data = head.data as Record<string, string>;
  assert.is(data['release.json'], undefined);
  const size = Object.values(data).reduce((n, v) => n + v.length, 0);
  assert.ok(size < 1024 * 1024, `${size} bytes of data`);
  assert.ok(JSON.stringify(info).length * 4 / 3 > 1024 * 1024, 'as plain base64 JSON it would not fit');
  const decoded = decodeHead(head);
  assert.equal(decoded.info.fingerprints, fingerprints);
  assert.is(decoded.info.objects.length, 3000);
  // The outcome patch of a small record removes a gzipped one, and the other way round.
  const small = encodeRelease(baseInfo(), 'kind: List\n').head;
  assert.equal(Object.keys(small.data as object), ['release.json']);
  assert.equal((outcomePatch(decoded.info).data as Record<string, unknown>)['release.json'], null);
  assert.equal((outcomePatch(decodeHead(small).info).data as Record<string, unknown>)['release.json.gz'], null);
});

test('the record of 300 objects is kept gzipped (every deploy reads and patches heads); a small one stays plain JSON', () => {
  const objects = Array.from({ length: 300 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: `app-${i}` }));
  const sources = Object.fromEntries(objects.map((o, i) => [`/ConfigMap/app/${o.name}`, `deploy/apps/${o.name}.yaml:1 (included from deploy/kubernetes.yaml:${i + 2})`]));
  const fingerprints = Object.fromEntries(objects.map((o) => [`/ConfigMap/app/${o.name}`, { desired: randomBytes(16).toString('base64url').slice(0, 22), owned: randomBytes(16).toString('base64url').slice(0, 22) }]));
  const info = { ...baseInfo(), objects, sources, fingerprints };
  const data = encodeRelease(info, 'kind: List\n').head.data as Record<string, string>;
  assert.equal(Object.keys(data), ['release.json.gz']);
  const plainBytes = Buffer.byteLength(JSON.stringify(info));
  assert.ok(data['release.json.gz']!.length * 3 < plainBytes, `${data['release.json.gz']!.length} base64 bytes for ${plainBytes} bytes of JSON`);
  assert.equal(decodeHead(encodeRelease(info, 'kind: List\n').head).info.sources, sources);
  assert.ok(JSON.stringify(baseInfo()).length < GZIP_RECORD_ABOVE);
  assert.equal(Object.keys(encodeRelease(baseInfo(), 'kind: List\n').head.data as object), ['release.json']);
});

test('a 3 MiB manifest is split into chunks below the object size limit and reassembled exactly', () => {
  const text = bigManifest(3 * 1024 * 1024);
  const { head, chunks } = encodeRelease(baseInfo(), text);
  assert.ok(chunks.length >= 4, `${chunks.length} chunks`);
  for (const c of chunks) assert.ok(JSON.stringify(c).length < 900 * 1024, 'chunk under 1 MiB');
  const info = decodeHead(head).info;
  // Order of arrival does not matter.
  assert.is(assembleManifest(info, [...chunks].reverse()), text);
});

test('a missing chunk is reported, not silently truncated', () => {
  const { head, chunks } = encodeRelease(baseInfo(), bigManifest(300_000), 64 * 1024);
  const info = decodeHead(head).info;
  const missing = chunks.filter((_, i) => i !== 2);
  assert.throws(() => assembleManifest(info, missing), (e: Error) => e instanceof RecordError && /chunk 3 of \d+ is missing/.test(e.message));
});

test('a damaged chunk fails the checksum', () => {
  const { head, chunks } = encodeRelease(baseInfo(), 'a: 1\n'.repeat(1000), 200);
  const info = decodeHead(head).info;
  const tampered = structuredClone(chunks);
  const data = tampered[0]!.data as Record<string, string>;
  const bytes = Buffer.from(data['manifest.gz']!, 'base64');
  bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
  data['manifest.gz'] = bytes.toString('base64');
  assert.throws(() => assembleManifest(info, tampered), (e: Error) => e instanceof RecordError && /damaged/.test(e.message));
});

test('chunks of an interrupted earlier attempt with the same revision are ignored beyond the count', () => {
  const first = encodeRelease(baseInfo(), bigManifest(200_000), 32 * 1024);
  const second = encodeRelease(baseInfo(), 'small: true\n', 32 * 1024);
  const leftovers = first.chunks.slice(1);
  assert.is(assembleManifest(decodeHead(second.head).info, [...second.chunks, ...leftovers]), 'small: true\n');
});

test('a head that is not a release record is rejected', () => {
  assert.throws(() => decodeHead({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' }, data: {} }), (e: Error) => e instanceof RecordError);
  assert.throws(() => decodeHead({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' }, data: { 'release.json': Buffer.from('{').toString('base64') } }), (e: Error) => e instanceof RecordError);
});

const head = (revision: number, outcome: Outcome): ReleaseHead => ({
  name: headName('web', revision),
  info: { ...baseInfo(revision), outcome, manifest: { sha256: '', bytes: 0, gzipBytes: 0, chunks: 1 } },
});

test('the next revision follows the highest, whatever the order', () => {
  assert.is(nextRevision([]), 1);
  assert.is(nextRevision([head(2, 'superseded'), head(7, 'failed'), head(5, 'deployed')]), 8);
});

test('history keeps the newest revisions', () => {
  assert.equal(revisionsToKeep([1, 5, 3, 4, 2], 3), [5, 4, 3]);
  assert.equal(revisionsToKeep([1], 10), [1]);
});

test('rollback goes to the newest good revision before the current one', () => {
  const heads = [head(5, 'failed'), head(4, 'rolled-back'), head(3, 'superseded'), head(2, 'deployed'), head(1, 'superseded')];
  assert.is(rollbackTarget(heads)?.info.revision, 3);
  assert.is(rollbackTarget([head(2, 'deployed'), head(1, 'superseded')])?.info.revision, 1);
  assert.is(rollbackTarget([head(1, 'deployed')]), undefined);
  assert.is(rollbackTarget(heads, 4)?.info.revision, 4);
  assert.is(rollbackTarget(heads, 9), undefined);
});

test.run();
