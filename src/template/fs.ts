import { isUtf8 } from 'node:buffer';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TemplateFs } from './types.js';

/** A template file that is not UTF-8: where the first bad byte is (1-based line, byte column within the line). */
export class InvalidUtf8Error extends Error {
  constructor(readonly line: number, readonly byteColumn: number, readonly byte: number, readonly utf16: boolean) {
    super(`not valid UTF-8: line ${line}, byte ${byteColumn} is 0x${byte.toString(16).toUpperCase().padStart(2, '0')}`);
    this.name = 'InvalidUtf8Error';
  }
}

/**
 * Errors that mean "no such file" for a candidate, as for the Python tool's
 * Path.exists(): a path through a file, a symbolic link loop, a name too long for
 * the file system, a NUL byte (which no file name can hold).
 */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'ERR_INVALID_ARG_VALUE', 'ERR_INVALID_ARG_TYPE']);

export function isMissing(error: unknown): boolean {
  return MISSING.has((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}

/** The real file system, synchronous: a render reads many small files. */
export const nodeFs: TemplateFs = {
  readFile: (path) => {
    const bytes = readFileSync(path);
    if (!isUtf8(bytes)) throw invalidUtf8(bytes);
    const text = bytes.toString('utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  },
  realpath: (path) => realpathSync.native(path),
  kind: (path) => {
    let stat;
    try {
      stat = statSync(path, { throwIfNoEntry: false });
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    if (!stat) return undefined;
    return stat.isFile() ? 'file' : stat.isDirectory() ? 'dir' : 'other';
  },
  hasGit: (dir) => existsSync(join(dir, '.git')),
};

/** Where the first invalid sequence starts; each sequence is checked by Node's own validator. */
function invalidUtf8(bytes: Buffer): InvalidUtf8Error {
  let line = 1;
  let lineStart = 0;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      if (b === 0x0a || (b === 0x0d && bytes[i + 1] !== 0x0a)) {
        line++;
        lineStart = i + 1;
      }
      i++;
      continue;
    }
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 0;
    if (length === 0 || !isUtf8(bytes.subarray(i, i + length))) break;
    i += length;
  }
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  return new InvalidUtf8Error(line, i - lineStart + 1, bytes[i] ?? 0, utf16);
}
