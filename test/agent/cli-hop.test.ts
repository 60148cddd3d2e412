// The built CLI (`node bin/eastern`, as a build runs it) with EASTERN_AGENT set goes
// through the agent, and prints what it prints standalone (EASTERN_NO_AGENT=1).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentServer } from '../../src/agent/server.js';
import { runCommand } from '../../src/agent/commands.js';
import { listenPrivate, writeToken } from '../../src/agent/socket.js';
import { repoRoot, tempDir } from './helpers.js';

const bin = join(repoRoot, 'bin/eastern');

async function agent() {
  const dir = tempDir();
  const socket = join(dir.path, 'run', 'a.sock');
  const token = 'cd'.repeat(32);
  const logged: string[] = [];
  const server = new AgentServer({
    name: 'kube1', configPath: 'agents/kube1.yaml', token,
    allowNamespace: () => true, namespacePolicy: '*', maxDeploys: 1,
    runCommand, clusterHealth: async () => ({ reachable: true }), swarmState: () => undefined,
    log: (l) => logged.push(l),
  });
  await listenPrivate(server.http, socket);
  writeToken(`${socket}.token`, token);
  return { dir, socket, logged, close: async () => (await server.close(), dir.remove()) };
}

// spawnSync would block the agent living in this very process: run the CLI asynchronously.
function eastern(args: string[], env: Record<string, string | undefined>) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    import('node:child_process').then(({ execFile }) => {
      execFile(process.execPath, [bin, ...args], { cwd: repoRoot, env: { PATH: process.env.PATH, NO_COLOR: '1', ...env } }, (error, stdout, stderr) => {
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });
  });
}

test('the built CLI is present', () => {
  assert.ok(existsSync(join(repoRoot, 'dist/bin/main.js')), 'run `npm run build` first (npm test does it)');
  assert.is(spawnSync(process.execPath, [bin, '--version']).status, 0);
});

test('generate with EASTERN_AGENT goes through the agent and matches the standalone run', async () => {
  const a = await agent();
  try {
    const args = ['generate', 'examples/hello-web/kubernetes.yaml', 'staging', '-s', 'IMAGE_TAG=9'];
    const via = await eastern(args, { EASTERN_AGENT: a.socket, EASTERN_CLUSTER: 'kube1' });
    const solo = await eastern(args, { EASTERN_AGENT: a.socket, EASTERN_CLUSTER: 'kube1', EASTERN_NO_AGENT: '1' });
    assert.is(via.status, 0, via.stderr);
    assert.ok(via.stdout.length > 100);
    assert.equal(via, solo);
    assert.is(a.logged.filter((l) => l.startsWith('[api] generate: exit 0')).length, 1, 'exactly one request reached the agent');
  } finally {
    await a.close();
  }
});

test('a failing render and a usage error give the same text and exit codes either way', async () => {
  const a = await agent();
  try {
    writeFileSync(join(a.dir.path, 'bad.yaml'), 'a: ${MISSING}\n');
    const bad = ['generate', join(a.dir.path, 'bad.yaml')];
    const via = await eastern(bad, { EASTERN_AGENT: a.socket });
    const solo = await eastern(bad, { EASTERN_AGENT: a.socket, EASTERN_NO_AGENT: '1' });
    assert.is(via.status, 1);
    assert.match(via.stderr, 'MISSING');
    assert.equal(via, solo);
    const usage = ['generate', 'a.yaml', '--no-such-option'];
    const viaUsage = await eastern(usage, { EASTERN_AGENT: a.socket });
    assert.is(viaUsage.status, 64);
    assert.equal(viaUsage, await eastern(usage, { EASTERN_NO_AGENT: '1' }));
    assert.is(a.logged.filter((l) => l.startsWith('[api] generate')).length, 1, 'usage errors never reach the agent');
  } finally {
    await a.close();
  }
});

test('an agent that does not answer: a warning, then the standalone result', async () => {
  const dir = tempDir();
  try {
    const args = ['generate', 'examples/hello-web/kubernetes.yaml', 'staging', '-s', 'IMAGE_TAG=9'];
    const gone = await eastern(args, { EASTERN_AGENT: join(dir.path, 'missing.sock') });
    const solo = await eastern(args, { EASTERN_NO_AGENT: '1' });
    assert.is(gone.status, 0);
    assert.is(solo.status, 0, solo.stderr);
    assert.is(gone.stdout, solo.stdout);
    assert.match(gone.stderr, `warning: the eastern agent at ${join(dir.path, 'missing.sock')} has no readable token (ENOENT); running standalone`);
  } finally {
    dir.remove();
  }
});

test('a deploy never falls back to standalone when the agent does not answer: it fails, naming the agent', async () => {
  const dir = tempDir();
  try {
    const missing = join(dir.path, 'missing.sock');
    // A kubeconfig the build could reach must not be used behind the agent's back.
    const r = await eastern(['deploy', 'examples/hello-web/kubernetes.yaml', 'staging', '-s', 'IMAGE_TAG=9'], { EASTERN_AGENT: missing, KUBECONFIG: join(dir.path, 'config') });
    assert.is(r.status, 1);
    assert.match(r.stderr, `error: the eastern agent at ${missing} has no readable token (ENOENT), and a deploy in a build goes through its agent`);
    assert.match(r.stderr, 'fix: check the agent on this node');
    assert.not.match(r.stderr, /kubeconfig|rendered/);
  } finally {
    dir.remove();
  }
});

test.run();
