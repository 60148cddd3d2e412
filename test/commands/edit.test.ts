// --edit, shared by deploy and job: the rendered manifest goes through $VISUAL/$EDITOR
// (here a non-interactive command standing in for one), only when stdin is a terminal.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { editManifest } from '../../src/commands/shared.js';
import { run as job } from '../../src/commands/job.js';
import { EasternError, UsageError, ValidationError } from '../../src/errors.js';
import type { ManifestInput } from '../../src/deploy/deploy.js';
import { parseManifest } from '../../src/template/index.js';

const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  colour: blue\n';
function manifest(): ManifestInput {
  const lines = text.replace(/\n$/, '').split('\n');
  const sourceMap = lines.map((_, i) => ({ file: '/project/kubernetes.yaml', line: i + 1 }));
  return { text, documents: parseManifest({ text, sourceMap }, '/project'), format: (loc) => `kubernetes.yaml:${loc.line}` };
}
// The editor command gets the file path appended, as with `vi FILE`.
const editor = (script: string) => ({ EDITOR: script, PATH: process.env.PATH ?? '' });

test('not on a terminal: a usage error (exit 64) and the editor is not started', async () => {
  const marker = join(mkdtempSync(join(tmpdir(), 'eastern-edit-')), 'started');
  try {
    await editManifest(manifest(), { cwd: '/project', stdinIsTTY: false }, editor(`touch ${marker}; true`));
    assert.unreachable('should throw');
  } catch (error) {
    assert.instance(error, UsageError);
    assert.is((error as UsageError).exitCode, 64);
    assert.match((error as Error).message, 'needs a terminal');
  }
  const { existsSync } = await import('node:fs');
  assert.not.ok(existsSync(marker), 'the editor did not run');
});

test('the edited text is what gets deployed; locations name the edited manifest', async () => {
  const edited = await editManifest(manifest(), { cwd: '/project', stdinIsTTY: true }, editor(`sed -i -e 's/blue/green/' -e '$a\\---\\napiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: extra'`));
  assert.match(edited.text, 'colour: green');
  assert.is(edited.documents.length, 2);
  assert.equal((edited.documents[0]!.value as { data: unknown }).data, { colour: 'green' });
  assert.is(edited.format(edited.documents[1]!.source), 'edited manifest:8');
  assert.ok(edited.text.endsWith('\n'));
});

test('an editor that changes nothing leaves the manifest (and its template locations) as it was', async () => {
  const original = manifest();
  const same = await editManifest(original, { cwd: '/project', stdinIsTTY: true }, editor('true'));
  assert.is(same, original);
  assert.is(same.format(same.documents[0]!.source), 'kubernetes.yaml:1');
});

test('an editor that fails stops everything', async () => {
  try {
    await editManifest(manifest(), { cwd: '/project', stdinIsTTY: true }, editor('exit 3;'));
    assert.unreachable('should throw');
  } catch (error) {
    assert.instance(error, EasternError);
    assert.match((error as Error).message, /exited with code 3; nothing was deployed/);
  }
});

function jobTemplate(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eastern-job-edit-'));
  writeFileSync(join(dir, 'job.yaml'), 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: m\n        image: example.com/m:${IMAGE_TAG}\n');
  return dir;
}
const quiet = { stdout: { write: () => true }, stderr: { write: () => true } };

test('eastern job --edit: refused without a terminal, before any cluster is contacted', async () => {
  const dir = jobTemplate();
  try {
    await job({ cwd: dir, env: { KUBECONFIG: join(dir, 'missing'), EDITOR: 'true' }, io: quiet, file: 'job.yaml', namespace: 'ns', tag: 'v1', edit: true, stdinIsTTY: false });
    assert.unreachable('should throw');
  } catch (error) {
    assert.instance(error, UsageError);
  }
});

test('eastern job --edit: the edited manifest is the one run (here the edit removes the Job)', async () => {
  const dir = jobTemplate();
  try {
    await job({ cwd: dir, env: { KUBECONFIG: join(dir, 'missing'), EDITOR: `sed -i 's/^kind: Job$/kind: ConfigMap/'`, PATH: process.env.PATH ?? '' }, io: quiet, file: 'job.yaml', namespace: 'ns', tag: 'v1', edit: true, stdinIsTTY: true });
    assert.unreachable('should throw');
  } catch (error) {
    assert.instance(error, ValidationError);
    assert.match((error as Error).message, 'contains no Job');
  }
});

test.run();
