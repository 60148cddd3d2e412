// `eastern generate FILE [NAMESPACE]` (Python eastern compatible) and
// `eastern render -f A -f B [-n NS]`: the YAML on stdout, warnings on stderr.
import { processIo, type Io } from '../output/logger.js';
import { generate, type GenerateOptions } from '../template/generate.js';

export interface GenerateCommandOptions extends Omit<GenerateOptions, 'onWarning'> {
  io?: Io;
}

export async function run(options: GenerateCommandOptions): Promise<number> {
  const io = options.io ?? processIo;
  io.stdout.write(generate({ ...options, onWarning: (message) => io.stderr.write(`warning: ${message}\n`) }));
  return 0;
}
