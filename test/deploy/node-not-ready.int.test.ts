// A pod that a briefly NotReady node made unready (the node lifecycle controller
// sets Ready=False on its pods) is Ready again once KWOK, playing the kubelet, is
// back (test/cluster/stages.mjs, eastern-pod-ready-again): a rollout still waiting
// for it completes instead of timing out. Pods simulating `unready` stay unready.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { V1Pod } from '@kubernetes/client-node';
import { run as deploy } from '../../src/commands/deploy.js';
import { capture, client, deleteNamespace, eventually, kubeconfig, projectDir, uniqueNamespace } from '../kube/helpers.js';

const CTX = 'kube1';
const namespaces: string[] = [];

const web = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  minReadySeconds: 5
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example/web:1
`;

async function coreApi() {
  const k8s = await import('@kubernetes/client-node');
  return (await client(CTX)).target.kubeConfig.makeApiClient(k8s.CoreV1Api);
}

const readyOf = (pod: V1Pod) => pod.status?.conditions?.find((c) => c.type === 'Ready');

/** What the node lifecycle controller does to the pods of a NotReady node. */
async function markNotReady(namespace: string, name: string): Promise<void> {
  const api = await coreApi();
  for (let attempt = 1; ; attempt++) {
    const pod = await api.readNamespacedPod({ name, namespace });
    const ready = readyOf(pod)!;
    ready.status = 'False';
    ready.reason = 'NodeNotReady';
    ready.message = 'simulated by node-not-ready.int.test.ts';
    ready.lastTransitionTime = new Date();
    try {
      await api.replaceNamespacedPodStatus({ name, namespace, body: pod });
      return;
    } catch (error) {
      if ((error as { code?: number }).code !== 409 || attempt >= 5) throw error;
    }
  }
}

test('a pod marked NotReady mid-rollout becomes Ready again and the deploy succeeds; simulated unready pods stay unready', async () => {
  const namespace = uniqueNamespace('notready');
  namespaces.push(namespace);
  const kube = await client(CTX);
  await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  // Not deployed through Eastern (its rollout would never finish): a simulated unready pod.
  await kube.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'unready', namespace, labels: { 'eastern.test/simulate': 'unready' } },
    spec: { containers: [{ name: 'c', image: 'registry.example/unready:1' }] },
  });

  const api = await coreApi();
  const dir = projectDir('notready', { 'kubernetes.yaml': web });
  const c = capture();
  const running = deploy({ cwd: dir, kubeconfig: kubeconfig(), context: CTX, file: 'kubernetes.yaml', namespace, timeout: 60, io: c.io } as never).catch((e: unknown) => e);
  // Inside minReadySeconds: the Deployment is not available yet when the pod turns unready.
  const victim = await eventually('a Ready web pod', async () => {
    const pods = (await api.listNamespacedPod({ namespace, labelSelector: 'app=web' })).items;
    return pods.find((p) => readyOf(p)?.status === 'True')?.metadata?.name;
  }, 30_000, 100);
  await markNotReady(namespace, victim);
  const marked = Date.now();
  const code = await running;
  assert.is(code, 0, c.stderr());
  assert.ok(Date.now() - marked > 2000, 'the deploy waited for the pod to be Ready again');

  const pod = await api.readNamespacedPod({ name: victim, namespace });
  assert.is(readyOf(pod)?.status, 'True');
  assert.is.not(readyOf(pod)?.reason, 'NodeNotReady', 'the stale reason is cleared');
  const unready = await api.readNamespacedPod({ name: 'unready', namespace });
  assert.is(unready.status?.phase, 'Running');
  assert.is(readyOf(unready)?.status, 'False', 'a simulated unready pod is never made Ready');
  assert.is(readyOf(unready)?.reason, 'ContainersNotReady');
});

test.after(async () => {
  for (const n of namespaces) await deleteNamespace(CTX, n);
});

test.run();
