// The check phase of a deploy: warnings are logged one line each (a few per rule), errors stop the
// deploy (nothing is applied after it), a rollback is never stopped, and an API
// version deprecated in the cluster's version is warned about.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deployGate } from '../../src/check/gate.js';
import { ValidationError } from '../../src/errors.js';
import type { Logger } from '../../src/output/logger.js';
import { deployment, project, rendered } from './helpers.js';

function logger() {
  const lines: string[] = [];
  const log: Logger = {
    info: (m) => void lines.push(`info ${m}`),
    warn: (m) => void lines.push(`warn ${m}`),
    error: (m) => void lines.push(`error ${m}`),
    debug: (m) => void lines.push(`debug ${typeof m === 'function' ? m() : m}`),
    scoped: () => log,
  };
  return { log, lines };
}

const t = suite('check gate of a deploy');

const privilegedApp = () => rendered(project({ 'kubernetes.yaml': deployment('agent', '', '          securityContext: {privileged: true}\n') }));

t('an error at the environment\'s levels throws a ValidationError naming the template line; warnings are logged', () => {
  const { log, lines } = logger();
  try {
    deployGate({ manifest: privilegedApp(), namespace: 'shop', policy: { environment: 'production' }, logger: log });
    assert.unreachable('must stop the deploy');
  } catch (error) {
    assert.instance(error, ValidationError);
    const e = error as ValidationError;
    assert.match(e.message, /1 check fails at the levels of environment production; nothing was applied/);
    assert.is(e.problems.length, 1);
    assert.match(e.problems[0]!, /kubernetes\.yaml:15: error \[privileged\] Deployment\/agent: container "agent" runs privileged — fix: /);
  }
  assert.ok(lines.some((l) => /^warn .*kubernetes\.yaml:13: warning \[run-as-root\]/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /^info checks: 1 error, \d+ warnings, 0 suppressed; levels: environment production \(no checks settings/.test(l)), lines.join('\n'));
});

t('where the environment only warns, the same manifest passes with warnings', () => {
  const { log, lines } = logger();
  const result = deployGate({ manifest: privilegedApp(), namespace: 'shop', policy: { environment: 'dev', fleet: { errors: 'warn', rules: {}, source: 'agents/kube1.yaml' } }, logger: log });
  assert.is(result.errors, 0);
  assert.ok(lines.some((l) => /^warn .*\[privileged\].* — \(an error elsewhere: this environment only warns\)/.test(l)), lines.join('\n'));
});

t('a rollback (no policy) is never stopped', () => {
  const { log, lines } = logger();
  const result = deployGate({ manifest: privilegedApp(), namespace: 'shop', logger: log });
  assert.is(result.errors, 0);
  assert.ok(lines.some((l) => /levels: a rollback: findings never block/.test(l)));
});

t('an apiVersion deprecated in the cluster\'s version is a warning at its line', () => {
  const manifest = rendered(project({ 'kubernetes.yaml': 'apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata:\n  name: batch\n' }));
  for (const [version, expected] of [['v1.30.14', true], ['v1.28.3', false]] as const) {
    const { log, lines } = logger();
    deployGate({ manifest, namespace: 'shop', policy: {}, serverVersion: version, logger: log });
    const warned = lines.some((l) => /^warn .*kubernetes\.yaml:1: warning \[deprecated-api\] FlowSchema\/batch: flowcontrol\.apiserver\.k8s\.io\/v1beta3 FlowSchema is deprecated in Kubernetes 1\.\d+ \(since 1\.29, removed in 1\.32\)/.test(l));
    assert.is(warned, expected, `${version}: ${lines.join('\n')}`);
  }
});

t('a clean manifest logs one line', () => {
  const { log, lines } = logger();
  const manifest = rendered(project({ 'kubernetes.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n' }));
  deployGate({ manifest, namespace: 'shop', policy: {}, logger: log });
  assert.equal(lines, ['info checks passed; levels: no environment (default levels, errors block)']);
});

t('the same warning on many objects: three in full, one line counting the rest, all of them at --verbose', () => {
  const names = ['a', 'b', 'c', 'd', 'e'];
  const manifest = rendered(project({ 'kubernetes.yaml': names.map((n) => deployment(n)).join('---\n') }));
  const { log, lines } = logger();
  deployGate({ manifest, namespace: 'shop', policy: { environment: 'dev' }, logger: log });
  const shown = lines.filter((l) => /^warn .*\[run-as-root\]/.test(l));
  assert.is(shown.length, 4, lines.join('\n'));
  assert.match(shown[3]!, /^warn … and 2 more \[run-as-root\] warnings like these \(--verbose shows them; eastern check lists every finding\)$/);
  assert.is(lines.filter((l) => /^debug .*warning \[run-as-root\] Deployment\/[de]:/.test(l)).length, 2, lines.join('\n'));
  assert.ok(lines.some((l) => /^info checks: 0 errors, \d+ warnings/.test(l)));
});

t.run();
