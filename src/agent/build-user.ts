// The OS user builds run as (swarm.user): resolved from the agent file, proven
// usable (the agent may start processes as it), and kept away from the agent's
// secrets (its kubeconfig must not be readable by that user).
import { execa } from 'execa';
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { AgentDefinition } from '../fleet/schema.js';

export interface BuildUser {
  uid: number;
  gid: number;
  /** The name, or the uid as text when it has no passwd entry. */
  name: string;
  /** Its home folder from the passwd database, if it has one. */
  home: string | undefined;
}

async function getent(database: 'passwd' | 'group', key: string): Promise<string[] | undefined> {
  const result = await execa('getent', [database, key], { reject: false, timeout: 5000 });
  if (result.exitCode !== 0 || typeof result.stdout !== 'string' || result.stdout.trim() === '') return undefined;
  return result.stdout.trim().split('\n')[0]!.split(':');
}

/** The build user of an agent file; undefined when builds share the agent's user or run in a sidecar. Problems as messages. */
export async function resolveBuildUser(agent: AgentDefinition): Promise<{ user?: BuildUser; problems: string[] }> {
  const { user, group, sameUser, runBy } = agent.swarm;
  if (sameUser || runBy === 'sidecar' || user === undefined) return { problems: [] };
  const problems: string[] = [];
  const entry = await getent('passwd', user);
  let uid: number | undefined;
  let gid: number | undefined;
  let name = user;
  let home: string | undefined;
  if (entry) {
    name = entry[0] ?? user;
    uid = Number(entry[2]);
    gid = Number(entry[3]);
    home = entry[5] || undefined;
  } else if (/^\d+$/.test(user)) {
    uid = Number(user);
  } else {
    problems.push(`swarm.user: there is no user "${user}" on this host — fix: create it (useradd --system --create-home ${user}) or name an existing one`);
  }
  if (group !== undefined) {
    const g = /^\d+$/.test(group) ? undefined : await getent('group', group);
    if (/^\d+$/.test(group)) gid = Number(group);
    else if (g) gid = Number(g[2]);
    else problems.push(`swarm.group: there is no group "${group}" on this host — fix: create it (groupadd --system ${group}) or leave swarm.group out`);
  }
  // A numeric user without a passwd entry and without swarm.group: its own id as the group, by convention.
  gid ??= uid;
  if (uid === 0 || gid === 0) problems.push('swarm.user: builds must not run as root or in group root — fix: name an unprivileged user');
  if (problems.length > 0 || uid === undefined || gid === undefined) return { problems };
  return { user: { uid, gid, name, home }, problems };
}

/** Whether this process may start processes as `user` (root, or CAP_SETUID/CAP_SETGID). */
export async function canStartAs(user: BuildUser): Promise<string | undefined> {
  const result = await execa('true', [], { uid: user.uid, gid: user.gid, reject: false, timeout: 5000 });
  if (result.exitCode === 0) return undefined;
  return result.shortMessage ?? result.message;
}

/**
 * Whether `user` could read `path` by its permission bits: every folder on the way
 * searchable, the file readable (owner, group or other). ACLs are not looked at.
 */
export function readableBy(path: string, user: Pick<BuildUser, 'uid' | 'gid'>): boolean {
  const allows = (stat: { uid: number; gid: number; mode: number }, bit: number) => {
    if (stat.uid === user.uid) return (stat.mode & (bit << 6)) !== 0;
    if (stat.gid === user.gid) return (stat.mode & (bit << 3)) !== 0;
    return (stat.mode & bit) !== 0;
  };
  const absolute = resolve(path);
  let stat;
  try {
    stat = statSync(absolute);
  } catch {
    return false;
  }
  if (!allows(stat, 4)) return false;
  for (let dir = dirname(absolute); ; dir = dirname(dir)) {
    try {
      if (!allows(statSync(dir), 1)) return false;
    } catch {
      return false;
    }
    if (dir === dirname(dir)) return true;
  }
}
