// What several commands share and only a command needs: signal handling of a
// terminal process, and --edit (which needs a terminal). Commands do not import
// each other; they import this.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EasternError, InterruptedError, UsageError } from '../errors.js';
import type { Logger } from '../output/logger.js';
import { manifestFromText, type ManifestInput } from '../deploy/manifest.js';

/**
 * SIGINT/SIGTERM abort the work cleanly (`what` says what happens then: the lock is
 * released and the outcome recorded, or the job is deleted); a second one exits at once.
 */
export function interruptSignal(logger: Logger, what: string, noun = 'deploy'): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(sig === 'SIGINT' ? 130 : 143);
    logger.warn(`${sig} received: ${what} (send again to exit at once)`);
    controller.abort(new InterruptedError(`${noun} interrupted by ${sig}`, sig === 'SIGINT' ? 'SIGINT' : 'SIGTERM'));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

export interface EditOptions {
  cwd: string;
  /** Injected by tests; defaults to process.stdin.isTTY. */
  stdinIsTTY?: boolean;
}

/**
 * --edit (deploy and job): the rendered manifest in $VISUAL/$EDITOR before anything
 * is sent; only on a terminal. Locations in an edited manifest read "edited manifest:N".
 */
export async function editManifest(manifest: ManifestInput, options: EditOptions, env: NodeJS.ProcessEnv): Promise<ManifestInput> {
  const tty = options.stdinIsTTY ?? process.stdin.isTTY === true;
  if (!tty) {
    throw new UsageError('--edit needs a terminal on stdin, and this one is not (CI, pipe or Jenkins)', { fix: 'drop --edit in scripts; change the template or pass -s KEY=VALUE instead' });
  }
  const dir = mkdtempSync(join(tmpdir(), 'eastern-edit-'));
  const file = join(dir, 'manifest.yaml');
  try {
    writeFileSync(file, manifest.text);
    const editor = env.VISUAL || env.EDITOR || 'vi';
    const { execa } = await import('execa');
    const result = await execa(`${editor} "${file}"`, { shell: true, stdio: 'inherit', reject: false });
    if (result.exitCode !== 0) throw new EasternError(`the editor (${editor}) exited with code ${result.exitCode}; nothing was deployed`);
    const text = readFileSync(file, 'utf8');
    return text === manifest.text ? manifest : manifestFromText(text, 'edited manifest', options.cwd, manifest.secretValues);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
