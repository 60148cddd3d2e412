// `eastern check` and `eastern upgrade-check` as a user runs them (bin/eastern):
// exit codes, where output goes, usage errors.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const bin = fileURLToPath(new URL('../../bin/eastern', import.meta.url));
const rules = fileURLToPath(new URL('./fixtures/rules/', import.meta.url));

function eastern(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', EASTERN_ENVIRONMENT: '', EASTERN_AGENT_FILE: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const t = suite('eastern check on the command line');

t('warnings only: exit 0, findings on stdout, the summary on stderr', () => {
  const r = eastern(join(rules, 'image-tag', 'fail'), 'check', 'kubernetes.yaml');
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^parts\/latest\.yaml:2: warning \[image-tag\] Pod\/tools: container "web" runs nginx:latest/m);
  assert.match(r.stdout, /^  included from kubernetes\.yaml:7$/m);
  assert.match(r.stderr, /^checked kubernetes\.yaml \(1 objects\): 0 errors, \d+ warnings, 0 suppressed; levels: no environment/m);
});

t('an error: exit 1; --kubernetes adds the API rules', () => {
  const r = eastern(join(rules, 'removed-api', 'fail'), 'check', 'kubernetes.yaml', '--kubernetes', '1.33');
  assert.is(r.code, 1);
  assert.match(r.stdout, /kubernetes\.yaml:1: error \[removed-api\] FlowSchema\/batch-jobs/);
  const without = eastern(join(rules, 'removed-api', 'fail'), 'check', 'kubernetes.yaml');
  assert.is(without.code, 0, 'without a target version the API rules do not run');
});

t('levels from --environment and --agents; -f checks several templates in one process', () => {
  const dir = join(rules, 'privileged', 'fail');
  const agents = fileURLToPath(new URL('../../agents/', import.meta.url));
  assert.is(eastern(dir, 'check', 'kubernetes.yaml').code, 1);
  const dev = eastern(dir, 'check', 'kubernetes.yaml', '--environment', 'dev', '--agents', agents);
  assert.is(dev.code, 0, dev.stderr);
  assert.match(dev.stderr, /levels: environment dev \(.*kube1\.yaml: errors warn\)/);
  const many = eastern(rules, 'check', '-f', 'privileged/fail/kubernetes.yaml', '-f', 'image-tag/fail/kubernetes.yaml', '-n', 'shop', '--output', 'json');
  assert.is(many.code, 1);
  const json = JSON.parse(many.stdout);
  assert.equal([...new Set(json.findings.map((f: { location: { file: string } }) => f.location.file.split('/')[0]))], ['privileged', 'image-tag']);
  assert.match(many.stderr, /checked 2 templates/);
});

t('usage errors exit 64', () => {
  assert.is(eastern(rules, 'check').code, 64);
  assert.is(eastern(rules, 'check', 'x.yaml', '--kubernetes', 'new').code, 64);
  assert.is(eastern(rules, 'check', 'x.yaml', '--output', 'xml').code, 64);
  const both = eastern(rules, 'upgrade-check', '--to', '1.33', '--to-context', 'kube2');
  assert.is(both.code, 64);
  assert.match(both.stderr, /--to VERSION or --to-context CONTEXT \(one of them\)/);
  assert.is(eastern(rules, 'upgrade-check', '--to', 'soon').code, 64);
});

t.run();
