// `eastern agent start`, as a function: validate the agent file, check the cluster,
// open the local API, write the labels file, supervise the Swarm client; and the
// drain that SIGTERM triggers. Each step fails with a message naming its cause.
import { accessSync, chownSync, constants, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { delimiter, dirname, join, resolve } from 'node:path';
import { kubeConfigSources } from '../kube/kubeconfig.js';
import { canStartAs, readableBy, resolveBuildUser } from './build-user.js';
import { EasternError, ValidationError } from '../errors.js';
import { displayPath } from '../template/location.js';
import type { BackoffTimings } from './backoff.js';
import { checkCluster, connectCluster, type AgentCluster, type ClusterProbe } from './cluster.js';
import { runCommand as defaultRunCommand } from './commands.js';
import { writeLabelsFile } from './labels-file.js';
import { literalNamespaces } from './manifest.js';
import { AgentServer, type CommandRunner } from './server.js';
import { clusterScopedKindAllowed, labelsFor, namespaceAllowed, parseAgent, type AgentDefinition } from '../fleet/schema.js';
import { resolveSettings, type AgentSettings } from './settings.js';
import { listenPrivate, newToken, preparePrivateDir, writeToken } from './socket.js';
import { Supervisor } from './supervisor.js';
import { displayCommand, swarmCommand } from './swarm-command.js';
import { missingNotifyEnv } from '../fleet/notify.js';
import type { RunningWatch } from '../watch/start.js';

export interface StartAgentOptions {
  /** The agent file, as given (relative to cwd). */
  config: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** One call per log line (default: stderr). */
  log?: (line: string) => void;
  context?: string | undefined;
  kubeconfig?: string | undefined;
  home?: string;
  /** Injected by tests: restart delays and the SIGTERM→SIGKILL wait of the Swarm client. */
  backoff?: BackoffTimings;
  stopTimeoutMs?: number;
  /** Injected by tests: how the cluster is reached, how commands run. */
  connect?: (settings: AgentSettings) => Promise<ClusterProbe>;
  runCommand?: CommandRunner;
}

export interface RunningAgent {
  agent: AgentDefinition;
  /** The watchman, when the agent file has a notify: section. */
  watch: RunningWatch | undefined;
  settings: AgentSettings;
  cluster: AgentCluster;
  server: AgentServer;
  supervisor: Supervisor;
  /** Drains and stops everything; resolves with the exit code (0, or 1 when deploys outlived the grace period). */
  shutdown(reason: string): Promise<number>;
  /** Stops waiting for running deploys (a second signal). */
  hurry(): void;
  /** Re-reads the agent file and rewrites the labels file (SIGHUP). */
  reloadLabels(): void;
}

export function loadAgentFile(config: string, cwd: string): AgentDefinition {
  const path = resolve(cwd, config);
  const shown = displayPath(path, cwd);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ValidationError(`${shown}: cannot read the agent file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
      cause: error,
      fix: 'pass --config agents/<name>.yaml from the library checkout',
    });
  }
  return parseAgent(text, shown);
}

function onPath(command: string, env: NodeJS.ProcessEnv, cwd: string): boolean {
  const executable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (command.includes('/')) return executable(resolve(cwd, command));
  return (env.PATH ?? '').split(delimiter).filter(Boolean).some((dir) => executable(join(dir, command)));
}

/** What must hold before anything starts: secrets present, the Swarm client runnable, builds kept from the credentials. */
async function checkHost(agent: AgentDefinition, settings: AgentSettings, cwd: string, env: NodeJS.ProcessEnv, userProblems: readonly string[]): Promise<void> {
  const problems: string[] = [...userProblems];
  const sidecar = agent.swarm.runBy === 'sidecar';
  if (!sidecar && !env[agent.jenkins.passwordEnv]) {
    problems.push(`jenkins.passwordEnv: $${agent.jenkins.passwordEnv} is not set in the agent's environment — fix: export it (systemd: EnvironmentFile=; Kubernetes: a Secret in env)`);
  }
  if (settings.listen && (env[settings.listen.tokenEnv] ?? '').length < 16) {
    problems.push(`agent.tokenEnv: $${settings.listen.tokenEnv} must hold a token of at least 16 characters for agent.listen — fix: export ${settings.listen.tokenEnv}=$(openssl rand -hex 32)`);
  }
  if (!sidecar && !existsSync(resolve(cwd, agent.swarm.jar))) {
    problems.push(`swarm.jar: ${agent.swarm.jar} does not exist — fix: download it from your Jenkins (<jenkins.url>/swarm/swarm-client.jar) or correct the path`);
  }
  if (!sidecar && !onPath(agent.swarm.java, env, cwd)) {
    problems.push(`swarm.java: "${agent.swarm.java}" is not an executable${agent.swarm.java.includes('/') ? '' : ' on PATH'} — fix: install a Java runtime or set swarm.java to its full path`);
  }
  if (agent.notify) problems.push(...missingNotifyEnv(agent.notify, env));
  const user = settings.buildUser;
  if (user) {
    const refused = await canStartAs(user);
    if (refused) {
      problems.push(`swarm.user: this agent (uid ${process.getuid?.()}) cannot start processes as ${user.name} (uid ${user.uid}): ${refused} — fix: run the agent as root, or give it CAP_SETUID, CAP_SETGID and CAP_CHOWN (systemd: AmbientCapabilities=)`);
    }
    const sources = kubeConfigSources({ cwd, env, ...(settings.kubeconfig !== undefined && { kubeconfig: settings.kubeconfig }) });
    for (const file of Array.isArray(sources) ? sources : []) {
      if (readableBy(file, user)) {
        problems.push(`kubernetes: the kubeconfig ${file} is readable by the build user ${user.name}, so builds could use this agent's cluster credentials — fix: chmod 600 ${file} (owned by the agent's user) and keep it out of the build user's reach`);
      }
    }
  }
  if (problems.length > 0) {
    throw new ValidationError(`${agent.file}: the agent cannot start on this host`, { problems, fix: 'correct the items above and start the agent again' });
  }
}

/** The Swarm client's work folder: created, and given to the build user when there is one. */
function prepareWorkDir(settings: AgentSettings): void {
  const first = mkdirSync(settings.workDir, { recursive: true });
  const user = settings.buildUser;
  if (!user) return;
  // Hand over what was just created (and the folder itself), never what existed above it.
  const stop = first ? dirname(first) : dirname(settings.workDir);
  for (let dir = settings.workDir; dir !== stop && dir !== dirname(dir); dir = dirname(dir)) chownSync(dir, user.uid, user.gid);
}

async function listenTcp(server: Server, host: string, port: number, what: string): Promise<void> {
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new EasternError(`cannot listen on ${host}:${port} for ${what}: ${error.code ?? error.message}`, { cause: error, fix: 'choose another port in the agent file, or stop what uses it' })),
    );
    server.listen(port, host, () => resolveListen());
  });
}

export async function startAgent(options: StartAgentOptions): Promise<RunningAgent> {
  const { cwd, env } = options;
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const agent = loadAgentFile(options.config, cwd);
  const buildUser = await resolveBuildUser(agent);
  const sidecar = agent.swarm.runBy === 'sidecar';
  const settings = resolveSettings(agent, {
    cwd,
    env,
    context: options.context,
    kubeconfig: options.kubeconfig,
    ...(options.home !== undefined && { home: options.home }),
    buildUser: buildUser.user,
    // In a pod the Swarm client runs in another container that shares the socket folder through the pod's group.
    sidecarGroup: sidecar ? process.getgid?.() : undefined,
  });
  await checkHost(agent, settings, cwd, env, buildUser.problems);
  const command = swarmCommand(agent, settings, env);

  const probe = await (options.connect ?? ((s: AgentSettings) => connectCluster(s, cwd, env)))(settings);
  const cluster = await checkCluster(probe, settings);
  log(`[agent] ${agent.file}: cluster ${agent.name} answers: Kubernetes ${cluster.info.version ?? '(version unknown)'} at ${cluster.info.server} (context ${cluster.info.context})`);

  const supervisor = new Supervisor({
    command,
    log,
    secrets: [env[agent.jenkins.passwordEnv] ?? '', settings.listen ? env[settings.listen.tokenEnv] ?? '' : ''],
    ...(options.backoff && { backoff: options.backoff }),
    ...(options.stopTimeoutMs !== undefined && { stopTimeoutMs: options.stopTimeoutMs }),
  });
  const token = settings.listen ? (env[settings.listen.tokenEnv] as string) : newToken();
  const server = new AgentServer({
    name: agent.name,
    configPath: agent.file,
    token,
    allowNamespace: (ns) => namespaceAllowed(agent.kubernetes.namespaces, ns),
    namespacePolicy: agent.kubernetes.namespaces.join(', '),
    allowClusterScoped: (group, kind) => clusterScopedKindAllowed(agent.kubernetes.clusterScopedKinds, group, kind),
    swarmSupervised: !sidecar,
    maxDeploys: settings.maxDeploys,
    runCommand: options.runCommand ?? defaultRunCommand,
    clusterHealth: () => cluster.health(),
    swarmState: () => supervisor.state(),
    log,
    ...(probe.client && { cluster: probe.client }),
  });
  let health: Server | undefined;
  let ownSocket = false;
  let watch: RunningWatch | undefined;
  const cleanup = async () => {
    await watch?.stop().catch(() => undefined);
    await server.close().catch(() => undefined);
    probe.client?.close();
    if (health) await new Promise((r) => health?.close(r));
    // Never remove a socket that belongs to another agent (claimSocketPath refused it).
    if (settings.socket && ownSocket) {
      rmSync(settings.socket.path, { force: true });
      rmSync(settings.socket.tokenPath, { force: true });
    }
    rmSync(settings.labelsPath, { force: true });
  };

  try {
    preparePrivateDir(settings.stateDir, 'agent.socket', settings.socketGroup);
    if (settings.socket) {
      await listenPrivate(server.http, settings.socket.path, settings.socketGroup);
      ownSocket = true;
      writeToken(settings.socket.tokenPath, token, settings.socketGroup);
      const access = settings.socketGroup === undefined ? 'mode 0600' : `mode 0660, group ${settings.socketGroup}`;
      log(`[agent] local API on ${settings.socket.path} (${access}; token in ${settings.socket.tokenPath})`);
    } else if (settings.listen) {
      await listenTcp(server.http, settings.listen.host, settings.listen.port, 'the local API (agent.listen)');
      log(`[agent] local API on ${settings.endpoint} (token from $${settings.listen.tokenEnv})`);
    }
    if (settings.health) {
      health = createServer(server.probeHandler());
      await listenTcp(health, settings.health.host, settings.health.port, '/healthz and /readyz (agent.health)');
      log(`[agent] health probes on http://${settings.health.host}:${settings.health.port}/healthz and /readyz`);
    }
    prepareWorkDir(settings);
    writeLabelsFile(settings.labelsPath, labelsFor(agent));
    log(`[agent] labels (${settings.labelsPath}): ${labelsFor(agent).join(' ')}`);
    if (agent.notify && probe.client) {
      const literal = literalNamespaces(agent.kubernetes.namespaces);
      const { startWatch } = await import('../watch/start.js');
      watch = await startWatch({
        client: probe.client,
        cluster: agent.name,
        environments: agent.environments,
        // Literal namespaces get per-namespace RoleBindings (eastern agent manifest): watch each one.
        ...(literal && { namespaces: literal }),
        namespaceAllowed: (ns) => namespaceAllowed(agent.kubernetes.namespaces, ns),
        notify: agent.notify,
        env,
        log,
      });
    }
  } catch (error) {
    await cleanup();
    throw error;
  }

  if (sidecar) {
    log('[agent] the Swarm client runs in its own container (swarm.runBy: sidecar); this agent serves the local API only');
  } else {
    if (agent.swarm.sameUser) log('[agent] warning: builds run as this agent\'s own OS user (swarm.sameUser: true): they can read its cluster credentials and the Jenkins password; set swarm.user to keep them out');
    log(`[agent] starting the Swarm client: ${displayCommand(command)}`);
    supervisor.start();
  }

  let hurry: () => void = () => {};
  const hurried = new Promise<false>((r) => (hurry = () => r(false)));
  let stopping: Promise<number> | undefined;
  const shutdown = (reason: string) =>
    (stopping ??= (async () => {
      server.stopAccepting();
      const jobs = server.jobList();
      log(`[agent] ${reason}: taking no new work${jobs.length ? `; waiting up to ${settings.drainMs / 1000}s for ${jobs.length} running command(s)` : ''}`);
      for (const job of jobs) log(`[agent]   ${job.command}${job.project ? ` ${job.project} → ${job.namespace}` : ''} (${job.state}, since ${job.startedAt})`);
      const finished = await Promise.race([server.waitIdle(settings.drainMs), hurried]);
      const left = server.jobList();
      if (!finished && left.length > 0) {
        log(`[agent] warning: stopping with ${left.length} command(s) still running: ${left.map((j) => `${j.command} ${j.project ?? ''} → ${j.namespace ?? ''}`.trim()).join(', ')}; their cluster lock expires on its own`);
      }
      await supervisor.stop();
      await cleanup();
      log('[agent] stopped');
      return finished || left.length === 0 ? 0 : 1;
    })());

  const reloadLabels = () => {
    try {
      const fresh = loadAgentFile(options.config, cwd);
      writeLabelsFile(settings.labelsPath, labelsFor(fresh));
      log(`[agent] labels reloaded: ${labelsFor(fresh).join(' ')} (other changes need a restart)`);
    } catch (error) {
      log(`[agent] warning: labels not reloaded: ${error instanceof EasternError ? error.describe() : String(error)}`);
    }
  };

  log(`[agent] agent ${agent.name} running: environments ${agent.environments.join(', ')}; namespaces ${agent.kubernetes.namespaces.join(', ')}; at most ${settings.maxDeploys} deploy(s) at once`);
  return { agent, watch, settings, cluster, server, supervisor, shutdown, hurry: () => hurry(), reloadLabels };
}
