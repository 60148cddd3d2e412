// Check levels in the fleet: the `checks:` section of an agent file, one set of
// levels per environment across agents, and where a deploy finds them (a fleet
// folder, the agent file of EASTERN_AGENT_FILE, the environment of EASTERN_ENVIRONMENT).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkPolicy, environmentChecks } from '../../src/fleet/checks.js';
import { checkFleet, parseAgent, parseAgentText } from '../../src/fleet/schema.js';
import { ValidationError } from '../../src/errors.js';
import { agentText } from './agent-text.js';

const agentFile = (name: string, environments: string[], checks = '') => agentText(name, environments, checks);

const t = suite('fleet check levels');

t('checks: per environment, errors block or warn, rule levels', () => {
  const agent = parseAgent(agentFile('kube1', ['dev', 'staging'], 'checks:\n  dev:\n    errors: warn\n  staging:\n    rules: {image-tag: error, disruption-budget: off}\n'), 'agents/kube1.yaml');
  assert.equal(agent.checks, { dev: { errors: 'warn', rules: {} }, staging: { errors: 'block', rules: { 'image-tag': 'error', 'disruption-budget': 'off' } } });
  assert.equal(parseAgent(agentFile('kube1', ['dev']), 'agents/kube1.yaml').checks, {});
});

t('a wrong checks section names file, field and fix', () => {
  const { problems } = parseAgentText(agentFile('kube1', ['dev'], 'checks:\n  production: {errors: warn}\n  dev:\n    errors: maybe\n    rules: {imagetag: error, privileged: loud}\n    level: x\n'), 'agents/kube1.yaml');
  assert.equal(problems, [
    'agents/kube1.yaml: checks.production: "production" is not one of this agent\'s environments (dev) — fix: add it to environments, or remove it from checks',
    'agents/kube1.yaml: checks.dev.level: unknown field — fix: known fields here: errors, rules',
    'agents/kube1.yaml: checks.dev.errors: must be block or warn, got "maybe" — fix: block: errors stop the deploy; warn: every finding is only printed',
    'agents/kube1.yaml: checks.dev.rules.imagetag: is not a rule — fix: did you mean image-tag?',
    'agents/kube1.yaml: checks.dev.rules.privileged: must be error, warning or off, got "loud" — fix: write privileged: error',
  ]);
});

t('every agent serving an environment must give it the same levels', () => {
  const a = parseAgent(agentFile('kube2', ['production'], 'checks:\n  production:\n    rules: {image-tag: error, requests: error}\n'), 'agents/kube2.yaml');
  const same = parseAgent(agentFile('gke', ['production'], 'checks:\n  production:\n    rules: {requests: error, image-tag: error}\n'), 'agents/gke.yaml');
  const other = parseAgent(agentFile('gke', ['production'], 'checks:\n  production:\n    errors: warn\n'), 'agents/gke.yaml');
  const none = parseAgent(agentFile('gke', ['production']), 'agents/gke.yaml');
  assert.equal(checkFleet([a, same]), [], 'order of rules does not matter');
  assert.equal(checkFleet([a, other]), ['agents/gke.yaml: checks.production: differs from agents/kube2.yaml, which also serves "production" — fix: check levels belong to the environment; give every agent that serves production the same checks.production (or none)']);
  assert.is(checkFleet([a, none]).length, 1);
});

function fleetDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eastern-fleet-'));
  mkdirSync(join(dir, 'agents'));
  writeFileSync(join(dir, 'agents', 'kube1.yaml'), agentFile('kube1', ['dev', 'staging'], 'checks:\n  dev: {errors: warn}\n'));
  writeFileSync(join(dir, 'agents', 'kube2.yaml'), agentFile('kube2', ['staging', 'production'], 'checks:\n  production:\n    rules: {image-tag: error}\n'));
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'app', 'kubernetes.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
  writeFileSync(join(dir, 'app', 'eastern-checks.yaml'), 'rules: {requests: off}\n');
  return dir;
}

t('a fleet folder or one agent file gives the environment its levels', () => {
  const dir = fleetDir();
  assert.equal(environmentChecks('agents', 'production', dir), { checks: { errors: 'block', rules: { 'image-tag': 'error' } }, source: 'agents/kube2.yaml' });
  assert.equal(environmentChecks('agents/kube1.yaml', 'dev', dir), { checks: { errors: 'warn', rules: {} }, source: 'agents/kube1.yaml' });
  assert.is(environmentChecks('agents/kube1.yaml', 'production', dir), undefined, 'kube1 does not serve production');
  assert.is(environmentChecks('agents', 'staging', dir), undefined, 'staging has no levels: defaults');
  assert.throws(() => environmentChecks('nowhere', 'dev', dir), (e: unknown) => e instanceof ValidationError && /nowhere: cannot read the fleet definition/.test(e.message));
});

t('a deploy takes the environment and the agent file from the build (EASTERN_ENVIRONMENT, EASTERN_AGENT_FILE)', () => {
  const dir = fleetDir();
  const env = { EASTERN_ENVIRONMENT: 'dev', EASTERN_AGENT_FILE: join(dir, 'agents', 'kube1.yaml') };
  const policy = checkPolicy({ cwd: dir, env, template: 'app/kubernetes.yaml' });
  assert.is(policy.environment, 'dev');
  assert.equal(policy.fleet, { errors: 'warn', rules: {}, source: join(dir, 'agents', 'kube1.yaml') });
  assert.equal(policy.project, { file: 'app/eastern-checks.yaml', rules: { requests: 'off' }, environments: {} });
  // Options win over the environment variables.
  const production = checkPolicy({ cwd: dir, env, template: 'app/kubernetes.yaml', environment: 'production', agents: 'agents' });
  assert.equal(production.fleet, { errors: 'block', rules: { 'image-tag': 'error' }, source: 'agents/kube2.yaml' });
  // Without an environment there are no fleet levels.
  assert.equal(checkPolicy({ cwd: dir, env: {}, template: 'app/kubernetes.yaml', agents: 'agents' }).fleet, undefined);
});

t.run();
