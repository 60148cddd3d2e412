// The CLI through the real built executable: exit codes and option placement.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const bin = join(process.cwd(), 'bin/eastern');
const dir = mkdtempSync(join(tmpdir(), 'eastern-cli-'));
writeFileSync(join(dir, 'kubernetes.yaml'), 'ns: ${NAMESPACE}\nv: ${V}\n');

function eastern(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--version prints the package version and exits 0', () => {
  const { version } = JSON.parse(execFileSync('node', ['-p', 'JSON.stringify(require("./package.json"))'], { encoding: 'utf8' }));
  const r = eastern('--version');
  assert.is(r.code, 0);
  assert.is(r.stdout.trim(), version);
});

test('global options are accepted before and after the command name', () => {
  const before = eastern('-c', 'kube2', '--kubectl', 'kubectl', 'generate', 'kubernetes.yaml', 'prod', '-s', 'V=1');
  const after = eastern('generate', 'kubernetes.yaml', 'prod', '-s', 'V=1', '-c', 'kube2', '--kubeconfig', '/nonexistent');
  assert.is(before.code, 0, before.stderr);
  assert.is(after.code, 0, after.stderr);
  assert.is(before.stdout, 'ns: prod\nv: 1\n');
  assert.is(after.stdout, before.stdout);
});

test('Python-style verbosity option is accepted', () => {
  const r = eastern('-v', 'generate', 'kubernetes.yaml', '-s', 'V=1');
  assert.is(r.code, 0, r.stderr);
  const py = eastern('--verbosity', 'DEBUG', 'generate', 'kubernetes.yaml', '-s', 'V=1');
  assert.is(py.code, 0, py.stderr);
});

test('an unknown option is a usage error: exit 64 with a pointer to help', () => {
  const r = eastern('generate', 'kubernetes.yaml', '--bogus');
  assert.is(r.code, 64);
  assert.match(r.stderr, /unknown option '--bogus'/);
  assert.match(r.stderr, /eastern generate --help/);
  assert.is(r.stdout, '');
});

test('an unknown command is a usage error', () => {
  assert.is(eastern('deplyo', 'x').code, 64);
});

test('missing required arguments are usage errors', () => {
  assert.is(eastern('generate').code, 64);
  assert.is(eastern('deploy').code, 64);
  assert.is(eastern('job', 'kubernetes.yaml', 'ns').code, 64);
});

test('a malformed -s is a usage error naming the item', () => {
  const r = eastern('generate', 'kubernetes.yaml', '-s', 'novalue');
  assert.is(r.code, 64);
  assert.match(r.stderr, /-s "novalue" must be in the form KEY=VALUE/);
});

test('a non-numeric --timeout is a usage error', () => {
  const r = eastern('deploy', 'kubernetes.yaml', '--timeout', 'soon');
  assert.is(r.code, 64);
  assert.match(r.stderr, /--timeout takes a number of seconds/);
});

test('--help exits 0 and lists the commands', () => {
  const r = eastern('--help');
  assert.is(r.code, 0);
  for (const c of ['generate', 'render', 'deploy', 'job', 'diff', 'history', 'rollback', 'export', 'drift', 'agent', 'library']) {
    assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
  }
});

test('template errors exit 1 with one message on stderr and nothing on stdout', () => {
  const r = eastern('generate', 'kubernetes.yaml');
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /kubernetes\.yaml:2:4: undefined variable V/);
});

test.run();
