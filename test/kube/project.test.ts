import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { projectName } from '../../src/project/name.js';
import { kubeConfigSources } from '../../src/kube/kubeconfig.js';
import { deployerIdentity } from '../../src/project/identity.js';
import { ValidationError } from '../../src/errors.js';

test('the project is the name of the directory holding the template', () => {
  assert.is(projectName({ file: 'projects/sentry/kubernetes.yaml', cwd: '/repo' }), 'sentry');
  assert.is(projectName({ file: '/abs/web-app/k8s.yaml', cwd: '/repo' }), 'web-app');
});

test('--name wins over the directory', () => {
  assert.is(projectName({ name: 'billing', file: 'projects/sentry/kubernetes.yaml', cwd: '/repo' }), 'billing');
});

test('a directory name that cannot be a label is refused with a suggested --name', () => {
  try {
    projectName({ file: 'projects/My_App/kubernetes.yaml', cwd: '/repo' });
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof ValidationError);
    assert.match((e as ValidationError).message, /"My_App"/);
    assert.is((e as ValidationError).fix, 'pass --name my-app');
  }
});

test('kubeconfig: --kubeconfig, else KUBECONFIG list, else ~/.kube/config, else in-cluster', () => {
  const exists = (files: string[]) => (p: string) => files.includes(p);
  assert.equal(kubeConfigSources({ kubeconfig: 'k.yaml', cwd: '/w', env: { KUBECONFIG: '/a' } }, exists([])), ['/w/k.yaml']);
  assert.equal(kubeConfigSources({ cwd: '/w', env: { KUBECONFIG: '/a:/missing:/b', HOME: '/h' } }, exists(['/a', '/b'])), ['/a', '/b']);
  assert.equal(kubeConfigSources({ cwd: '/w', env: { HOME: '/h' } }, exists(['/h/.kube/config'])), ['/h/.kube/config']);
  assert.is(kubeConfigSources({ cwd: '/w', env: { HOME: '/h', KUBERNETES_SERVICE_HOST: '10.0.0.1' } }, exists(['/var/run/secrets/kubernetes.io/serviceaccount/token'])), 'in-cluster');
  assert.is(kubeConfigSources({ cwd: '/w', env: { HOME: '/h' } }, exists([])), undefined);
});

test('the deployer is the Jenkins build when there is one, else user@host, with the pid', () => {
  assert.match(deployerIdentity({ BUILD_URL: 'https://ci/job/web/7/' }, 42), /^https:\/\/ci\/job\/web\/7\/ \(.+:42\)$/);
  assert.match(deployerIdentity({ USER: 'ann' }, 42), /^ann@.+:42$/);
});

test.run();
