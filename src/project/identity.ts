// Who is deploying and from which source: Jenkins build, git commit, user@host.

import { execFile } from 'node:child_process';
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

/**
 * GIT_COMMIT from Jenkins, else `git rev-parse HEAD` in the template's folder
 * (undefined outside git, or without git). Node's execFile rather than execa: this
 * runs on every deploy outside Jenkins, loading execa costs about 45 ms on Node 20,
 * and nothing execa adds (its errors, streams, cleanup) matters to a rev-parse
 * whose every failure means "no commit".
 */
export function gitCommit(env: NodeJS.ProcessEnv, dir: string): Promise<string | undefined> {
  if (env.GIT_COMMIT) return Promise.resolve(env.GIT_COMMIT);
  return new Promise((resolve) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd: dir, timeout: 3000, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } }, (error, stdout) => {
      const out = stdout.trim();
      resolve(!error && /^[0-9a-f]{40}$/.test(out) ? out : undefined);
    });
  });
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
