// Who is deploying and from which source: Jenkins build, git commit, user@host.

import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';

/** The Jenkins build behind a deploy, as release records keep it. */
export interface BuildInfo {
  url?: string;
  job?: string;
  number?: string;
}

/** Jenkins build variables, when running in a build. */
export function buildInfo(env: NodeJS.ProcessEnv): BuildInfo | undefined {
  const info: BuildInfo = {};
  if (env.BUILD_URL) info.url = env.BUILD_URL;
  if (env.JOB_NAME) info.job = env.JOB_NAME;
  if (env.BUILD_NUMBER) info.number = env.BUILD_NUMBER;
  return Object.keys(info).length ? info : undefined;
}

function user(env: NodeJS.ProcessEnv): string {
  if (env.USER) return env.USER;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * The lock holder and release "deployer": the build URL in Jenkins, else
 * user@host; the pid keeps two processes of one build or user apart.
 */
export function deployerIdentity(env: NodeJS.ProcessEnv, pid = process.pid): string {
  const host = hostname();
  return env.BUILD_URL ? `${env.BUILD_URL} (${host}:${pid})` : `${user(env)}@${host}:${pid}`;
}

/** GIT_COMMIT from Jenkins, else `git rev-parse HEAD` in the template's folder (undefined outside git). */
export async function gitCommit(env: NodeJS.ProcessEnv, dir: string): Promise<string | undefined> {
  if (env.GIT_COMMIT) return env.GIT_COMMIT;
  // Loaded only here: in Jenkins GIT_COMMIT is set and no process is spawned.
  const { execa } = await import('execa');
  const result = await execa('git', ['rev-parse', 'HEAD'], { cwd: dir, reject: false, timeout: 3000, env: { GIT_OPTIONAL_LOCKS: '0' } });
  const out = typeof result.stdout === 'string' ? result.stdout.trim() : '';
  return result.exitCode === 0 && /^[0-9a-f]{40}$/.test(out) ? out : undefined;
}

let version: string | undefined;
/** Eastern's own version, for release records. */
export function easternVersion(): string {
  if (version === undefined) {
    try {
      version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
