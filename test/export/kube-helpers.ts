// Helpers for the export and drift integration tests: kubectl and the built CLI
// against the local clusters (EASTERN_TEST_KUBECONFIG, contexts kube1 and kube2).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type Context = 'kube1' | 'kube2';

export function kubeconfig(): string {
  const file = process.env.EASTERN_TEST_KUBECONFIG;
  if (!file) {
    throw new Error('EASTERN_TEST_KUBECONFIG is not set: run the integration tier through `npm test` (or `npm run cluster:up` and set it to .cluster/kubeconfig)');
  }
  if (!existsSync(file)) throw new Error(`EASTERN_TEST_KUBECONFIG=${file} does not exist`);
  return file;
}

function kubectlPath(): string {
  const pinned = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
  return existsSync(pinned) ? pinned : 'kubectl';
}

export async function kubectl(context: Context, args: string[], input?: string): Promise<string> {
  const result = await execa(kubectlPath(), ['--kubeconfig', kubeconfig(), '--context', context, ...args], {
    reject: false, timeout: 90_000, ...(input !== undefined && { input }),
  });
  if (result.exitCode !== 0) throw new Error(`kubectl --context ${context} ${args.join(' ')} failed (${result.exitCode}):\n${result.stderr}`);
  return result.stdout;
}

export async function getJson(context: Context, args: string[]): Promise<any> {
  return JSON.parse(await kubectl(context, ['get', '-o', 'json', ...args]));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node bin/eastern …` with the test kubeconfig; the built CLI, as users run it. */
export async function eastern(args: string[], cwd = repoRoot): Promise<CliResult> {
  if (!existsSync(join(repoRoot, 'dist', 'bin', 'main.js'))) throw new Error('dist/bin/main.js is missing: run `npm run build` first (npm test does it)');
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env.EASTERN_AGENT;
  delete env.EASTERN_CONTEXT;
  const result = await execa('node', [join(repoRoot, 'bin', 'eastern'), ...args, '--kubeconfig', kubeconfig()], { cwd, env, reject: false, timeout: 180_000 });
  return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export function show(r: CliResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** A namespace name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

export async function createNamespace(context: Context, name: string): Promise<void> {
  await kubectl(context, ['create', 'namespace', name]);
}

export async function deleteNamespace(context: Context, name: string): Promise<void> {
  await kubectl(context, ['delete', 'namespace', name, '--wait=false', '--ignore-not-found']).catch(() => undefined);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns something truthy, or fails after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
