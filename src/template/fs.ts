import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TemplateFs } from './types.js';

/** The real file system, synchronous: a render reads many small files. */
export const nodeFs: TemplateFs = {
  readFile: (path) => {
    const text = readFileSync(path, 'utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  },
  realpath: (path) => realpathSync.native(path),
  kind: (path) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return undefined;
    return stat.isFile() ? 'file' : stat.isDirectory() ? 'dir' : 'other';
  },
  hasGit: (dir) => existsSync(join(dir, '.git')),
};
