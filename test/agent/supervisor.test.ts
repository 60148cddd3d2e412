// The supervisor against the stand-in Swarm client: a real child process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeLabelsFile } from '../../src/agent/labels-file.js';
import { labelsFor } from '../../src/fleet/schema.js';
import { resolveSettings } from '../../src/agent/settings.js';
import { Supervisor } from '../../src/agent/supervisor.js';
import { swarmCommand } from '../../src/agent/swarm-command.js';
import { agentDefinition, isAlive, readRecord, tempDir, waitFor } from './helpers.js';

const password = 'pa55-word-never-logged';

function setup(extraEnv: Record<string, string> = {}) {
  const dir = tempDir();
  const file = agentDefinition({ agent: { socket: join(dir.path, 'kube1.sock') } });
  const env = { PATH: process.env.PATH ?? '', JENKINS_TOKEN: password, SWARM_STANDIN_RECORD: join(dir.path, 'record.jsonl'), ...extraEnv };
  const settings = resolveSettings(file, { cwd: dir.path, env, home: dir.path });
  writeLabelsFile(settings.labelsPath, labelsFor(file));
  const command = swarmCommand(file, settings, env);
  const logged: string[] = [];
  return { dir, file, env, settings, command, logged, record: env.SWARM_STANDIN_RECORD };
}

test('starts the client with the spec arguments, labels file and environment; forwards its output', async () => {
  const s = setup();
  const supervisor = new Supervisor({ command: s.command, log: (l) => s.logged.push(l), secrets: [password] });
  try {
    supervisor.start();
    const [start] = await waitFor('the stand-in to start', () => readRecord(s.record).length > 0 && readRecord(s.record));
    assert.is(start?.type, 'start');
    assert.equal(start?.argv?.slice(0, 2), ['-jar', s.file.swarm.jar]);
    assert.ok(start?.argv?.includes('-disableClientsUniqueId'));
    assert.is(start?.argv?.[start.argv.indexOf('-passwordEnvVariable') + 1], 'JENKINS_TOKEN');
    assert.is(start?.labels, 'eastern eastern-cluster-kube1 eastern-env-staging eastern-env-qa\n');
    assert.is(start?.env?.JENKINS_TOKEN, password, 'the client reads the password from its environment');
    assert.is(start?.env?.EASTERN_CLUSTER, 'kube1');
    assert.is(start?.env?.EASTERN_AGENT, s.settings.socket?.path);
    assert.is(start?.env?.EASTERN_CONTEXT, 'kube1');
    assert.not.ok(start?.argv?.some((a) => a.includes(password)), 'the password is not an argument');
    await waitFor('the connected line', () => supervisor.state().connected);
    assert.ok(s.logged.some((l) => l.startsWith('[swarm] INFO: Connecting to https://jenkins.example.com/ as kube1')));
    assert.is(supervisor.state().status, 'running');
    assert.is(supervisor.state().pid, start?.pid);
  } finally {
    await supervisor.stop();
    s.dir.remove();
  }
  assert.not.ok(s.logged.join('\n').includes(password), 'the password never reaches the log');
});

test('restarts a crashing client with doubling delays, and keeps the last one up', async () => {
  const s = setup({ SWARM_STANDIN_EXIT_AFTER_MS: '30', SWARM_STANDIN_CRASHES: '3' });
  const supervisor = new Supervisor({
    command: s.command,
    log: (l) => s.logged.push(l),
    backoff: { initialMs: 150, maxMs: 1000, resetAfterMs: 60_000 },
  });
  try {
    supervisor.start();
    const starts = await waitFor('four starts', () => {
      const r = readRecord(s.record).filter((e) => e.type === 'start');
      return r.length >= 4 && r;
    });
    // Gap between starts = run time (~30 ms + start-up) + delay; the delay doubles.
    const gaps = starts.slice(1).map((e, i) => e.at - (starts[i]?.at ?? 0));
    assert.ok(gaps[0]! >= 150 + 30, `first restart after ≥ 180 ms, was ${gaps[0]}`);
    assert.ok(gaps[1]! >= 300 + 30, `second restart after ≥ 330 ms, was ${gaps[1]}`);
    assert.ok(gaps[2]! >= 600 + 30, `third restart after ≥ 630 ms, was ${gaps[2]}`);
    assert.ok(gaps[2]! > gaps[0]!, 'delays grow');
    assert.ok(s.logged.some((l) => /Swarm client exited after [\d.]+s \(exit code 1\); restarting in 150ms/.test(l)), s.logged.join('\n'));
    assert.ok(s.logged.some((l) => /restarting in 300ms/.test(l)));
    // The fourth run does not crash (SWARM_STANDIN_CRASHES=3): still running a while later.
    await new Promise((r) => setTimeout(r, 200));
    assert.is(supervisor.state().status, 'running');
    assert.is(supervisor.state().starts, 4);
    assert.is(supervisor.state().lastExit?.code, 1);
  } finally {
    await supervisor.stop();
    s.dir.remove();
  }
});

test('stop sends SIGTERM and the client is gone afterwards', async () => {
  const s = setup();
  const supervisor = new Supervisor({ command: s.command, log: (l) => s.logged.push(l) });
  try {
    supervisor.start();
    const pid = await waitFor('a pid', () => supervisor.state().pid);
    await waitFor('the stand-in to record', () => readRecord(s.record).length > 0);
    await supervisor.stop();
    assert.not.ok(isAlive(pid));
    assert.ok(readRecord(s.record).some((e) => e.type === 'term'), 'the client saw SIGTERM');
    assert.is(supervisor.state().status, 'stopped');
    assert.is(supervisor.state().lastExit?.code, 143);
  } finally {
    s.dir.remove();
  }
});

test('a client that ignores SIGTERM is killed after the stop timeout', async () => {
  const s = setup({ SWARM_STANDIN_IGNORE_TERM: '1' });
  const supervisor = new Supervisor({ command: s.command, log: (l) => s.logged.push(l), stopTimeoutMs: 300 });
  try {
    supervisor.start();
    const pid = await waitFor('a pid', () => supervisor.state().pid);
    await waitFor('the stand-in to record', () => readRecord(s.record).length > 0);
    const t0 = Date.now();
    await supervisor.stop();
    assert.ok(Date.now() - t0 >= 280, 'waited for the grace period');
    assert.not.ok(isAlive(pid));
    assert.is(supervisor.state().lastExit?.signal, 'SIGKILL');
  } finally {
    s.dir.remove();
  }
});

test('stopping while a restart is pending cancels it', async () => {
  const s = setup({ SWARM_STANDIN_EXIT_FILE: '' });
  s.command.env.SWARM_STANDIN_EXIT_FILE = join(s.dir.path, 'exit-now');
  const supervisor = new Supervisor({ command: s.command, log: (l) => s.logged.push(l), backoff: { initialMs: 60_000, maxMs: 60_000, resetAfterMs: 60_000 } });
  try {
    supervisor.start();
    await waitFor('the stand-in to record', () => readRecord(s.record).length > 0);
    writeFileSync(join(s.dir.path, 'exit-now'), '');
    await waitFor('the restart wait', () => supervisor.state().status === 'waiting');
    assert.is(supervisor.state().restartDelayMs, 60_000);
    const t0 = Date.now();
    await supervisor.stop();
    assert.ok(Date.now() - t0 < 5_000, 'did not sit out the delay');
    assert.is(readRecord(s.record).filter((e) => e.type === 'start').length, 1);
  } finally {
    s.dir.remove();
  }
});

test('a missing executable is reported, not thrown', async () => {
  const s = setup();
  s.command.file = join(s.dir.path, 'no-such-java');
  const supervisor = new Supervisor({ command: s.command, log: (l) => s.logged.push(l), backoff: { initialMs: 60_000, maxMs: 60_000, resetAfterMs: 60_000 } });
  try {
    supervisor.start();
    await waitFor('the failed start', () => supervisor.state().status === 'waiting');
    assert.match(supervisor.state().lastExit?.error ?? '', 'no-such-java');
    assert.ok(s.logged.some((l) => l.includes('ENOENT') || l.includes('no-such-java')), s.logged.join('\n'));
  } finally {
    await supervisor.stop();
    s.dir.remove();
  }
});

test.run();
