// Runs a build's command inside the agent, as the CLI would: the same engine
// functions (the deploy engine, the template renderer), the same error report and
// exit code, with io streamed to the caller.
import { toReport } from '../errors.js';
import type { Io } from '../output/logger.js';
import type { AgentCommand } from './protocol.js';

export async function runCommand(command: AgentCommand, options: Record<string, unknown>, io: Io): Promise<number> {
  try {
    if (command === 'deploy') {
      const { deployTemplate } = await import('../deploy/run.js');
      return await deployTemplate({ ...(options as unknown as Parameters<typeof deployTemplate>[0]), io });
    }
    const { generate } = await import('../template/generate.js');
    io.stdout.write(generate({ ...(options as unknown as Parameters<typeof generate>[0]), onWarning: (m) => io.stderr.write(`warning: ${m}\n`) }));
    return 0;
  } catch (error) {
    const { exitCode, text } = toReport(error, options.verbose === true);
    io.stderr.write(`${text}\n`);
    return exitCode;
  }
}
