// Checks over inline templates: write the files, render them as `eastern check`
// does, and run the rules with a policy.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CheckPolicy } from '../../src/check/levels.js';
import { checkObjects } from '../../src/check/objects.js';
import { fieldLocator } from '../../src/check/positions.js';
import { runChecks, type CheckInput } from '../../src/check/run.js';
import { renderManifest } from '../../src/deploy/manifest.js';

/** A project folder (with a .git marker, so it is its own root) holding the files. */
export function project(files: Record<string, string>, name = 'app'): string {
  const top = mkdtempSync(join(tmpdir(), 'eastern-check-'));
  mkdirSync(join(top, '.git'));
  const dir = join(top, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

export function rendered(dir: string, set: string[] = [], file = 'kubernetes.yaml') {
  return renderManifest({ cwd: dir, file, namespace: 'shop', env: {}, set }, () => undefined).manifest;
}

/** Renders kubernetes.yaml of `dir` and runs the checks. */
export function checkDir(dir: string, extra: Partial<CheckInput> & { policy?: CheckPolicy } = {}) {
  const manifest = rendered(dir);
  const locate = fieldLocator({ text: manifest.text, sourceMap: manifest.sourceMap!, documents: manifest.documents });
  return runChecks({ objects: checkObjects(manifest.documents, 'shop'), locate, ...extra });
}

export const where = (f: { location: { file: string; line: number } }) => `${f.location.file.split('/').slice(-1)[0]}:${f.location.line}`;

export const deployment = (name: string, extra = '', container = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${extra}spec:
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: ${name}
          image: registry.example/${name}:1.0
${container}`;
