// An in-memory TemplateFs for unit tests of the engine: files, file symlinks,
// git markers and read errors, without touching the disk.
import { dirname, resolve } from 'node:path';
import type { TemplateFs } from '../../src/template/index.js';

export type MemEntry = string | { symlink: string } | { readError: string } | { statError: string } | { other: true };

export interface MemFs extends TemplateFs {
  /** How often each path was read. */
  reads: Map<string, number>;
}

function errno(code: string, path: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: ${path}`) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

/** `entries` maps absolute paths to contents; `gitDirs` are folders holding a `.git`. */
export function memFs(entries: Record<string, MemEntry>, gitDirs: string[] = []): MemFs {
  const dirs = new Set<string>();
  for (const path of Object.keys(entries)) {
    for (let d = dirname(path); ; d = dirname(d)) {
      dirs.add(d);
      if (dirname(d) === d) break;
    }
  }
  const reads = new Map<string, number>();
  const follow = (path: string, hops = 0): string => {
    if (hops > 40) throw errno('ELOOP', path);
    const entry = entries[path];
    if (entry !== undefined && typeof entry === 'object' && 'symlink' in entry) return follow(resolve(dirname(path), entry.symlink), hops + 1);
    if (entry === undefined && !dirs.has(path)) throw errno('ENOENT', path);
    return path;
  };
  return {
    reads,
    readFile(path) {
      const real = follow(path);
      reads.set(real, (reads.get(real) ?? 0) + 1);
      const entry = entries[real];
      if (entry === undefined) throw errno('EISDIR', path);
      if (typeof entry === 'string') return entry;
      if ('readError' in entry) throw errno(entry.readError, path);
      throw errno('EINVAL', path);
    },
    realpath: (path) => follow(path),
    kind(path) {
      const own = entries[path];
      // Like node:fs, a stat that fails for another reason than "missing" throws.
      if (own !== undefined && typeof own === 'object' && 'statError' in own) throw errno(own.statError, path);
      let real: string;
      try {
        real = follow(path);
      } catch {
        return undefined;
      }
      const entry = entries[real];
      if (entry === undefined) return 'dir';
      if (typeof entry === 'object' && 'other' in entry) return 'other';
      return 'file';
    },
    hasGit: (dir) => gitDirs.includes(dir),
  };
}
