// The Swarm client's -labelsFile: labels separated by spaces. The client re-reads
// it, so it is replaced atomically (write a sibling, then rename) and never seen
// half-written.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import type { AgentFile } from './settings.js';

/** eastern, eastern-cluster-<name>, eastern-env-<environment> for each environment. */
export function agentLabels(file: Pick<AgentFile, 'name' | 'environments'>): string[] {
  const labels = ['eastern', `eastern-cluster-${file.name}`, ...file.environments.map((env) => `eastern-env-${env}`)];
  return [...new Set(labels)];
}

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
