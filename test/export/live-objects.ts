// Live objects as the API server returns them after `kubectl apply` of small
// manifests (defaults, status, bookkeeping included), for the cleaning tests.
import type { KubeObject } from '../../src/kube/objects.js';

const meta = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: 'shop',
  uid: '0f0e4f4a-1111-2222-3333-444455556666',
  resourceVersion: '12345',
  creationTimestamp: '2025-01-01T10:00:00Z',
  managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'v1', time: '2025-01-01T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': {} } }],
  ...extra,
});

export function liveDeployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('web', {
      generation: 3,
      labels: { app: 'web' },
      annotations: {
        'deployment.kubernetes.io/revision': '3',
        'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"apps/v1"}\n',
        'team': 'shop',
      },
    }),
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'web' } },
        spec: {
          containers: [{
            name: 'web',
            image: 'nginx:1.27',
            imagePullPolicy: 'IfNotPresent',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            env: [{ name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }],
            readinessProbe: { httpGet: { path: '/', port: 80, scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3, initialDelaySeconds: 2 },
            resources: {},
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
          }],
          volumes: [{ name: 'conf', configMap: { name: 'settings', defaultMode: 420 } }],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          securityContext: {},
          schedulerName: 'default-scheduler',
        },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: { observedGeneration: 3, replicas: 2, readyReplicas: 2 },
  };
}

export function cleanDeployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, annotations: { team: 'shop' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [{
            name: 'web',
            image: 'nginx:1.27',
            ports: [{ containerPort: 80 }],
            env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            readinessProbe: { httpGet: { path: '/', port: 80 }, initialDelaySeconds: 2 },
          }],
          volumes: [{ name: 'conf', configMap: { name: 'settings' } }],
        },
      },
    },
  };
}

export function liveService(opts: { nodePortOwned?: boolean; type?: string } = {}): KubeObject {
  const portFields: Record<string, unknown> = { '.': {}, 'f:port': {}, 'f:protocol': {}, 'f:targetPort': {} };
  if (opts.nodePortOwned) portFields['f:nodePort'] = {};
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('web', {
      managedFields: [{
        manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'v1', time: '2025-01-01T10:00:00Z', fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:ports': { '.': {}, 'k:{"port":80,"protocol":"TCP"}': portFields }, 'f:selector': {} } },
      }],
    }),
    spec: {
      clusterIP: '10.96.12.34',
      clusterIPs: ['10.96.12.34'],
      ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80, ...(opts.type === 'NodePort' ? { nodePort: 30080 } : {}) }],
      selector: { app: 'web' },
      sessionAffinity: 'None',
      type: opts.type ?? 'ClusterIP',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      ...(opts.type === 'NodePort' ? { externalTrafficPolicy: 'Cluster' } : {}),
    },
    status: { loadBalancer: {} },
  };
}
