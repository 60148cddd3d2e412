// Shared by the agent tests: a temporary agent home, an agent file pointing the Swarm
// client at the stand-in, and small waiting helpers.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAgent, type AgentDefinition } from '../../src/fleet/schema.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const standIn = join(repoRoot, 'test/fixtures/swarm-client/swarm-client.mjs');
export const standInJar = join(repoRoot, 'test/fixtures/swarm-client/swarm-client.jar');

export function tempDir(prefix = 'eastern-agent-'): { path: string; remove(): void } {
  // Short paths: a Unix socket path must fit in 107 bytes. Lower-case, so that the
  // folder name is a valid project name when a test deploys from it.
  const path = join(tmpdir(), `${prefix}${randomBytes(4).toString('hex')}`);
  mkdirSync(path, { mode: 0o700 });
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * An agent definition through the real schema (so tests see its defaults). `fields`
 * are merged over a kube1 agent whose Swarm client is the stand-in; a section given
 * replaces the default one.
 */
export function agentDefinition(fields: Record<string, unknown> = {}, file = 'agents/kube1.yaml'): AgentDefinition {
  const base: Record<string, unknown> = {
    name: 'kube1',
    environments: ['staging', 'qa'],
    kubernetes: { context: 'kube1' },
    jenkins: { url: 'https://jenkins.example.com/', user: 'eastern-kube1', passwordEnv: 'JENKINS_TOKEN', executors: 2 },
    swarm: { jar: standInJar, java: standIn, extraArgs: [] },
  };
  const merged: Record<string, unknown> = { ...base, ...fields };
  // Unit tests run as whoever runs them: builds share that user unless a test says otherwise.
  const swarm = merged.swarm as Record<string, unknown>;
  if (swarm.user === undefined && swarm.sameUser === undefined && swarm.runBy === undefined) merged.swarm = { ...swarm, sameUser: true };
  return parseAgent(JSON.stringify(merged), file);
}

export interface Recorded {
  type: 'start' | 'build' | 'term';
  pid: number;
  at: number;
  uid?: number;
  gid?: number;
  /** How the stand-in read -passwordFile (never the value). */
  password?: { read: boolean; length?: number; error?: string } | null;
  argv?: string[];
  env?: Record<string, string>;
  labels?: string | null;
  stdout?: string;
  stderr?: string;
  code?: number;
}

export function readRecord(path: string): Recorded[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Recorded);
}

export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Collects writes, for io objects and loggers. */
export function sink(): { write(s: string): void; text(): string; lines(): string[] } {
  let buffer = '';
  return {
    write: (s: string) => void (buffer += s),
    text: () => buffer,
    lines: () => buffer.split('\n').filter(Boolean),
  };
}

/** One HTTP request to the agent's socket; the whole answer as text. */
export function askAgent(socketPath: string, method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<{ status: number; text: string; json(): any }> {
  return new Promise((resolvePromise, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const req = httpRequest({ socketPath, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

/** A loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolvePort(port));
    });
  });
}
