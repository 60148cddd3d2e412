// `eastern library generate [--check]`: the committed vars/ and resources/ match the
// shipped agents (through the built CLI, as CI runs it), and a stale, missing or
// no-longer-generated file is reported with a diff and the command that fixes it.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run as libraryGenerate } from '../../src/commands/library-generate.js';
import { EasternError } from '../../src/errors.js';
import { unifiedDiff } from '../../src/library/diff.js';

const root = join(import.meta.dirname, '../..');
const exec = promisify(execFile);

async function eastern(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!existsSync(join(root, 'dist/bin/main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  try {
    const r = await exec(process.execPath, [join(root, 'bin/eastern'), ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function capture() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) } } };
}

const cli = suite('eastern library generate (built CLI)');

cli('--check passes on the committed library for the shipped agents', async () => {
  const r = await eastern(['library', 'generate', '--check'], root);
  assert.is(r.code, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stderr, /library is up to date: 13 files match agents\/ \(3 agents\)/);
  assert.is(r.stdout, '');
});

cli('--check fails with a diff and the fixing command; generate then repairs it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eastern-library-'));
  try {
    for (const folder of ['agents', 'vars', 'resources']) cpSync(join(root, folder), join(dir, 'lib', folder), { recursive: true });
    const fleet = join(dir, 'lib/vars/easternFleet.groovy');
    writeFileSync(fleet, readFileSync(fleet, 'utf8').replace("return ['dev', 'staging', 'production']", "return ['dev', 'staging']"));
    rmSync(join(dir, 'lib/vars/easternDiff.txt'));
    writeFileSync(join(dir, 'lib/vars/easternOld.groovy'), '// GENERATED FILE - do not edit. Made by an older version.\ndef call() {}\n');
    writeFileSync(join(dir, 'lib/vars/custom.groovy'), 'def call() { echo "mine" }\n');

    const check = await eastern(['library', 'generate', '--check', '--agents', 'lib/agents', '--out', 'lib'], dir);
    assert.is(check.code, 1);
    assert.match(check.stderr, /error: the generated library is stale: vars\/easternDiff\.txt \(missing\), vars\/easternFleet\.groovy \(out of date\), vars\/easternOld\.groovy \(no longer generated\)/);
    assert.match(check.stderr, /fix: run `eastern library generate --agents lib\/agents --out lib` and commit vars\/ and resources\//);
    assert.match(check.stdout, /--- a\/vars\/easternFleet\.groovy\n\+\+\+ b\/vars\/easternFleet\.groovy\n@@ /);
    assert.match(check.stdout, /\n-    return \['dev', 'staging'\]\n\+    return \['dev', 'staging', 'production'\]\n/);
    assert.match(check.stdout, /--- \/dev\/null\n\+\+\+ b\/vars\/easternDiff\.txt/);

    const write = await eastern(['library', 'generate', '--agents', 'lib/agents', '--out', 'lib'], dir);
    assert.is(write.code, 0, write.stderr);
    assert.match(write.stderr, /removed vars\/easternOld\.groovy/);
    assert.not.ok(existsSync(join(dir, 'lib/vars/easternOld.groovy')));
    assert.ok(existsSync(join(dir, 'lib/vars/custom.groovy')), 'files without the generated marker are left alone');
    assert.is(readFileSync(fleet, 'utf8'), readFileSync(join(root, 'vars/easternFleet.groovy'), 'utf8'));
    const again = await eastern(['library', 'generate', '--check', '--agents', 'lib/agents', '--out', 'lib'], dir);
    assert.is(again.code, 0, again.stdout + again.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

cli('an invalid fleet stops generation with every problem listed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eastern-library-'));
  try {
    cpSync(join(root, 'agents'), join(dir, 'agents'), { recursive: true });
    const kube2 = join(dir, 'agents/kube2.yaml');
    writeFileSync(kube2, readFileSync(kube2, 'utf8').replace('url: https://jenkins.example.com/', 'url: jenkins').replace('protect: [production]', 'protect: []').replace('approvers: [release-managers]', ''));
    const r = await eastern(['library', 'generate', '--out', 'out'], dir);
    assert.is(r.code, 1);
    assert.match(r.stderr, /error: agents: 2 problems in the fleet definition/);
    assert.match(r.stderr, /agents\/kube2\.yaml: jenkins\.url: must be an http\(s\) URL, got "jenkins"/);
    assert.match(r.stderr, /agents\/kube2\.yaml: protect: environment "production" is protected by gke but not by kube2/);
    assert.not.ok(existsSync(join(dir, 'out')), 'nothing written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

cli.run();

const command = suite('library-generate command function');

command('writes into --out and reports what it wrote; --check then passes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eastern-library-'));
  try {
    const first = capture();
    assert.is(await libraryGenerate({ cwd: root, out: dir, io: first.io }), 0);
    assert.match(first.out.stderr, /wrote vars\/easternDeploy\.groovy\n/);
    assert.match(first.out.stderr, /13 files written, 0 unchanged \(3 agents\)\n$/);
    const second = capture();
    assert.is(await libraryGenerate({ cwd: root, out: dir, check: true, io: second.io }), 0);
    writeFileSync(join(dir, 'resources/eastern/deploy.sh'), '#!/bin/sh\n');
    const third = capture();
    try {
      await libraryGenerate({ cwd: root, out: dir, check: true, io: third.io });
      assert.unreachable('should throw');
    } catch (error) {
      assert.instance(error, EasternError);
      assert.match((error as EasternError).message, /resources\/eastern\/deploy\.sh \(out of date\)/);
      assert.match((error as EasternError).fix ?? '', new RegExp(`eastern library generate --out ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }
    assert.match(third.out.stdout, /^--- a\/resources\/eastern\/deploy\.sh\n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

command.run();

const diff = suite('unified diff');

diff('equal texts give no diff; changes get hunks with context and line numbers', () => {
  assert.is(unifiedDiff('a\n', 'a\n', 'x', 'y'), '');
  const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
  const after = before.replace('line 3\n', 'line three\n').replace('line 18\n', '');
  assert.is(unifiedDiff(before, after, 'a/f', 'b/f'), [
    '--- a/f',
    '+++ b/f',
    '@@ -1,6 +1,6 @@',
    ' line 1',
    ' line 2',
    '-line 3',
    '+line three',
    ' line 4',
    ' line 5',
    ' line 6',
    '@@ -15,6 +15,5 @@',
    ' line 15',
    ' line 16',
    ' line 17',
    '-line 18',
    ' line 19',
    ' line 20',
    '',
  ].join('\n'));
});

diff('a new file is all additions', () => {
  assert.is(unifiedDiff('', 'a\nb\n', '/dev/null', 'b/x'), '--- /dev/null\n+++ b/x\n@@ -0,0 +1,2 @@\n+a\n+b\n');
});

diff.run();
