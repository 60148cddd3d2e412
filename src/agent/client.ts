// The CLI side of the local API: inside a build on an agent node (EASTERN_AGENT set:
// a socket path, or http://127.0.0.1:PORT when the agent uses agent.listen),
// `eastern deploy|generate|render` send their parsed options to the agent and replay
// its frames, so output and exit code are those of a standalone run. Returns
// undefined when the command should run standalone instead (a render while the
// agent does not answer, options the agent cannot serve). A deploy never falls back
// to standalone when the agent does not answer: in a build, the agent is the way to
// the cluster (its credentials are not the build's to use).
import { request } from 'node:http';
import { resolve } from 'node:path';
import { processIo, type Io } from '../output/logger.js';
import type { AgentCommand, CommandRequest, Frame, Refusal } from './protocol.js';
import { readToken } from './socket.js';
import { agentTokenVariable, tokenPathFor } from './settings.js';

export const agentCommands: ReadonlySet<string> = new Set<AgentCommand>(['generate', 'render', 'deploy']);

export interface ClientOptions extends Record<string, unknown> {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Why the agent cannot serve these options (so the command runs standalone), if it cannot. */
export function standaloneReason(options: ClientOptions): string | undefined {
  const env = options.env;
  if (options.edit === true) return '--edit needs this terminal';
  if (typeof options.context === 'string' && options.context !== env.EASTERN_CONTEXT) return `--context ${options.context} is not the agent's cluster`;
  if (typeof options.kubeconfig === 'string' && resolve(options.cwd, options.kubeconfig) !== env.KUBECONFIG) return '--kubeconfig is not the agent\'s';
  return undefined;
}

function tokenFromEnv(env: NodeJS.ProcessEnv): string {
  const token = env[agentTokenVariable];
  if (!token) throw new Error(`$${agentTokenVariable} is not set`);
  return token;
}

export async function runViaAgent(command: string, options: ClientOptions, io: Io = processIo): Promise<number | undefined> {
  const endpoint = options.env.EASTERN_AGENT;
  if (!endpoint || !agentCommands.has(command)) return undefined;
  if (standaloneReason(options) !== undefined) return undefined;
  const warnStandalone = (why: string) => {
    if (command === 'deploy') {
      io.stderr.write(`error: the eastern agent at ${endpoint} ${why}, and a deploy in a build goes through its agent\nfix: check the agent on this node (systemctl status eastern-agent@<name>, or its pod), then run the build again\n`);
      return 1;
    }
    io.stderr.write(`warning: the eastern agent at ${endpoint} ${why}; running standalone\n`);
    return undefined;
  };
  const tcp = /^http:\/\//.test(endpoint) ? new URL(endpoint) : undefined;
  let token: string;
  try {
    token = tcp ? tokenFromEnv(options.env) : readToken(tokenPathFor(endpoint));
  } catch (error) {
    return warnStandalone(`has no readable token (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const target = tcp ? { host: tcp.hostname.replace(/^\[|\]$/g, ''), port: Number(tcp.port) } : { socketPath: endpoint };

  const { cwd, env, ...rest } = options;
  const forwardedEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) forwardedEnv[key] = value;
  const body: CommandRequest = {
    command: command as AgentCommand,
    options: rest,
    cwd,
    env: forwardedEnv,
    tty: { stdout: io.stdout.isTTY === true, stderr: io.stderr.isTTY === true },
  };
  const path = command === 'deploy' ? '/deploy' : '/render';

  return new Promise<number | undefined>((settle) => {
    let settled = false;
    let responded = false;
    const done = (code: number | undefined) => {
      if (settled) return;
      settled = true;
      settle(code);
    };
    const req = request(
      { ...target, path, method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
      (res) => {
        responded = true;
        res.setEncoding('utf8');
        if (res.statusCode !== 200) {
          let text = '';
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            let refusal: Refusal;
            try {
              refusal = JSON.parse(text) as Refusal;
            } catch {
              refusal = { error: `HTTP ${res.statusCode}: ${text.trim()}` };
            }
            // A draining agent may still render: rendering standalone changes nothing.
            if (res.statusCode === 503 && command !== 'deploy') return done(warnStandalone(`refused: ${refusal.error}`));
            io.stderr.write(`error: the eastern agent at ${endpoint} refused the ${command}: ${refusal.error}\n${refusal.fix ? `fix: ${refusal.fix}\n` : ''}`);
            done(1);
          });
          return;
        }
        let pending = '';
        let exit: number | undefined;
        res.on('data', (chunk: string) => {
          pending += chunk;
          let newline: number;
          while ((newline = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, newline);
            pending = pending.slice(newline + 1);
            if (line === '') continue;
            const frame = JSON.parse(line) as Frame;
            if ('stdout' in frame) io.stdout.write(frame.stdout);
            else if ('stderr' in frame) io.stderr.write(frame.stderr);
            else if ('exit' in frame) exit = frame.exit;
          }
        });
        const finish = () => {
          if (exit !== undefined) return done(exit);
          io.stderr.write(`error: the eastern agent at ${endpoint} stopped before the ${command} finished\nfix: see the agent's log; the cluster lock frees itself when its renewal deadline passes\n`);
          done(1);
        };
        // 'close' also comes when the agent dies mid-stream, where 'end' does not.
        res.on('close', finish);
        res.on('error', () => {});
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (responded) return;
      // No answer at all, so nothing was done for this request: a render may run standalone.
      done(warnStandalone(`does not answer (${error.code ?? error.message})`));
    });
    req.end(JSON.stringify(body));
  });
}
