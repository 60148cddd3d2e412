// The local API's socket and token. Guards, in order: the socket lives in a
// directory only this user can enter (0700, owned by us), the socket itself is 0600,
// and every request carries a random token read from a 0600 file next to the socket.
// With a build user (or a sidecar), its group — and only its group — is let in:
// folder 0750, socket 0660, token 0640, all of that group.
// Node does not expose SO_PEERCRED, so the peer's uid cannot be checked directly.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { EasternError, ValidationError } from '../errors.js';
import { maxSocketPathBytes } from './settings.js';

/** Gives `group` (and nobody else) the access `mode` means for the group, keeping this user the owner. */
function shareWith(path: string, group: number | undefined, mode: number): void {
  if (group === undefined) return;
  chownSync(path, process.getuid?.() ?? -1, group);
  chmodSync(path, mode);
}

export function preparePrivateDir(dir: string, field = 'agent.socket', group?: number): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    shareWith(dir, group, 0o750);
  } catch (error) {
    throw new ValidationError(`${field}: cannot create the socket directory ${dir}: ${(error as Error).message}`, {
      fix: `create it (mkdir -m 700 ${dir}) or point ${field} at a writable place`,
      cause: error,
    });
  }
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new ValidationError(`${field}: ${dir} is not a directory`, { fix: `point ${field} into a private directory` });
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new ValidationError(`${field}: ${dir} belongs to uid ${stat.uid}, not to this user (uid ${uid})`, {
      fix: `use a directory of your own, e.g. the default $XDG_RUNTIME_DIR/eastern`,
    });
  }
  const closed = group === undefined ? (stat.mode & 0o077) === 0 : (stat.mode & 0o027) === 0 && stat.gid === group;
  if (!closed) {
    throw new ValidationError(`${field}: ${dir} is open to other users (mode ${(stat.mode & 0o777).toString(8)}, group ${stat.gid})`, {
      fix: group === undefined ? `chmod 700 ${dir}` : `chgrp ${group} ${dir} && chmod 750 ${dir}`,
    });
  }
}

export function checkSocketPath(path: string, field = 'agent.socket'): void {
  if (Buffer.byteLength(path) > maxSocketPathBytes) {
    throw new ValidationError(`${field}: ${path} is longer than the ${maxSocketPathBytes} bytes a Unix socket path may have`, {
      fix: `set ${field} to a shorter path, e.g. /run/eastern/<name>.sock`,
    });
  }
}

/** Removes a stale socket; refuses when another agent still answers on it. */
export async function claimSocketPath(path: string): Promise<void> {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (!stat.isSocket()) {
    throw new ValidationError(`agent.socket: ${path} exists and is not a socket`, { fix: 'remove it or choose another agent.socket' });
  }
  const live = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) {
    throw new EasternError(`another agent is already serving ${path}`, {
      fix: 'stop it first (systemctl stop eastern-agent@<name>), or give this one another agent.socket',
    });
  }
  rmSync(path, { force: true });
}

export function newToken(): string {
  return randomBytes(32).toString('hex');
}

export function writeToken(path: string, token: string, group?: number): void {
  rmSync(path, { force: true });
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  shareWith(path, group, 0o640);
}

export function readToken(path: string): string {
  return readFileSync(path, 'utf8').trim();
}

/** Constant-time comparison of `Bearer <token>` with the expected token. */
export function authorized(header: string | undefined, token: string): boolean {
  const match = /^Bearer (\S+)$/.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1] as string);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Listens on the socket created 0600 from the start (umask), and checks the result. */
export async function listenPrivate(server: Server, path: string, group?: number): Promise<void> {
  preparePrivateDir(dirname(path), 'agent.socket', group);
  checkSocketPath(path);
  await claimSocketPath(path);
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(previous);
  }
  chmodSync(path, 0o600);
  shareWith(path, group, 0o660);
}
