// The agent file's notify: section: defaults, URLs only through environment
// variables, routes that must match something and send somewhere, every problem
// named with its field and fix.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_STORM_CAP, DEFAULT_WATCH, missingNotifyEnv, parseNotify } from '../../src/fleet/notify.js';
import { parseAgentText } from '../../src/fleet/schema.js';
import { notifyRoutes } from '../../src/watch/start.js';

function parse(value: unknown) {
  const problems: string[] = [];
  const notify = parseNotify(value, (path, message, fix) => problems.push(`${path}: ${message}${fix ? ` — fix: ${fix}` : ''}`));
  return { notify, problems };
}

test('absent: no watchman; a minimal section takes every default', () => {
  assert.is(parse(undefined).notify, undefined);
  const { notify, problems } = parse({ slack: { webhookEnv: 'SLACK_WEBHOOK_URL' } });
  assert.equal(problems, []);
  assert.is(notify?.slackEnv, 'SLACK_WEBHOOK_URL');
  assert.is(notify?.stormCap, DEFAULT_STORM_CAP);
  assert.equal(notify?.watch, DEFAULT_WATCH);
  assert.is(notify?.watch.reminderMinutes, 60, 'a reminder after an hour by default');
});

test('settings and thresholds are read; a fractional reminder is fine, zero is not', () => {
  const { notify, problems } = parse({ webhook: { urlEnv: 'HOOK' }, reminderMinutes: 0.5, resolveAfterSeconds: 5, stormCap: 3, stateNamespace: 'eastern', nodes: false, thresholds: { pendingSeconds: 30 } });
  assert.equal(problems, []);
  assert.equal([notify?.watch.reminderMinutes, notify?.watch.resolveAfterSeconds, notify?.stormCap, notify?.watch.stateNamespace, notify?.watch.nodes, notify?.watch.thresholds.pendingSeconds, notify?.watch.thresholds.restarts], [0.5, 5, 3, 'eastern', false, 30, 5]);
  assert.match(parse({ reminderMinutes: 0 }).problems.join('\n'), 'notify.reminderMinutes: must be a number > 0');
});

test('a URL written in the file, unknown fields and routes that go nowhere are refused with the fix', () => {
  const { problems } = parse({
    slack: { webhookEnv: 'https://hooks.slack.com/services/T/B/XYZ' },
    webhok: { urlEnv: 'X' },
    thresholds: { pendingSecond: 3 },
    routes: [{ namespaces: ['shop-*'] }, { slack: { webhookEnv: 'A' } }],
  });
  const text = problems.join('\n');
  assert.match(text, 'notify.slack.webhookEnv: must name an environment variable');
  assert.match(text, 'keep it in the environment');
  assert.match(text, 'notify.webhok: unknown field');
  assert.match(text, 'notify.thresholds.pendingSecond: unknown field');
  assert.match(text, 'notify.routes[0]: sends nowhere');
  assert.match(text, 'notify.routes[1]: matches nothing');
  const agent = parseAgentText(['name: kube1', 'environments: [qa]', 'kubernetes: {context: kube1}', 'jenkins: {url: "https://j/", user: u, passwordEnv: P}', 'swarm: {jar: s.jar, sameUser: true}', 'notify: {stormCap: 0}'].join('\n'), 'agents/kube1.yaml');
  assert.match(agent.problems.join('\n'), 'agents/kube1.yaml: notify.stormCap: must be a whole number ≥ 1');
});

test('unset variables are named at start; routes come first, the defaults last, URLs from the environment', () => {
  const { notify } = parse({ slack: { webhookEnv: 'SLACK' }, routes: [{ projects: ['payments'], webhook: { urlEnv: 'PAY' } }] });
  assert.equal(missingNotifyEnv(notify!, { SLACK: 'https://x' }), ['notify.routes[0].webhook.urlEnv: $PAY is not set in the agent\'s environment — fix: export it (systemd: EnvironmentFile=; Kubernetes: a Secret in env)']);
  const routes = notifyRoutes(notify!, { SLACK: 'https://hooks.example/slack', PAY: 'https://pager.example/hook' });
  assert.equal(routes, [
    { projects: ['payments'], sinks: [{ kind: 'webhook', name: 'routes[0].webhook', url: 'https://pager.example/hook' }] },
    { sinks: [{ kind: 'slack', name: 'slack', url: 'https://hooks.example/slack' }] },
  ]);
});

test.run();
