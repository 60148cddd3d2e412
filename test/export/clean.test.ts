import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanObject, defaultPullPolicy } from '../../src/export/clean.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { cleanDeployment, liveDeployment, liveService } from './live-objects.js';

const clean = suite('cleaning live objects');

clean('a Deployment loses status, server metadata, bookkeeping annotations and every default', () => {
  assert.equal(cleanObject(liveDeployment()), cleanDeployment());
});

clean('cleaning does not modify its input and is idempotent', () => {
  const live = liveDeployment();
  const before = JSON.stringify(live);
  const once = cleanObject(live);
  assert.is(JSON.stringify(live), before);
  assert.equal(cleanObject(once), once);
});

clean('values a person chose stay, even next to defaults', () => {
  const live = liveDeployment() as KubeObject & { spec: any };
  live.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } };
  live.spec.revisionHistoryLimit = 3;
  live.spec.template.spec.containers[0].imagePullPolicy = 'Always';
  live.spec.template.spec.dnsPolicy = 'None';
  live.spec.template.spec.terminationGracePeriodSeconds = 60;
  const spec = (cleanObject(live) as any).spec;
  assert.equal(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
  assert.is(spec.revisionHistoryLimit, 3);
  assert.is(spec.template.spec.containers[0].imagePullPolicy, 'Always');
  assert.is(spec.template.spec.dnsPolicy, 'None');
  assert.is(spec.template.spec.terminationGracePeriodSeconds, 60);
});

clean('imagePullPolicy is dropped only when it is the default for the tag', () => {
  assert.is(defaultPullPolicy('nginx'), 'Always');
  assert.is(defaultPullPolicy('nginx:latest'), 'Always');
  assert.is(defaultPullPolicy('registry:5000/team/nginx'), 'Always');
  assert.is(defaultPullPolicy('registry:5000/team/nginx:1.2'), 'IfNotPresent');
  assert.is(defaultPullPolicy('nginx@sha256:abcd'), 'IfNotPresent');
});

clean('a Service keeps ports and selector, loses allocated addresses and defaults', () => {
  assert.equal(cleanObject(liveService()), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { ports: [{ name: 'http', port: 80 }], selector: { app: 'web' } },
  });
});

clean('a headless Service keeps clusterIP None', () => {
  const live = liveService() as KubeObject & { spec: any };
  live.spec.clusterIP = 'None';
  live.spec.clusterIPs = ['None'];
  const spec = (cleanObject(live) as any).spec;
  assert.is(spec.clusterIP, 'None');
  assert.is(spec.clusterIPs, undefined);
});

clean('an allocated nodePort goes, a nodePort someone set stays', () => {
  const allocated = (cleanObject(liveService({ type: 'NodePort' })) as any).spec;
  assert.equal(allocated, { ports: [{ name: 'http', port: 80 }], selector: { app: 'web' }, type: 'NodePort' });
  const chosen = (cleanObject(liveService({ type: 'NodePort', nodePortOwned: true })) as any).spec;
  assert.equal(chosen.ports, [{ name: 'http', port: 80, nodePort: 30080 }]);
});

clean('a targetPort different from the port stays', () => {
  const live = liveService() as KubeObject & { spec: any };
  live.spec.ports[0].targetPort = 'http';
  assert.equal((cleanObject(live) as any).spec.ports, [{ name: 'http', port: 80, targetPort: 'http' }]);
});

clean('a Job loses its generated selector and controller labels, keeps its restart policy', () => {
  const job: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'migrate', namespace: 'shop', labels: { app: 'migrate', 'batch.kubernetes.io/controller-uid': 'u1', 'batch.kubernetes.io/job-name': 'migrate', 'controller-uid': 'u1', 'job-name': 'migrate' } },
    spec: {
      parallelism: 1, completions: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, podReplacementPolicy: 'TerminatingOrFailed', manualSelector: false,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } },
      template: {
        metadata: { labels: { app: 'migrate', 'batch.kubernetes.io/controller-uid': 'u1', 'batch.kubernetes.io/job-name': 'migrate', 'controller-uid': 'u1', 'job-name': 'migrate' } },
        spec: { containers: [{ name: 'm', image: 'busybox:1.36', command: ['true'], terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' }], restartPolicy: 'Never', dnsPolicy: 'ClusterFirst' },
      },
    },
    status: { succeeded: 1 },
  };
  assert.equal(cleanObject(job), {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'migrate', labels: { app: 'migrate' } },
    spec: {
      template: {
        metadata: { labels: { app: 'migrate' } },
        spec: { containers: [{ name: 'm', image: 'busybox:1.36', command: ['true'] }], restartPolicy: 'Never' },
      },
    },
  });
});

clean('completions without parallelism keep their meaning', () => {
  const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { completions: 1, parallelism: 3, template: { spec: { containers: [], restartPolicy: 'Never' } } } } as KubeObject;
  assert.equal((cleanObject(job) as any).spec.completions, 1);
  assert.equal((cleanObject(job) as any).spec.parallelism, 3);
});

clean('a CronJob loses its defaults and its job template those of a Job', () => {
  const cron: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'nightly', namespace: 'shop' },
    spec: {
      schedule: '0 3 * * *', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { creationTimestamp: null }, spec: { backoffLimit: 6, template: { metadata: { creationTimestamp: null }, spec: { containers: [{ name: 'c', image: 'busybox' , imagePullPolicy: 'Always' }], restartPolicy: 'OnFailure', schedulerName: 'default-scheduler' } } } },
    },
    status: { lastScheduleTime: '2025-01-01T03:00:00Z' },
  };
  assert.equal(cleanObject(cron), {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'nightly' },
    spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'OnFailure' } } } } },
  });
});

clean('a bound PersistentVolumeClaim loses its volume, binding annotations and protection finalizer', () => {
  const pvc: KubeObject = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: 'data', namespace: 'shop',
      annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes', 'volume.kubernetes.io/storage-provisioner': 'x', 'volume.beta.kubernetes.io/storage-provisioner': 'x' },
      finalizers: ['kubernetes.io/pvc-protection'],
    },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'fast', volumeMode: 'Filesystem', volumeName: 'pvc-123' },
    status: { phase: 'Bound' },
  };
  assert.equal(cleanObject(pvc), {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'fast' },
  });
});

clean('a StatefulSet loses defaults and the status of its claim templates', () => {
  const sts: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'shop' },
    spec: {
      replicas: 1, serviceName: 'db', podManagementPolicy: 'OrderedReady', revisionHistoryLimit: 10,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16' }] } },
      volumeClaimTemplates: [{ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', creationTimestamp: null }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' }, status: { phase: 'Pending' } }],
    },
  };
  assert.equal((cleanObject(sts) as any).spec, {
    replicas: 1, serviceName: 'db',
    selector: { matchLabels: { app: 'db' } },
    template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16' }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
  });
});

clean('replicas of an autoscaled Deployment are left to the HPA', () => {
  const spec = (cleanObject(liveDeployment(), { autoscaled: new Set(['Deployment/web']) }) as any).spec;
  assert.is(spec.replicas, undefined);
  assert.is((cleanObject(liveDeployment(), { autoscaled: new Set(['Deployment/other']) }) as any).spec.replicas, 2);
});

clean("Eastern's own labels are removed, other labels stay", () => {
  const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { 'app.kubernetes.io/managed-by': 'eastern', 'eastern.io/project': 'shop', app: 'x' } }, data: { a: 'b' } };
  assert.equal(cleanObject(cm).metadata, { name: 'c', labels: { app: 'x' } });
  const helm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { 'app.kubernetes.io/managed-by': 'Helm' } } };
  assert.equal(cleanObject(helm).metadata.labels, { 'app.kubernetes.io/managed-by': 'Helm' });
});

clean('a bare Pod loses what the scheduler and admission added', () => {
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'debug', namespace: 'shop' },
    spec: {
      nodeName: 'node-1', priority: 0, preemptionPolicy: 'PreemptLowerPriority', serviceAccountName: 'default', serviceAccount: 'default', enableServiceLinks: true,
      containers: [{ name: 'c', image: 'busybox:1.36', volumeMounts: [{ name: 'kube-api-access-abcde', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }] }],
      volumes: [{ name: 'kube-api-access-abcde', projected: { sources: [] } }],
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'dedicated', operator: 'Equal', value: 'ci', effect: 'NoSchedule' },
      ],
    },
    status: { phase: 'Running' },
  };
  assert.equal((cleanObject(pod) as any).spec, {
    containers: [{ name: 'c', image: 'busybox:1.36' }],
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ci', effect: 'NoSchedule' }],
  });
});

clean('metadata comes out as name, labels, annotations; server order otherwise', () => {
  const out = cleanObject(liveDeployment());
  assert.equal(Object.keys(out), ['apiVersion', 'kind', 'metadata', 'spec']);
  assert.equal(Object.keys(out.metadata), ['name', 'labels', 'annotations']);
});

clean.run();

const policies = suite('cleaning NetworkPolicies');

policies('port protocol TCP and the implied policyTypes go; an explicit Egress-only policy stays', () => {
  const np = (policyTypes: string[], egress?: unknown[]): KubeObject => ({
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p' },
    spec: { podSelector: {}, ingress: [{ ports: [{ protocol: 'TCP', port: 80 }, { protocol: 'UDP', port: 53 }] }], ...(egress && { egress }), policyTypes },
  });
  assert.equal((cleanObject(np(['Ingress'])) as any).spec, { podSelector: {}, ingress: [{ ports: [{ port: 80 }, { protocol: 'UDP', port: 53 }] }] });
  assert.is((cleanObject(np(['Ingress', 'Egress'], [{}])) as any).spec.policyTypes, undefined);
  assert.equal((cleanObject(np(['Egress'])) as any).spec.policyTypes, ['Egress']);
  assert.equal((cleanObject(np(['Ingress', 'Egress'])) as any).spec.policyTypes, ['Ingress', 'Egress']);
});

policies.run();
