// Runs a CLI command inside the agent exactly as src/cli/main.ts would: the same
// run() function, the same error report and exit code, with io streamed to the caller.
import { toReport } from '../errors.js';
import type { Io } from '../output/logger.js';
import type { AgentCommand } from './protocol.js';

type CommandModule = { run(options: Record<string, unknown>): Promise<number | void> };

function load(command: AgentCommand): Promise<CommandModule> {
  return command === 'deploy'
    ? (import('../commands/deploy.js') as unknown as Promise<CommandModule>)
    : (import('../commands/generate.js') as unknown as Promise<CommandModule>);
}

export async function runCommand(command: AgentCommand, options: Record<string, unknown>, io: Io): Promise<number> {
  try {
    const mod = await load(command);
    const code = await mod.run({ ...options, io });
    return typeof code === 'number' ? code : 0;
  } catch (error) {
    const { exitCode, text } = toReport(error, options.verbose === true);
    io.stderr.write(`${text}\n`);
    return exitCode;
  }
}
