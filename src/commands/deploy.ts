// `eastern deploy FILE [NAMESPACE]` (Python eastern compatible): the deploy engine
// (src/deploy/run.ts) with what only a terminal process has: signal handling and --edit.
import { createLogger, processIo, type Io } from '../output/logger.js';
import type { DeployTemplateOptions } from '../deploy/run.js';
import { editManifest, interruptSignal } from './shared.js';

export interface DeployCommandOptions extends Omit<DeployTemplateOptions, 'io' | 'edit'> {
  io?: Io;
  edit?: boolean;
  /** Injected by tests; defaults to process.stdin.isTTY. */
  stdinIsTTY?: boolean;
}

export async function run(options: DeployCommandOptions): Promise<number> {
  const io = options.io ?? processIo;
  const env = options.env ?? process.env;
  const { deployTemplate } = await import('../deploy/run.js');
  const interrupt = options.signal || options.dryRun
    ? undefined
    : interruptSignal(createLogger({ out: io.stderr, verbose: false, env }), 'stopping, releasing the lock and recording the outcome');
  const { edit, stdinIsTTY, ...rest } = options;
  try {
    return await deployTemplate({
      ...rest,
      io,
      ...((options.signal ?? interrupt?.signal) && { signal: (options.signal ?? interrupt?.signal)! }),
      ...(edit && { edit: (m) => editManifest(m, { cwd: options.cwd, ...(stdinIsTTY !== undefined && { stdinIsTTY }) }, env) }),
    });
  } finally {
    interrupt?.dispose();
  }
}
