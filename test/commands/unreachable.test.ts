// Every cluster command against a server that never answers (it takes connections
// and drops them at once): the command gives up after the few attempts a first
// contact gets, not after the full retry budget that rides out a restart of a server
// that did answer before. Counted in connection attempts, not in seconds.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run as deploy } from '../../src/commands/deploy.js';
import { run as diff } from '../../src/commands/diff.js';
import { run as drift } from '../../src/commands/drift.js';
import { run as history } from '../../src/commands/history.js';
import { run as rollback } from '../../src/commands/rollback.js';
import { ClusterError } from '../../src/errors.js';
import { firstContactPolicy } from '../../src/kube/retry.js';

const silent = { stdout: { write: () => true }, stderr: { write: () => true } };

async function droppingServer() {
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, connections: () => connections, reset: () => { connections = 0; }, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test('history, diff, drift, rollback and deploy give up on a server that never answered after the first-contact attempts', async () => {
  const server = await droppingServer();
  const dir = mkdtempSync(join(tmpdir(), 'eastern-unreachable-'));
  const project = join(dir, 'web');
  mkdirSync(project);
  writeFileSync(join(project, 'kubernetes.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
  const kubeconfig = join(dir, 'config');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:${server.port}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: dead\n  context: {cluster: c, user: u}\ncurrent-context: dead\n`);
  const base = { cwd: project, env: { HOME: dir }, io: silent, kubeconfig };
  const commands: [string, () => Promise<unknown>][] = [
    ['history', () => history({ ...base, project: 'web', namespace: 'shop' } as never)],
    ['diff', () => diff({ ...base, file: 'kubernetes.yaml', namespace: 'shop' } as never)],
    ['drift', () => drift({ ...base, namespaces: ['shop'] } as never)],
    ['rollback', () => rollback({ ...base, project: 'web', namespace: 'shop' } as never)],
    ['deploy', () => deploy({ ...base, file: 'kubernetes.yaml', namespace: 'shop', signal: new AbortController().signal } as never)],
  ];
  try {
    for (const [name, run] of commands) {
      // A command may give up while a request that went out beside the failed one is
      // still between its attempts: let those land before counting the next command's.
      for (let seen = -1; seen !== server.connections(); ) {
        seen = server.connections();
        await new Promise((r) => setTimeout(r, 1_300));
      }
      server.reset();
      try {
        await run();
        assert.unreachable(`${name} cannot succeed`);
      } catch (error) {
        assert.instance(error, ClusterError, `${name}: ${String(error)}`);
        assert.match(String((error as Error).message), /cannot reach cluster dead/, name);
        assert.ok((error as ClusterError).fix, `${name} says what to check`);
      }
      // Requests that go out together each get the first-contact attempts: discovery's
      // two documents, and for deploy also /version beside them (the full budget would
      // be defaultRetryPolicy.attempts each).
      const together = name === 'deploy' ? 3 : 2;
      assert.ok(server.connections() <= together * firstContactPolicy.attempts, `${name}: ${server.connections()} connection attempts`);
    }
  } finally {
    await server.close();
  }
});

test.run();
