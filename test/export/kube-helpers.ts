// Helpers for the export and drift integration tests: the built CLI, and objects
// written and read through Eastern's access layer (no kubectl needed), against the
// local clusters (EASTERN_TEST_KUBECONFIG, contexts kube1 and kube2).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import yaml from 'js-yaml';
import { canonical } from '../../src/deploy/fingerprint.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { KUBERNETES_SCHEMA } from '../../src/template/yaml-schema.js';
import { client, get } from '../kube/helpers.js';

export { createNamespace, deleteNamespace } from '../kube/helpers.js';

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

/** The live object as the API server returns it; an error naming it when it does not exist. */
export async function getObject(context: Context, apiVersion: string, kind: string, namespace: string, name: string): Promise<any> {
  const live = await get(context, apiVersion, kind, namespace, name);
  if (!live) throw new Error(`${context}: ${kind} ${namespace}/${name} does not exist`);
  return live;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * A manifest file into a new namespace as a first `kubectl apply -f` (client-side)
 * puts it there (seen with -v=8 on kubectl 1.33): the file read with YAML 1.1 rules,
 * each object created with the namespace set, its JSON with sorted keys in the
 * last-applied-configuration annotation, and the field manager
 * kubectl-client-side-apply. Objects that already exist are an error, not patched.
 */
export async function createLikeKubectlApply(context: Context, namespace: string, file: string): Promise<void> {
  const c = await client(context);
  for (const doc of yaml.loadAll(readFileSync(file, 'utf8'), undefined, { schema: KUBERNETES_SCHEMA })) {
    if (!doc) continue;
    const object = doc as KubeObject;
    const metadata = { ...object.metadata, namespace, annotations: { ...object.metadata.annotations } };
    const applied = canonical({ ...object, metadata });
    const body = { ...object, metadata: { ...metadata, annotations: { ...metadata.annotations, [LAST_APPLIED]: `${applied}\n` } } };
    const { path } = await c.collection(object.apiVersion, object.kind, namespace);
    await c.send('POST', path, { query: { fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict' }, body: JSON.stringify(body) });
  }
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
