// Progress lines for build logs: one line per event, prefixed with the elapsed time
// and [cluster/namespace]. No cursor movement; colour only on a TTY or FORCE_COLOR,
// and NO_COLOR always wins.

export interface Writer {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Io {
  stdout: Writer;
  stderr: Writer;
}

export const processIo: Io = { stdout: process.stdout, stderr: process.stderr };

export type Level = 'info' | 'warn' | 'error' | 'debug';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Printed only with --verbose; a function is called only then (for costly messages). */
  debug(message: string | (() => string)): void;
  /** A logger with another [cluster/namespace] scope, sharing the clock. */
  scoped(scope: string): Logger;
}

export interface LoggerOptions {
  out: Writer;
  scope?: string;
  verbose?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Milliseconds since an arbitrary origin; injected by tests. */
  now?: () => number;
  start?: number;
}

const colours: Record<Level, [string, string]> = {
  info: ['', ''],
  warn: ['\u001b[33m', '\u001b[39m'],
  error: ['\u001b[31m', '\u001b[39m'],
  debug: ['\u001b[90m', '\u001b[39m'],
};

export function useColour(out: Writer, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return out.isTTY === true;
}

export function createLogger(options: LoggerOptions): Logger {
  const now = options.now ?? (() => performance.now());
  const start = options.start ?? now();
  const colour = useColour(options.out, options.env);
  const line = (level: Level, message: string) => {
    if (level === 'debug' && !options.verbose) return;
    const elapsed = ((now() - start) / 1000).toFixed(1).padStart(6);
    const scope = options.scope ? ` [${options.scope}]` : '';
    const [open, close] = colour ? colours[level] : ['', ''];
    const label = level === 'warn' ? 'warning: ' : level === 'error' ? 'error: ' : '';
    for (const text of message.split('\n')) {
      options.out.write(`${elapsed}s${scope} ${open}${label}${text}${close}\n`);
    }
  };
  return {
    info: (m) => line('info', m),
    warn: (m) => line('warn', m),
    error: (m) => line('error', m),
    debug: (m) => {
      if (options.verbose) line('debug', typeof m === 'function' ? m() : m);
    },
    scoped: (scope) => createLogger({ ...options, scope, start }),
  };
}
