// The local API, shared by the agent (server.ts) and the CLI inside builds (client.ts).
//
//   POST /render   {command: "generate"|"render", options, cwd, env, tty}
//   POST /deploy   {command: "deploy", options, cwd, env, tty}
//        → 200 application/x-ndjson, one frame per line, in output order:
//          {"stderr": "…"} | {"stdout": "…"} … then exactly one {"exit": N}
//   GET  /status   running and queued deploys, Swarm client, cluster (JSON)
//   GET  /healthz  the process answers (no token needed)
//   GET  /readyz   cluster reachable and Swarm client connected, else 503 (no token needed)
// Every other request needs `Authorization: Bearer <token>` (the token file next to the
// socket). Refusals before any work: 401 (token), 400 (body), 404/405, 503 (draining),
// with a JSON body {error, fix}.

export type AgentCommand = 'generate' | 'render' | 'deploy';

export interface CommandRequest {
  command: AgentCommand;
  /** The parsed command-line options, as src/cli/main.ts passes them to run(). */
  options: Record<string, unknown>;
  /** The build's working directory: templates are read relative to it. */
  cwd: string;
  /** The build's environment (same user as the agent): BUILD_URL, EASTERN_ENVIRONMENT, colour rules… */
  env: Record<string, string>;
  tty: { stdout: boolean; stderr: boolean };
}

export type Frame = { stdout: string } | { stderr: string } | { exit: number };

export interface Refusal {
  error: string;
  fix?: string;
}

export const routes: Record<string, readonly AgentCommand[]> = {
  '/render': ['generate', 'render'],
  '/deploy': ['deploy'],
};

/** Checks an untrusted request body; returns the problem, or the request. */
export function parseCommandRequest(body: unknown, path: string): CommandRequest | string {
  if (typeof body !== 'object' || body === null) return 'the body must be a JSON object';
  const b = body as Record<string, unknown>;
  const allowed = routes[path] ?? [];
  if (typeof b.command !== 'string' || !allowed.includes(b.command as AgentCommand)) {
    return `command must be one of ${allowed.join(', ')} on ${path}`;
  }
  if (typeof b.options !== 'object' || b.options === null || Array.isArray(b.options)) return 'options must be an object';
  if (typeof b.cwd !== 'string' || !b.cwd.startsWith('/')) return 'cwd must be an absolute path';
  if (typeof b.env !== 'object' || b.env === null || Object.values(b.env).some((v) => typeof v !== 'string')) {
    return 'env must be an object of strings';
  }
  const tty = (b.tty ?? {}) as Record<string, unknown>;
  return {
    command: b.command as AgentCommand,
    options: b.options as Record<string, unknown>,
    cwd: b.cwd,
    env: b.env as Record<string, string>,
    tty: { stdout: tty.stdout === true, stderr: tty.stderr === true },
  };
}
