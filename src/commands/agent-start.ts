// `eastern agent start --config agents/X.yaml`: runs until SIGTERM/SIGINT, then
// drains (running deploys finish within agent.drainGraceSeconds), stops the Swarm
// client and exits 0. A second signal stops waiting. SIGHUP rewrites the labels file.
// An unreachable cluster at start is exit 1 at once: systemd (Restart=on-failure)
// or the Kubernetes Deployment restarts the agent, which then checks again.
import { processIo, type Io } from '../output/logger.js';
import { startAgent, type StartAgentOptions } from '../agent/runtime.js';

export interface AgentStartOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  config: string;
  context?: string;
  kubeconfig?: string;
  io?: Io;
  /** Tests inject timings; the CLI never sets it. */
  overrides?: Partial<StartAgentOptions>;
}

export async function run(options: AgentStartOptions): Promise<number> {
  const io = options.io ?? processIo;
  const agent = await startAgent({
    config: options.config,
    cwd: options.cwd,
    env: options.env,
    context: options.context,
    kubeconfig: options.kubeconfig,
    log: (line) => void io.stderr.write(`${line}\n`),
    ...options.overrides,
  });
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals === 1) {
        agent.shutdown(`${signal} received`).then((code) => {
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          process.off('SIGHUP', onHup);
          resolve(code);
        });
      } else {
        io.stderr.write(`[agent] ${signal} again: not waiting for running deploys any longer\n`);
        agent.hurry();
      }
    };
    const onHup = () => agent.reloadLabels();
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    process.on('SIGHUP', onHup);
  });
}
