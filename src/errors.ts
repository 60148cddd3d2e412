// One error module: every failure Eastern reports is an EasternError with an exit
// code, a one-line message that names the place, and an optional fix.

export const ExitCode = {
  ok: 0,
  failed: 1,
  timeout: 2,
  rolloutFailed: 3,
  usage: 64,
  /** Stopped by SIGINT (Ctrl-C): 128 + 2, as shells report it. */
  interrupted: 130,
  /** Stopped by SIGTERM (a Jenkins abort): 128 + 15. */
  terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorDetails {
  /** What the user can do about it; printed after the message. */
  fix?: string;
  /** Extra lines (include chain, API message, log tails) printed below. */
  details?: string[];
  cause?: unknown;
}

export class EasternError extends Error {
  readonly exitCode: ExitCode = ExitCode.failed;
  readonly fix: string | undefined;
  /** Extra lines printed below the message. (Not `details`: uvu's reporter expects that to be a string.) */
  readonly detailLines: string[];

  constructor(message: string, options: ErrorDetails = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.fix = options.fix;
    this.detailLines = options.details ?? [];
  }

  /** The full text printed on stderr. */
  describe(): string {
    const lines = [`error: ${this.message}`];
    for (const d of this.detailLines) lines.push(`  ${d}`);
    if (this.fix) lines.push(`fix: ${this.fix}`);
    return lines.join('\n');
  }
}

/** Wrong command line: unknown option, missing argument. */
export class UsageError extends EasternError {
  override readonly exitCode = ExitCode.usage;
}

/** A template could not be rendered (file:line is in the message). */
export class TemplateError extends EasternError {}

/** Input that is well-formed but not acceptable (agent file, manifest, option values). */
export class ValidationError extends EasternError {
  /** Problems as `field.path: message` when there are several. */
  readonly problems: string[];
  constructor(message: string, options: ErrorDetails & { problems?: string[] } = {}) {
    super(message, { ...options, details: [...(options.problems ?? []), ...(options.details ?? [])] });
    this.problems = options.problems ?? [];
  }
}

/** The cluster refused, was unreachable, or answered something unusable. */
export class ClusterError extends EasternError {}

/** Another deploy holds the lock and it did not free up in time. */
export class LockError extends EasternError {}

/** A rollout or job failed (exit 3). */
export class RolloutFailedError extends EasternError {
  override readonly exitCode = ExitCode.rolloutFailed;
}

/** A rollout or job did not finish before the timeout (exit 2). */
export class RolloutTimeoutError extends EasternError {
  override readonly exitCode = ExitCode.timeout;
}

/** Stopped by a signal: the lock was released and the outcome recorded; exit 130 (SIGINT) or 143 (SIGTERM). */
export class InterruptedError extends EasternError {
  override readonly exitCode: ExitCode;
  constructor(message: string, signal: 'SIGINT' | 'SIGTERM', options: ErrorDetails = {}) {
    super(message, options);
    this.exitCode = signal === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated;
  }
}

export function isEasternError(error: unknown): error is EasternError {
  return error instanceof EasternError;
}

/** Map anything thrown to (exit code, printable text). Internal errors keep their stack under --verbose. */
export function toReport(error: unknown, verbose = false): { exitCode: ExitCode; text: string } {
  if (isEasternError(error)) {
    const text = verbose && error.cause instanceof Error && error.cause.stack
      ? `${error.describe()}\ncaused by: ${error.cause.stack}`
      : error.describe();
    return { exitCode: error.exitCode, text };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  const text = verbose && e.stack
    ? `error: internal error: ${e.stack}`
    : `error: internal error: ${e.message}\nfix: run again with --verbose for the stack trace, and report it`;
  return { exitCode: ExitCode.failed, text };
}
