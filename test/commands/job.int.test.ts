// `eastern job` against a local cluster: a Job that succeeds (exit 0, its log on
// stdout), one that fails (exit 3), one that times out (exit 2), one interrupted as
// by Ctrl-C; in every case the Job is gone afterwards.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../src/commands/job.js';
import { ExitCode, RolloutFailedError, RolloutTimeoutError } from '../../src/errors.js';
import { getRaw, kubeConfig, kubeconfigPath, SIMULATE, withNamespace } from '../rollout/cluster.js';

const test = suite('eastern job on a local cluster');

function template(options: { simulate?: string; extra?: string } = {}): { cwd: string; file: string } {
  const cwd = mkdtempSync(join(tmpdir(), 'eastern-job-'));
  const labels = options.simulate ? `\n      labels:\n        ${SIMULATE}: ${options.simulate}` : '';
  writeFileSync(join(cwd, 'job.yaml'), `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations:
        namespace: \${NAMESPACE}${labels}
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: example.com/app:\${IMAGE_TAG}
${options.extra ?? ''}`);
  return { cwd, file: 'job.yaml' };
}

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => { err.push(s); if (process.env.EASTERN_TEST_ECHO) process.stderr.write(s); } } }, stdout: () => out.join(''), stderr: () => err.join('') };
}

const jobRef = (ns: string, name: string) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: ns } });

test('a Job that succeeds: exit 0, name suffixed with the tag, log streamed, Job deleted, other objects applied', async () => {
  const kc = await kubeConfig('kube2');
  await withNamespace(kc, 'job-ok', async (ns) => {
    const { cwd, file } = template({ extra: '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: job-settings\ndata:\n  tag: ${IMAGE_TAG}\n' });
    const out = io();
    const code = await run({ cwd, file, namespace: ns, tag: 'V1.2', kubeconfig: kubeconfigPath(), context: 'kube2', io: out.io, env: {}, timeout: 120 });
    assert.is(code, 0, out.stderr());
    assert.match(out.stdout(), 'simulated container log line 1 (served by kwok)');
    assert.match(out.stderr(), 'created Job/migrate-v1-2');
    assert.match(out.stderr(), 'job/migrate-v1-2 succeeded: completed');
    assert.match(out.stderr(), 'deleted job/migrate-v1-2');
    assert.is(await getRaw(kc, jobRef(ns, 'migrate-v1-2')), undefined, 'the Job is gone');
    const cm = await getRaw<{ data?: { tag?: string } }>(kc, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'job-settings', namespace: ns } });
    assert.is(cm?.data?.tag, 'V1.2', 'the rest of the manifest was applied, with IMAGE_TAG');
  });
});

test('a Job that fails: exit 3 with the reason, and the Job is deleted', async () => {
  const kc = await kubeConfig('kube2');
  await withNamespace(kc, 'job-fail', async (ns) => {
    const { cwd, file } = template({ simulate: 'fail' });
    const out = io();
    try {
      await run({ cwd, file, namespace: ns, tag: 'bad', kubeconfig: kubeconfigPath(), context: 'kube2', io: out.io, env: {}, timeout: 120 });
      assert.unreachable('should fail');
    } catch (error) {
      assert.instance(error, RolloutFailedError, out.stderr());
      assert.is((error as RolloutFailedError).exitCode, ExitCode.rolloutFailed);
      assert.match((error as Error).message, 'job/migrate-bad failed: BackoffLimitExceeded');
    }
    assert.match(out.stderr(), /events of pod migrate-bad-/);
    assert.match(out.stdout(), 'simulated container log line', 'the failed run\'s log was streamed');
    assert.match(out.stderr(), 'deleted job/migrate-bad');
    assert.is(await getRaw(kc, jobRef(ns, 'migrate-bad')), undefined);
  });
});

test('a Job that does not finish in time: exit 2, and the Job is deleted', async () => {
  const kc = await kubeConfig('kube2');
  await withNamespace(kc, 'job-slow', async (ns) => {
    const { cwd, file } = template({ simulate: 'unready' });
    const out = io();
    try {
      await run({ cwd, file, namespace: ns, tag: 'slow', kubeconfig: kubeconfigPath(), context: 'kube2', io: out.io, env: {}, timeout: 4 });
      assert.unreachable('should time out');
    } catch (error) {
      assert.instance(error, RolloutTimeoutError, out.stderr());
      assert.is((error as RolloutTimeoutError).exitCode, ExitCode.timeout);
    }
    assert.is(await getRaw(kc, jobRef(ns, 'migrate-slow')), undefined);
  });
});

test('interrupted (Ctrl-C): the Job is deleted all the same', async () => {
  const kc = await kubeConfig('kube2');
  await withNamespace(kc, 'job-int', async (ns) => {
    const { cwd, file } = template({ simulate: 'unready' });
    const out = io();
    const controller = new AbortController();
    const running = run({ cwd, file, namespace: ns, tag: 'int', kubeconfig: kubeconfigPath(), context: 'kube2', io: out.io, env: {}, timeout: 300, signal: controller.signal });
    const end = Date.now() + 30_000;
    while (!out.stderr().includes('waiting for job/migrate-int')) {
      if (Date.now() > end) throw new Error(`the job did not start:\n${out.stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(await getRaw(kc, jobRef(ns, 'migrate-int')), 'running');
    controller.abort(new Error('SIGINT'));
    assert.is(await running, 130);
    assert.match(out.stderr(), 'deleted job/migrate-int');
    assert.is(await getRaw(kc, jobRef(ns, 'migrate-int')), undefined);
  });
});

test.run();
