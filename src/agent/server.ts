// The agent's local API (protocol.ts) over node:http. Commands run in this warm
// process through the same run() functions as the CLI, with io writers that stream
// frames to the build. Deploys pass the namespace allow-list (before rendering), the
// in-process lock per project and namespace, and the limit of deploys at once.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EasternError, LockError, ValidationError, toReport } from '../errors.js';
import { createLogger, type Io, type Writer } from '../output/logger.js';
import { parseCommandRequest, type AgentCommand, type CommandRequest, type Frame, type Refusal } from './protocol.js';
import { AbortedWait, KeyedLock, Slots, WaitTimeout } from './queue.js';
import { authorized } from './socket.js';
import type { SwarmState } from './supervisor.js';
import type { KubeClient } from '../kube/client.js';
import { DEFAULT_LOCK_TIMEOUT_SECONDS } from '../deploy/defaults.js';
import { projectName } from '../project/name.js';

export interface ClusterHealth {
  reachable: boolean;
  version?: string;
  error?: string;
  /** ISO time of the check the answer comes from. */
  checkedAt?: string;
}

export interface Readiness {
  ready: boolean;
  draining: boolean;
  cluster: ClusterHealth;
  swarm: { running: boolean; connected: boolean; status: string };
}

/** Runs a CLI command in-process; returns its exit code (errors already written to io.stderr). */
export type CommandRunner = (command: AgentCommand, options: Record<string, unknown>, io: Io) => Promise<number>;

export interface AgentServerOptions {
  name: string;
  /** The agent file as shown in messages, e.g. agents/kube1.yaml. */
  configPath: string;
  token: string;
  allowNamespace: (namespace: string) => boolean;
  namespacePolicy: string;
  /** Cluster-scoped kinds deploys may write (kubernetes.clusterScopedKinds); everything else is refused. */
  allowClusterScoped?: (group: string, kind: string) => boolean;
  /** False when the Swarm client runs in a sidecar container: readiness does not wait for it. */
  swarmSupervised?: boolean;
  maxDeploys: number;
  runCommand: CommandRunner;
  clusterHealth: () => Promise<ClusterHealth>;
  swarmState: () => SwarmState | undefined;
  log: (line: string) => void;
  /** The warm, connected cluster client deploys use instead of loading the kubeconfig each time. */
  cluster?: KubeClient;
}

export type JobState = 'waiting-for-lock' | 'queued' | 'running';

export interface Job {
  id: number;
  command: AgentCommand;
  state: JobState;
  startedAt: string;
  file?: string;
  namespace?: string;
  project?: string;
  /** Why the agent refused it before running it (for the audit line). */
  refused?: string;
}

const maxBodyBytes = 4 * 1024 * 1024;

export class AgentServer {
  readonly http: Server;
  private readonly options: AgentServerOptions;
  private readonly jobs = new Map<number, Job>();
  private readonly locks = new KeyedLock();
  private readonly slots: Slots;
  private nextId = 1;
  private draining = false;
  private idle: Array<() => void> = [];

  constructor(options: AgentServerOptions) {
    this.options = options;
    this.slots = new Slots(options.maxDeploys);
    this.http = createServer((req, res) => {
      this.handle(req, res).catch((error) => {
        options.log(`[api] internal error: ${(error as Error).stack ?? error}`);
        if (!res.headersSent) refuse(res, 500, { error: `internal error: ${(error as Error).message}` });
        else res.end();
      });
    });
  }

  get isDraining(): boolean {
    return this.draining;
  }

  jobList(): Job[] {
    return [...this.jobs.values()].map((j) => ({ ...j }));
  }

  /** New commands get 503 from now on; status and health keep answering. */
  stopAccepting(): void {
    this.draining = true;
  }

  /** Resolves true once no command runs, or false when the timeout came first. */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.jobs.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idle = this.idle.filter((w) => w !== wake);
        resolve(false);
      }, timeoutMs);
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idle.push(wake);
    });
  }

  async readiness(): Promise<Readiness> {
    const swarm = this.options.swarmState();
    const cluster = await this.options.clusterHealth();
    const supervised = this.options.swarmSupervised ?? true;
    const running = swarm?.status === 'running';
    const connected = running && swarm?.connected === true;
    return {
      ready: !this.draining && cluster.reachable && (connected || !supervised),
      draining: this.draining,
      cluster,
      swarm: { running, connected, status: supervised ? (swarm?.status ?? 'none') : 'sidecar' },
    };
  }

  /** Answers /healthz and /readyz; true when it did. Shared with the TCP probe listener. */
  async health(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = new URL(req.url ?? '/', 'http://agent').pathname;
    if (path !== '/healthz' && path !== '/readyz') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      refuse(res, 405, { error: `${path} takes GET` });
      return true;
    }
    if (path === '/healthz') {
      json(res, 200, { status: 'ok', agent: this.options.name });
      return true;
    }
    const readiness = await this.readiness();
    json(res, readiness.ready ? 200 : 503, { agent: this.options.name, ...readiness });
    return true;
  }

  /** A listener for the TCP probe port: health only, never the command API. */
  probeHandler(): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      this.health(req, res)
        .then((answered) => {
          if (!answered) refuse(res, 404, { error: 'the probe port serves /healthz and /readyz only' });
        })
        .catch(() => refuse(res, 500, { error: 'health check failed' }));
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.on('error', () => {});
    if (await this.health(req, res)) return;
    const path = new URL(req.url ?? '/', 'http://agent').pathname;
    if (!authorized(req.headers.authorization, this.options.token)) {
      this.audit({ request: `${req.method} ${path}`, result: 'refused (missing or wrong token)' });
      return refuse(res, 401, { error: 'missing or wrong agent token', fix: 'send "Authorization: Bearer <token>" with the token from <socket>.token (or $EASTERN_AGENT_TOKEN when the agent uses agent.listen)' });
    }
    if (path === '/status') {
      if (req.method !== 'GET') return refuse(res, 405, { error: '/status takes GET' });
      return json(res, 200, await this.status());
    }
    if (path !== '/render' && path !== '/deploy') return refuse(res, 404, { error: `no such endpoint: ${path}` });
    if (req.method !== 'POST') return refuse(res, 405, { error: `${path} takes POST` });
    if (this.draining) {
      return refuse(res, 503, { error: `agent ${this.options.name} is shutting down and takes no new work`, fix: 'run the build again once the agent is back' });
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (error) {
      return refuse(res, 400, { error: `bad request body: ${(error as Error).message}` });
    }
    const request = parseCommandRequest(body, path);
    if (typeof request === 'string') return refuse(res, 400, { error: request });
    await this.execute(request, res);
  }

  async status(): Promise<Record<string, unknown>> {
    return {
      agent: this.options.name,
      draining: this.draining,
      maxDeploys: this.options.maxDeploys,
      jobs: this.jobList(),
      swarm: this.options.swarmState() ?? null,
      cluster: await this.options.clusterHealth(),
    };
  }

  private async execute(request: CommandRequest, res: ServerResponse): Promise<void> {
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    // The caller learns the agent took the request before any work starts.
    res.flushHeaders();
    const send = (frame: Frame) => {
      if (!res.destroyed && !res.writableEnded) res.write(`${JSON.stringify(frame)}\n`);
    };
    const writer = (key: 'stdout' | 'stderr', isTTY: boolean): Writer => ({
      isTTY,
      write: (text: string) => {
        if (text !== '') send(key === 'stdout' ? { stdout: text } : { stderr: text });
        return true;
      },
    });
    const io: Io = { stdout: writer('stdout', request.tty.stdout), stderr: writer('stderr', request.tty.stderr) };
    const abort = new AbortController();
    let finished = false;
    // The build was aborted (its `eastern` process died): stop the deploy as a signal would standalone.
    res.on('close', () => {
      if (!finished) abort.abort(new EasternError('deploy interrupted: the build that asked for it went away'));
    });

    const id = this.nextId++;
    const job: Job = { id, command: request.command, state: 'running', startedAt: new Date().toISOString() };
    this.jobs.set(id, job);
    const t0 = performance.now();
    let code: number;
    try {
      code = request.command === 'deploy' ? await this.deploy(request, io, job, abort.signal) : await this.run(request, io, abort.signal);
    } catch (error) {
      const report = toReport(error, request.options.verbose === true);
      io.stderr.write(`${report.text}\n`);
      code = report.exitCode;
    } finally {
      finished = true;
      this.jobs.delete(id);
      if (this.jobs.size === 0) for (const wake of this.idle.splice(0)) wake();
    }
    send({ exit: code });
    res.end();
    const what = request.command === 'deploy' ? `deploy ${job.file} to ${job.namespace} (project ${job.project})` : `${request.command}`;
    const took = `${((performance.now() - t0) / 1000).toFixed(1)}s`;
    this.options.log(`[api] ${what}: exit ${code} in ${took}${abort.signal.aborted ? ' (the caller went away)' : ''}`);
    this.audit({
      request: request.command,
      build: request.env.BUILD_URL,
      job: request.env.JOB_NAME ? `${request.env.JOB_NAME}${request.env.BUILD_NUMBER ? ` #${request.env.BUILD_NUMBER}` : ''}` : undefined,
      project: job.project,
      namespace: job.namespace ?? (typeof request.options.namespace === 'string' ? request.options.namespace : undefined),
      file: job.file ?? (typeof request.options.file === 'string' ? request.options.file : undefined),
      result: `${job.refused ?? `exit ${code}`}${abort.signal.aborted ? ' (the caller went away)' : ''}`,
      took,
    });
  }

  /**
   * One audit line per request through the agent: who asked (the build), for what,
   * and what came of it. Values never include option values or variables (they may
   * be secret); the build's URL and job identify it in Jenkins.
   */
  private audit(fields: Record<string, string | undefined>): void {
    const parts = Object.entries(fields).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k}=${/[\s"=]/.test(v!) ? JSON.stringify(v) : v}`);
    this.options.log(`[audit] ${parts.join(' ')}`);
  }

  private run(request: CommandRequest, io: Io, signal: AbortSignal, extra: Record<string, unknown> = {}): Promise<number> {
    return this.options.runCommand(request.command, { ...request.options, cwd: request.cwd, env: request.env, signal, ...extra }, io);
  }

  private async deploy(request: CommandRequest, io: Io, job: Job, signal: AbortSignal): Promise<number> {
    const { options, cwd, env } = request;
    const namespace = typeof options.namespace === 'string' ? options.namespace : 'default';
    const file = typeof options.file === 'string' ? options.file : '';
    const report = (error: unknown) => {
      const { exitCode, text } = toReport(error, options.verbose === true);
      io.stderr.write(`${text}\n`);
      return exitCode;
    };
    Object.assign(job, { namespace, file });

    // The allow-list comes first: a refused namespace is never rendered.
    if (!this.options.allowNamespace(namespace)) {
      this.options.log(`[api] refused deploy to namespace "${namespace}": not in the allow-list`);
      job.refused = 'refused (namespace not in the allow-list)';
      return report(new ValidationError(
        `namespace "${namespace}" is not in the allow-list of agent ${this.options.name} (${this.options.configPath}: kubernetes.namespaces: ${this.options.namespacePolicy})`,
        { fix: `deploy to an allowed namespace, or add "${namespace}" to kubernetes.namespaces in ${this.options.configPath} and restart the agent` },
      ));
    }

    let project: string;
    try {
      // The same rule as the CLI: the in-process lock key must be the engine's project.
      project = projectName({ file, cwd, ...(typeof options.name === 'string' && { name: options.name }) });
    } catch (error) {
      return report(error);
    }
    job.project = project;
    const progress = createLogger({ out: io.stderr, scope: `${this.options.name}/${namespace}`, env });
    const key = `${project}\u0000${namespace}`;
    const lockTimeoutS = typeof options.lockTimeout === 'number' ? options.lockTimeout : DEFAULT_LOCK_TIMEOUT_SECONDS;
    let releaseLock: (() => void) | undefined;
    let releaseSlot: (() => void) | undefined;
    try {
      if (this.locks.isHeld(key)) {
        job.state = 'waiting-for-lock';
        progress.info(`waiting for another deploy of ${project} to ${namespace} on agent ${this.options.name}`);
      }
      releaseLock = await this.locks.acquire(key, { timeoutMs: lockTimeoutS * 1000, signal });
      if (this.slots.active >= this.slots.limit || this.slots.queued > 0) {
        job.state = 'queued';
        progress.info(`waiting for a deploy slot on agent ${this.options.name} (${this.slots.active} running, limit ${this.slots.limit}, ${this.slots.queued} queued ahead)`);
      }
      releaseSlot = await this.slots.acquire(signal);
      job.state = 'running';
      // The engine re-checks the allow-list on every object (templates that hard-code a
      // namespace) and reuses the warm client.
      return await this.run(request, io, signal, {
        namespaceAllowed: this.options.allowNamespace,
        clusterScoped: { allowed: this.options.allowClusterScoped ?? (() => false), where: `${this.options.configPath}: kubernetes.clusterScopedKinds` },
        ...(this.options.cluster && { cluster: this.options.cluster }),
      });
    } catch (error) {
      if (error instanceof WaitTimeout) {
        return report(new LockError(`another deploy of ${project} to ${namespace} still runs on agent ${this.options.name} after ${lockTimeoutS}s`, {
          fix: 'wait for it to finish, or raise --lock-timeout',
        }));
      }
      if (error instanceof AbortedWait) return 1;
      throw error;
    } finally {
      releaseSlot?.();
      releaseLock?.();
    }
  }

  /** Stops listening and drops idle connections. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = `${JSON.stringify(value)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

function refuse(res: ServerResponse, status: number, refusal: Refusal): void {
  json(res, status, refusal);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        reject(new Error(`larger than ${maxBodyBytes} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
