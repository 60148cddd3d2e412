// The one writer of the generated library: writes the files, or with `check`
// only compares them with what is on disk. Files that carry the generated marker
// but are no longer produced (a step that was removed) count as stale too.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { unifiedDiff } from './diff.js';
import { GENERATED_MARKER, type GeneratedFile } from './generate.js';

export type ChangeKind = 'missing' | 'stale' | 'orphan';

export interface Change {
  path: string;
  kind: ChangeKind;
  /** Unified diff from the file on disk to the generated one. */
  diff: string;
}

export interface WriteResult {
  changes: Change[];
  unchanged: string[];
}

const GENERATED_HTML_MARKER = '<!-- GENERATED FILE - do not edit.';

function isGenerated(text: string): boolean {
  return text.startsWith(GENERATED_MARKER) || text.startsWith(GENERATED_HTML_MARKER) || text.includes('"generatedBy": "eastern library generate');
}

/** Generated-looking files under the library's folders that the generator did not produce. */
function orphans(files: readonly GeneratedFile[], outDir: string): string[] {
  const produced = new Set(files.map((f) => f.path));
  const folders = [...new Set(files.map((f) => dirname(f.path)))].sort();
  const found: string[] = [];
  for (const folder of folders) {
    const absolute = join(outDir, folder);
    if (!existsSync(absolute)) continue;
    for (const name of readdirSync(absolute).sort()) {
      const path = `${folder}/${name}`;
      if (produced.has(path) || !/\.(groovy|txt|json)$/.test(name)) continue;
      if (isGenerated(readFileSync(join(absolute, name), 'utf8'))) found.push(path);
    }
  }
  return found;
}

/** Compares (check) or writes (default) the generated files under outDir. */
export function writeOrCheck(files: readonly GeneratedFile[], outDir: string, options: { check?: boolean } = {}): WriteResult {
  const changes: Change[] = [];
  const unchanged: string[] = [];
  for (const file of files) {
    const absolute = join(outDir, file.path);
    const current = existsSync(absolute) ? readFileSync(absolute, 'utf8') : undefined;
    if (current === file.contents) {
      unchanged.push(file.path);
      continue;
    }
    changes.push({
      path: file.path,
      kind: current === undefined ? 'missing' : 'stale',
      diff: unifiedDiff(current ?? '', file.contents, current === undefined ? '/dev/null' : `a/${file.path}`, `b/${file.path}`),
    });
    if (!options.check) {
      mkdirSync(dirname(absolute), { recursive: true });
      writeFileSync(absolute, file.contents);
    }
  }
  for (const path of orphans(files, outDir)) {
    const absolute = join(outDir, path);
    changes.push({ path, kind: 'orphan', diff: unifiedDiff(readFileSync(absolute, 'utf8'), '', `a/${path}`, '/dev/null') });
    if (!options.check) rmSync(absolute);
  }
  return { changes, unchanged };
}
