// `eastern library generate [--agents DIR] [--out DIR] [--check]`: writes (or checks)
// vars/ and resources/ of the Jenkins shared library from the fleet in agents/.
import { resolve } from 'node:path';
import { loadFleet } from '../fleet/load.js';
import { EasternError } from '../errors.js';
import { generateLibrary, loadTemplates } from '../library/generate.js';
import { writeOrCheck } from '../library/write.js';
import { processIo, type Io } from '../output/logger.js';

export interface LibraryGenerateOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  io?: Io;
  /** Fleet folder (default `agents`). */
  agents?: string;
  /** Library root to write into (default `.`). */
  out?: string;
  check?: boolean;
  /** Template folder (default: src/library/templates of this package); for tests. */
  templates?: string;
}

const describeKind = { missing: 'missing', stale: 'out of date', orphan: 'no longer generated' } as const;

export async function run(options: LibraryGenerateOptions): Promise<number> {
  const io = options.io ?? processIo;
  const agentsDir = options.agents ?? 'agents';
  const out = options.out ?? '.';
  const agents = loadFleet(agentsDir, { cwd: options.cwd });
  const files = generateLibrary(agents, loadTemplates(options.templates));
  const { changes, unchanged } = writeOrCheck(files, resolve(options.cwd, out), { check: options.check ?? false });

  const command = ['eastern library generate', ...(agentsDir !== 'agents' ? ['--agents', agentsDir] : []), ...(out !== '.' ? ['--out', out] : [])].join(' ');
  if (options.check) {
    if (changes.length === 0) {
      io.stderr.write(`library is up to date: ${unchanged.length} files match ${agentsDir}/ (${agents.length} agents)\n`);
      return 0;
    }
    for (const change of changes) io.stdout.write(change.diff);
    throw new EasternError(
      `the generated library is stale: ${changes.map((c) => `${c.path} (${describeKind[c.kind]})`).join(', ')}`,
      { fix: `run \`${command}\` and commit vars/ and resources/` },
    );
  }
  for (const change of changes) {
    io.stderr.write(`${change.kind === 'orphan' ? 'removed' : 'wrote'} ${change.path}\n`);
  }
  io.stderr.write(`${changes.length} files written, ${unchanged.length} unchanged (${agents.length} agents)\n`);
  return 0;
}
