// Levels: rule defaults < project file < project file for the environment < the
// environment in the fleet; only the environment decides whether errors block.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { levelOf, parseProjectChecks, reportedSeverity, type CheckPolicy } from '../../src/check/levels.js';
import { readProjectChecks } from '../../src/check/project-file.js';
import { ValidationError } from '../../src/errors.js';
import { checkDir, deployment, project } from './helpers.js';

const t = suite('check levels');

const project_ = { file: 'app/eastern-checks.yaml', rules: { 'image-tag': 'off' as const, requests: 'error' as const }, environments: { production: { 'image-tag': 'error' as const } } };

t('a rule has its default level without settings', () => {
  assert.equal(levelOf('image-tag'), { level: 'warning', from: 'default' });
  assert.equal(levelOf('privileged'), { level: 'error', from: 'default' });
});

t('the project file changes levels, per environment too; the fleet has the last word', () => {
  assert.equal(levelOf('image-tag', { project: project_ }).level, 'off');
  assert.equal(levelOf('image-tag', { environment: 'dev', project: project_ }).level, 'off');
  assert.equal(levelOf('image-tag', { environment: 'production', project: project_ }), { level: 'error', from: 'app/eastern-checks.yaml: environments.production' });
  const fleet: CheckPolicy['fleet'] = { errors: 'block', rules: { 'image-tag': 'warning', requests: 'off' }, source: 'agents/kube2.yaml' };
  assert.equal(levelOf('image-tag', { environment: 'production', project: project_, fleet }), { level: 'warning', from: 'agents/kube2.yaml: checks.production.rules' });
  assert.equal(levelOf('requests', { environment: 'production', project: project_, fleet }).level, 'off');
});

t('errors: warn reports errors as warnings; block keeps them', () => {
  assert.is(reportedSeverity('error', { fleet: { errors: 'warn', rules: {}, source: 'a' } }), 'warning');
  assert.is(reportedSeverity('error', { fleet: { errors: 'block', rules: {}, source: 'a' } }), 'error');
  assert.is(reportedSeverity('error', {}), 'error');
  assert.is(reportedSeverity('warning', {}), 'warning');
});

t('the same findings: errors in production, warnings in dev, nothing off', () => {
  const dir = project({ 'kubernetes.yaml': deployment('web', '', '          securityContext: {privileged: true}\n') });
  const production = checkDir(dir, { policy: { environment: 'production', fleet: { errors: 'block', rules: { 'image-tag': 'error' }, source: 'agents/kube2.yaml' } } });
  const dev = checkDir(dir, { policy: { environment: 'dev', fleet: { errors: 'warn', rules: { 'run-as-root': 'off' }, source: 'agents/kube1.yaml' } } });
  assert.is(production.errors, 1);
  assert.is(production.findings.find((f) => f.rule === 'privileged')?.level, 'error');
  assert.is(dev.errors, 0);
  const inDev = dev.findings.find((f) => f.rule === 'privileged');
  assert.is(inDev?.level, 'warning');
  assert.is(inDev?.configured, 'error');
  assert.ok(production.findings.some((f) => f.rule === 'run-as-root'));
  assert.not.ok(dev.findings.some((f) => f.rule === 'run-as-root'), 'off in dev');
});

t('the project file is read next to the template and validated field by field', () => {
  const dir = project({
    'kubernetes.yaml': deployment('web'),
    'eastern-checks.yaml': 'rules:\n  image-tag: off\n  disruption-budget: error\nenvironments:\n  production:\n    rules: {requests: error}\n',
  });
  const checks = readProjectChecks(join(dir, 'kubernetes.yaml'), (f) => f.slice(dir.length - 3));
  assert.equal(checks, { file: 'app/eastern-checks.yaml', rules: { 'image-tag': 'off', 'disruption-budget': 'error' }, environments: { production: { requests: 'error' } } });
  assert.ok(readFileSync(join(dir, 'eastern-checks.yaml'), 'utf8').includes('off'));
  assert.is(readProjectChecks(join(project({ 'kubernetes.yaml': 'x: 1\n' }), 'kubernetes.yaml'), (f) => f), undefined);
});

t('a bad project file names the field and the fix', () => {
  const { problems } = parseProjectChecks({ rules: { 'image-tags': 'error', privileged: 'fatal' }, environments: { production: { errors: 'warn' } }, extra: 1 }, 'app/eastern-checks.yaml');
  assert.equal(problems, [
    'app/eastern-checks.yaml: extra: unknown field — fix: known fields: rules, environments',
    'app/eastern-checks.yaml: rules.image-tags: is not a rule — fix: did you mean image-tag?',
    'app/eastern-checks.yaml: rules.privileged: must be error, warning or off, got "fatal" — fix: write privileged: error',
    "app/eastern-checks.yaml: environments.production: must be a mapping with rules only (whether errors block is the environment's decision, in agents/*.yaml) — fix: write environments: { production: { rules: { image-tag: error } } }",
  ]);
  const dir = project({ 'kubernetes.yaml': deployment('web'), 'eastern-checks.yaml': 'rules: {requests: loud}\n' });
  try {
    readProjectChecks(join(dir, 'kubernetes.yaml'), () => 'app/eastern-checks.yaml');
    assert.unreachable('a bad level must throw');
  } catch (error) {
    assert.instance(error, ValidationError);
    assert.equal((error as ValidationError).problems, ['app/eastern-checks.yaml: rules.requests: must be error, warning or off, got "loud" — fix: write requests: error']);
  }
});

t.run();
