// For the end-to-end test: a real `eastern agent start` process for one of the
// shipped agents (agents/<name>.yaml), changed only where this machine differs from
// a real host: the Swarm client is the stand-in (it records the environment and the
// labels the agent gives its builds), the socket lives in a private temp folder, and
// the kubeconfig is the local clusters'.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { parseAgent, type AgentDefinition } from '../../src/fleet/schema.js';
import { readRecord, repoRoot, standIn, standInJar, tempDir, waitFor, type Recorded } from '../agent/helpers.js';

export interface FleetAgent {
  name: string;
  /** The shipped definition, through the real schema. */
  shipped: AgentDefinition;
  dir: string;
  socket: string;
  child: ChildProcess;
  exit: Promise<number | null>;
  log(): string;
  /** What the Swarm stand-in recorded when the agent started it. */
  started(): Recorded;
  /** The environment every build on this node inherits. */
  buildEnv(): Record<string, string>;
  /** The node labels, as read from the -labelsFile the agent wrote. */
  labels(): string[];
  stop(): Promise<number | null>;
  remove(): void;
}

export async function startFleetAgent(name: string, kubeconfig: string): Promise<FleetAgent> {
  const shippedText = readFileSync(join(repoRoot, 'agents', `${name}.yaml`), 'utf8');
  const shipped = parseAgent(shippedText, `agents/${name}.yaml`);
  const scratch = tempDir('eastern-e2e-');
  const dir = scratch.path;
  mkdirSync(join(dir, 'agents'));
  const socket = join(dir, 'run', `${name}.sock`);
  const file = yaml.load(shippedText) as Record<string, any>;
  // The pipeline harness runs `sh` as this test's user: builds share it here (the boundary has its own test).
  file.swarm = { ...file.swarm, jar: standInJar, java: standIn, user: undefined, sameUser: true };
  file.agent = { ...(file.agent ?? {}), socket };
  writeFileSync(join(dir, 'agents', `${name}.yaml`), yaml.dump(file));
  const record = join(dir, 'swarm-record.jsonl');
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    NO_COLOR: '1',
    // A dummy: the stand-in never talks to a Jenkins.
    [shipped.jenkins.passwordEnv]: 'e2e-dummy-jenkins-token',
    SWARM_STANDIN_RECORD: record,
  };
  const child = spawn(process.execPath, [join(repoRoot, 'bin/eastern'), 'agent', 'start', '--config', `agents/${name}.yaml`, '--kubeconfig', kubeconfig], {
    cwd: dir,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (c) => (log += c));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const started = (): Recorded => {
    const start = readRecord(record).find((e) => e.type === 'start');
    if (!start) throw new Error(`agent ${name}: the Swarm stand-in recorded no start`);
    return start;
  };
  const agent: FleetAgent = {
    name,
    shipped,
    dir,
    socket,
    child,
    exit,
    log: () => log,
    started,
    buildEnv: () => {
      const recorded = started().env;
      if (!recorded) throw new Error(`agent ${name}: the stand-in recorded no environment`);
      return { ...recorded };
    },
    labels: () => (started().labels ?? '').trim().split(/\s+/).filter(Boolean),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exit;
    },
    remove: () => scratch.remove(),
  };
  try {
    await waitFor(`agent ${name} to start its Swarm client`, () => {
      if (child.exitCode !== null) throw new Error(`agent ${name} exited with ${child.exitCode}:\n${log}`);
      return log.includes('Swarm client started') && readRecord(record).some((e) => e.type === 'start');
    }, 90_000);
  } catch (error) {
    await agent.stop();
    agent.remove();
    throw error;
  }
  return agent;
}

/**
 * Starts the agents, runs `body`, and always stops them with SIGTERM. A clean stop
 * (exit 0) is part of what the caller proves: a non-zero exit fails the test, but
 * never hides an earlier failure of `body`.
 */
export async function withFleetAgents<T>(names: string[], kubeconfig: string, body: (agents: Map<string, FleetAgent>) => Promise<T>): Promise<T> {
  const agents = new Map<string, FleetAgent>();
  let result: T;
  let failure: unknown;
  try {
    const started = await Promise.allSettled(names.map((n) => startFleetAgent(n, kubeconfig)));
    for (const s of started) if (s.status === 'fulfilled') agents.set(s.value.name, s.value);
    const refused = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (refused) throw refused.reason;
    result = await body(agents);
  } catch (error) {
    failure = error;
  } finally {
    const stops = await Promise.all([...agents.values()].map(async (a) => ({ a, code: await a.stop() })));
    const unclean = stops.filter((s) => s.code !== 0).map((s) => `agent ${s.a.name} exited with ${s.code} on SIGTERM:\n${s.a.log()}`);
    for (const a of agents.values()) a.remove();
    if (failure !== undefined) {
      if (unclean.length && failure instanceof Error) failure.message += `\n(also: ${unclean.join('\n')})`;
      throw failure;
    }
    if (unclean.length) throw new Error(unclean.join('\n'));
  }
  return result!;
}
