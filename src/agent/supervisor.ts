// Supervises the Jenkins Swarm client: starts it through execa (as the build user,
// when there is one), forwards its output line by line with a `[swarm]` prefix,
// restarts it with backoff when it exits, and stops it with SIGTERM, then SIGKILL
// after a grace period. The Jenkins password file a build user's client reads is
// written before each start and removed as soon as the client has read it.
import { EventEmitter } from 'node:events';
import { chownSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { defaultBackoff, nextRestart, type BackoffTimings } from './backoff.js';
import type { SwarmCommand } from './swarm-command.js';

export type SwarmStatus = 'starting' | 'running' | 'waiting' | 'stopping' | 'stopped';

export interface SwarmExit {
  code: number | undefined;
  signal: string | undefined;
  /** Why it could not start (spawn error), if it never ran. */
  error: string | undefined;
  uptimeMs: number;
}

export interface SwarmState {
  status: SwarmStatus;
  pid: number | undefined;
  /** How many times the client was started. */
  starts: number;
  /** The client printed that it connected to Jenkins and has not disconnected since. */
  connected: boolean;
  lastExit: SwarmExit | undefined;
  /** Delay before the pending restart, when waiting. */
  restartDelayMs: number | undefined;
}

export interface SupervisorOptions {
  command: SwarmCommand;
  /** One call per line; the supervisor adds no timestamps (journald and kubectl logs do). */
  log: (line: string) => void;
  backoff?: BackoffTimings;
  /** SIGKILL this long after SIGTERM. */
  stopTimeoutMs?: number;
  /** Values masked in forwarded output (the Jenkins password, should the client ever print it). */
  secrets?: readonly string[];
  now?: () => number;
}

// The remoting layer logs "Connected" once the agent channel is up, and
// "Terminated"/"Disconnected" when it goes away.
const connectedLine = /\bConnected\b/;
const disconnectedLine = /\b(Disconnected|Terminated)\b/;
// The client reads -passwordFile first thing in main(), before it looks for Jenkins.
const pastPasswordLine = /Discovering|Connecting|Attempting to connect|Connected|Retrying|SEVERE|Exception/;
/** The password file never outlives this, even if the client says nothing. */
const PASSWORD_FILE_MAX_MS = 60_000;

export class Supervisor extends EventEmitter {
  private readonly options: SupervisorOptions;
  private readonly now: () => number;
  private status: SwarmStatus = 'stopped';
  private child: (Promise<unknown> & { pid?: number | undefined; kill(signal?: NodeJS.Signals): boolean }) | undefined;
  private starts = 0;
  private failures = 0;
  private connected = false;
  private lastExit: SwarmExit | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private restartDelayMs: number | undefined;
  private stopping: Promise<void> | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(options: SupervisorOptions) {
    super();
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  state(): SwarmState {
    return {
      status: this.status,
      pid: this.child?.pid,
      starts: this.starts,
      connected: this.connected,
      lastExit: this.lastExit,
      restartDelayMs: this.status === 'waiting' ? this.restartDelayMs : undefined,
    };
  }

  start(): void {
    if (this.stopping || this.status !== 'stopped') return;
    this.exited = this.runOnce();
  }

  /** SIGTERM, SIGKILL after stopTimeoutMs; resolves once the client is gone. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.restartTimer) clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
      this.wake?.();
      if (this.child) {
        this.status = 'stopping';
        this.options.log(`[agent] stopping the Swarm client (pid ${this.child.pid})`);
        this.child.kill('SIGTERM');
      }
      await this.exited;
      this.status = 'stopped';
    })();
    return this.stopping;
  }

  private async runOnce(): Promise<void> {
    const { command, log } = this.options;
    this.status = 'starting';
    const { execa } = await import('execa');
    if (this.stopping) {
      this.status = 'stopped';
      return;
    }
    const startedAt = this.now();
    const dropPassword = this.writePasswordFile();
    const child = execa(command.file, command.args, {
      ...(command.user && { uid: command.user.uid, gid: command.user.gid }),
      env: command.env,
      extendEnv: false,
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      cleanup: true,
      forceKillAfterDelay: this.options.stopTimeoutMs ?? 10_000,
    });
    this.child = child;
    this.starts += 1;
    this.status = 'running';
    if (child.pid !== undefined) {
      log(`[agent] Swarm client started (pid ${child.pid}, start ${this.starts})`);
      this.emit('start', child.pid);
    }
    const forwarded = [this.forward(child.stdout, dropPassword), this.forward(child.stderr, dropPassword)];
    const result = await child;
    await Promise.all(forwarded);
    dropPassword();
    this.child = undefined;
    this.connected = false;
    const uptimeMs = this.now() - startedAt;
    const spawnError = result.failed && result.exitCode === undefined && result.signal === undefined ? result.shortMessage : undefined;
    this.lastExit = { code: result.exitCode, signal: result.signal, error: spawnError, uptimeMs };
    this.emit('exit', this.lastExit);
    const how = spawnError ?? (result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode}`);
    if (this.stopping) {
      log(`[agent] Swarm client stopped (${how})`);
      this.status = 'stopped';
      return;
    }
    const next = nextRestart(this.failures, uptimeMs, this.options.backoff ?? defaultBackoff);
    this.failures = next.failures;
    this.restartDelayMs = next.delayMs;
    this.status = 'waiting';
    log(`[agent] Swarm client exited after ${(uptimeMs / 1000).toFixed(1)}s (${how}); restarting in ${formatDelay(next.delayMs)}`);
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      this.restartTimer = setTimeout(resolve, next.delayMs);
    });
    this.restartTimer = undefined;
    this.wake = undefined;
    if (this.stopping) {
      this.status = 'stopped';
      return;
    }
    return this.runOnce();
  }

  /** Writes the password file for this start (owned by the build user, mode 0400); returns what removes it. */
  private writePasswordFile(): () => void {
    const file = this.options.command.passwordFile;
    const user = this.options.command.user;
    if (!file || !user) return () => {};
    rmSync(file.path, { force: true });
    writeFileSync(file.path, file.value, { mode: 0o400, flag: 'wx' });
    chownSync(file.path, user.uid, user.gid);
    let removed = false;
    const remove = () => {
      if (removed) return;
      removed = true;
      clearTimeout(timer);
      rmSync(file.path, { force: true });
    };
    const timer = setTimeout(remove, PASSWORD_FILE_MAX_MS);
    timer.unref();
    return remove;
  }

  private forward(stream: Readable | null, dropPassword: () => void): Promise<void> {
    if (!stream) return Promise.resolve();
    const secrets = (this.options.secrets ?? []).filter((s) => s.length >= 4);
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (raw) => {
      let line = raw;
      if (pastPasswordLine.test(line)) dropPassword();
      for (const secret of secrets) line = line.split(secret).join('****');
      if (connectedLine.test(line)) this.connected = true;
      else if (disconnectedLine.test(line)) this.connected = false;
      this.options.log(`[swarm] ${line}`);
    });
    return new Promise((resolve) => lines.once('close', resolve));
  }
}

function formatDelay(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s` : `${ms}ms`;
}
