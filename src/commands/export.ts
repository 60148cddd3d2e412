// Placeholder until this command lands; the CLI definition in src/cli/main.ts is final.
import { EasternError } from '../errors.js';

export async function run(_options: Record<string, unknown>): Promise<number> {
  throw new EasternError('"export" is not available in this build yet');
}
