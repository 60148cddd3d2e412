import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { runViaAgent, standaloneReason } from '../../src/agent/client.js';
import { startAgent } from '../../src/agent/runtime.js';
import { ValidationError } from '../../src/errors.js';
import { readRecord, repoRoot, sink, standIn, standInJar, tempDir, waitFor, freePort } from './helpers.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import yaml from 'js-yaml';


test('options the agent cannot serve run standalone', () => {
  const env = { EASTERN_AGENT: '/s.sock', EASTERN_CONTEXT: 'kube1', KUBECONFIG: '/k/config' };
  assert.is(standaloneReason({ cwd: '/w', env }), undefined);
  assert.is(standaloneReason({ cwd: '/w', env, context: 'kube1' }), undefined, 'the agent\'s own context is fine');
  assert.match(standaloneReason({ cwd: '/w', env, context: 'kube2' }) ?? '', '--context kube2');
  assert.is(standaloneReason({ cwd: '/k', env, kubeconfig: 'config' }), undefined, 'the same kubeconfig, relative');
  assert.match(standaloneReason({ cwd: '/w', env, kubeconfig: 'other' }) ?? '', '--kubeconfig');
  assert.match(standaloneReason({ cwd: '/w', env, edit: true }) ?? '', '--edit');
});

test('without EASTERN_AGENT, or for other commands, nothing is sent', async () => {
  const err = sink();
  assert.is(await runViaAgent('deploy', { cwd: '/', env: {} }, { stdout: sink(), stderr: err }), undefined);
  assert.is(await runViaAgent('history', { cwd: '/', env: { EASTERN_AGENT: '/nope.sock' } }, { stdout: sink(), stderr: err }), undefined);
  assert.is(err.text(), '');
});

test('agent.listen: the API on loopback with the token from $tokenEnv; builds get EASTERN_AGENT_TOKEN', async () => {
  const dir = tempDir();
  const port = await freePort();
  mkdirSync(join(dir.path, 'agents'));
  writeFileSync(join(dir.path, 'agents', 'kube1.yaml'), yaml.dump({
    name: 'kube1', environments: ['qa'], kubernetes: { context: 'kube1' },
    jenkins: { url: 'https://j.example/', user: 'u', passwordEnv: 'JENKINS_TOKEN' },
    swarm: { jar: standInJar, java: standIn, sameUser: true },
    agent: { listen: `127.0.0.1:${port}`, tokenEnv: 'MY_TOKEN' },
  }));
  const probe = { info: { context: 'kube1', server: 'https://x', origin: 't' }, version: async () => 'v1.33.0', discovery: async () => ({}) };
  const record = join(dir.path, 'record.jsonl');
  const base = { PATH: process.env.PATH ?? '', HOME: dir.path, JENKINS_TOKEN: 'j', SWARM_STANDIN_RECORD: record };
  try {
    const refused = await startAgent({ config: 'agents/kube1.yaml', cwd: dir.path, env: { ...base, MY_TOKEN: 'short' }, home: dir.path, log: () => {}, connect: async () => probe }).catch((e: unknown) => e);
    assert.instance(refused, ValidationError);
    assert.match((refused as ValidationError).problems.join('\n'), 'agent.tokenEnv: $MY_TOKEN must hold a token of at least 16 characters');

    const token = 'a-long-enough-loopback-token';
    const agent = await startAgent({ config: 'agents/kube1.yaml', cwd: dir.path, env: { ...base, MY_TOKEN: token }, home: dir.path, log: () => {}, connect: async () => probe });
    try {
      const env = { EASTERN_AGENT: `http://127.0.0.1:${port}`, EASTERN_AGENT_TOKEN: token };
      const out = sink();
      const firstErr = sink();
      const code = await runViaAgent('generate', { cwd: repoRoot, env, positional: { file: 'examples/hello-web/kubernetes.yaml', namespace: 'qa' }, set: ['IMAGE_TAG=1'] }, { stdout: out, stderr: firstErr });
      assert.is(code, 0, firstErr.text());
      assert.match(out.text(), 'kind: Deployment');
      const err = sink();
      const wrong = await runViaAgent('generate', { cwd: repoRoot, env: { ...env, EASTERN_AGENT_TOKEN: 'x'.repeat(28) }, positional: { file: 'a.yaml' } }, { stdout: sink(), stderr: err });
      assert.is(wrong, 1);
      assert.match(err.text(), 'refused the generate: missing or wrong agent token');
      const noToken = sink();
      assert.is(await runViaAgent('generate', { cwd: repoRoot, env: { EASTERN_AGENT: env.EASTERN_AGENT }, positional: { file: 'a.yaml' } }, { stdout: sink(), stderr: noToken }), undefined);
      assert.match(noToken.text(), '$EASTERN_AGENT_TOKEN is not set');
      const started = await waitFor('the Swarm client', () => readRecord(record).find((e) => e.type === 'start'));
      assert.is(started.env?.EASTERN_AGENT, `http://127.0.0.1:${port}`);
      assert.is(started.env?.EASTERN_AGENT_TOKEN, token, 'builds can reach the loopback API');
    } finally {
      await agent.shutdown('test over');
    }
  } finally {
    dir.remove();
  }
});

test.run();
