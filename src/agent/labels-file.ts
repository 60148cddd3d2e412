// The Swarm client's -labelsFile: labels separated by spaces (schema.ts labelsFor
// decides which). The client re-reads it, so it is replaced atomically (write a
// sibling, then rename) and never seen half-written.
import { renameSync, rmSync, writeFileSync } from 'node:fs';

export function formatLabels(labels: readonly string[]): string {
  return `${labels.join(' ')}\n`;
}

export function writeLabelsFile(path: string, labels: readonly string[]): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, formatLabels(labels), { mode: 0o644 });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
