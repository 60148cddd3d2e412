// `eastern agent manifest`: the objects that run one agent inside its own cluster,
// with in-cluster credentials. Pure: the agent file in, plain objects out.
//
// Least privilege: the agent's ServiceAccount may manage the kinds Eastern deploys
// (plus Leases for the lock and Secrets for release records) only where deploys may
// go. A literal allow-list gets one RoleBinding per namespace; a glob list cannot be
// expressed in RBAC, so it gets a ClusterRoleBinding and the agent's own allow-list
// (checked before rendering) is the guard for the rest.
//
// Builds never hold the cluster credentials: the pod mounts no ServiceAccount token
// by default; the token is projected into the agent's container only. The Swarm
// client (and so every build) runs in a second container, as another user, with
// the Jenkins password and the agent's socket (shared through the pod's group) and
// nothing else.
import yaml from 'js-yaml';
import type { AgentDefinition } from '../fleet/schema.js';
import { parseHostPort } from './settings.js';

export const AGENT_NAMESPACE = 'eastern';
export const HEALTH_PORT = 8417;
const CONFIG_DIR = '/etc/eastern/agents';
const RUN_DIR = '/run/eastern';
const HOME = '/home/eastern';
const BUILD_HOME = '/home/jenkins';
const UID = 10001;
/** The Swarm client's container: another user, in the pod's group (fsGroup) so it may use the agent's socket. */
const BUILD_UID = 10002;
const TOKEN_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

type Obj = Record<string, unknown>;

const allVerbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const readVerbs = ['get', 'list', 'watch'];

/**
 * Namespaced rules for deploys, rollback, diff and job: the kinds Eastern's
 * templates commonly hold, what the rollout watch reads, the lock and the records.
 * Templates with other kinds (CRDs) need a rule added here or in the cluster.
 */
export const deployRules: Obj[] = [
  { apiGroups: [''], resources: ['configmaps', 'secrets', 'services', 'serviceaccounts', 'persistentvolumeclaims'], verbs: allVerbs },
  { apiGroups: [''], resources: ['pods'], verbs: [...readVerbs, 'delete'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: readVerbs },
  { apiGroups: [''], resources: ['events'], verbs: readVerbs },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: readVerbs },
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets'], verbs: allVerbs },
  { apiGroups: ['apps'], resources: ['replicasets', 'controllerrevisions'], verbs: readVerbs },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: allVerbs },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: allVerbs },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: allVerbs },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'networkpolicies'], verbs: allVerbs },
  // The deploy lock: one Lease per project and namespace.
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update', 'delete'] },
];

export interface ManifestOptions {
  agent: AgentDefinition;
  /** The agent file as written (parsed YAML), copied into the ConfigMap with in-cluster settings. */
  document: Record<string, unknown>;
  image: string;
}

export interface AgentManifest {
  /** Comment lines printed before the objects. */
  notes: string[];
  objects: Obj[];
}

/** True when every allow-list entry names one namespace (no glob, no exclusion). */
export function literalNamespaces(patterns: readonly string[]): string[] | undefined {
  return patterns.every((p) => /^[a-z0-9-]+$/.test(p)) ? [...patterns] : undefined;
}

export function secretName(agent: AgentDefinition): string {
  return `eastern-agent-${agent.name}-jenkins`;
}

/** The agent file as the pod reads it: in-cluster credentials, socket and probes inside the pod. */
export function inClusterDocument(agent: AgentDefinition, document: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(document);
  const kubernetes = { ...((copy.kubernetes as Obj | undefined) ?? {}) };
  delete kubernetes.context;
  delete kubernetes.kubeconfig;
  if (Object.keys(kubernetes).length > 0) copy.kubernetes = kubernetes;
  else delete copy.kubernetes;
  const section = { ...((copy.agent as Obj | undefined) ?? {}) };
  // The socket folder is shared with the pod's group only: the agent creates it inside the emptyDir.
  if (section.listen === undefined) section.socket = socketPath(agent);
  // The container boundary replaces the OS user: the Swarm client runs in its own container.
  const swarm = { ...((copy.swarm as Obj | undefined) ?? {}) };
  delete swarm.user;
  delete swarm.group;
  delete swarm.sameUser;
  swarm.runBy = 'sidecar';
  copy.swarm = swarm;
  // Kubelet probes come from outside the pod's loopback.
  const port = agent.agent.health ? parseHostPort(agent.agent.health).port : HEALTH_PORT;
  section.health = `0.0.0.0:${port}`;
  copy.agent = section;
  return copy;
}

function socketPath(agent: AgentDefinition): string {
  return `${RUN_DIR}/${agent.name}/agent.sock`;
}

/** The Swarm client's command in its container: the agent's settings, the agent's labels file, the password from the Secret. */
function swarmContainerCommand(agent: AgentDefinition): string[] {
  const labels = `${RUN_DIR}/${agent.name}/${agent.name}.labels`;
  const args = [
    '-jar', agent.swarm.jar, '-url', agent.jenkins.url, '-name', agent.name, '-labelsFile', labels,
    '-mode', 'exclusive', '-executors', String(agent.jenkins.executors), '-disableClientsUniqueId',
    '-username', agent.jenkins.user, '-passwordEnvVariable', agent.jenkins.passwordEnv,
    ...(agent.swarm.extraArgs.includes('-fsroot') ? [] : ['-fsroot', `${BUILD_HOME}/agent`]),
    ...agent.swarm.extraArgs,
  ];
  const quoted = [agent.swarm.java, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // The agent writes the labels file once it runs; the client needs it at start.
  return ['/bin/sh', '-c', `until [ -s '${labels}' ]; do sleep 1; done; exec ${quoted}`];
}

export function agentManifest(options: ManifestOptions): AgentManifest {
  const { agent, image } = options;
  const ns = AGENT_NAMESPACE;
  const name = `eastern-agent-${agent.name}`;
  const labels = { 'app.kubernetes.io/name': 'eastern-agent', 'app.kubernetes.io/instance': agent.name, 'app.kubernetes.io/managed-by': 'eastern' };
  const subject = { kind: 'ServiceAccount', name, namespace: ns };
  const configDoc = inClusterDocument(agent, options.document);
  const health = parseHostPort((configDoc.agent as { health: string }).health);
  const literal = literalNamespaces(agent.kubernetes.namespaces);
  // Webhook URLs carry tokens: they come from the same Secret as the Jenkins password.
  const notifyEnvs = [...new Set(agent.notify ? [agent.notify, ...agent.notify.routes].flatMap((s) => [s.slackEnv, s.webhookEnv]).filter((e): e is string => e !== undefined) : [])];
  const fsrootIndex = agent.swarm.extraArgs.indexOf('-fsroot');
  const fsroot = fsrootIndex >= 0 ? agent.swarm.extraArgs[fsrootIndex + 1] : undefined;

  const objects: Obj[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'app.kubernetes.io/managed-by': 'eastern' } } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns, labels } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: ns, labels },
      data: { [`${agent.name}.yaml`]: yaml.dump(configDoc, { lineWidth: -1, noRefs: true }) },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `${name}-deploy`, labels },
      rules: deployRules,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `${name}-cluster`, labels },
      rules: [
        // Discovery and version (most clusters grant these to everyone; some do not).
        { nonResourceURLs: ['/version', '/api', '/api/*', '/apis', '/apis/*', '/openapi/*'], verbs: ['get'] },
        // The rollout watch of a PersistentVolumeClaim reads its StorageClass's binding mode.
        { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: readVerbs },
        // The watchman reports nodes that are not ready (notify.nodes).
        ...(agent.notify?.watch.nodes ? [{ apiGroups: [''], resources: ['nodes'], verbs: readVerbs }] : []),
        literal
          ? { apiGroups: [''], resources: ['namespaces'], resourceNames: literal, verbs: ['get'] }
          : // A deploy creates a missing target namespace; never delete.
            { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'create'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `${name}-cluster`, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${name}-cluster` },
      subjects: [subject],
    },
    ...(literal
      ? literal.map((target) => ({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: `${name}-deploy`, namespace: target, labels },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${name}-deploy` },
          subjects: [subject],
        }))
      : [
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRoleBinding',
            metadata: { name: `${name}-deploy`, labels },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${name}-deploy` },
            subjects: [subject],
          },
        ]),
    ...watchStateAccess(),
    deployment(),
  ];

  /** The watchman keeps its open incidents in one ConfigMap of notify.stateNamespace. */
  function watchStateAccess(): Obj[] {
    const state = agent.notify?.watch.stateNamespace;
    if (!state) return [];
    return [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: `${name}-watch-state`, namespace: state, labels }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'patch', 'update'] }] },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: `${name}-watch-state`, namespace: state, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${name}-watch-state` },
        subjects: [subject],
      },
    ];
  }

  function deployment(): Obj {
    const secret = (key: string) => ({ name: key, valueFrom: { secretKeyRef: { name: secretName(agent), key } } });
    const agentEnv: Obj[] = [{ name: 'HOME', value: HOME }];
    if (agent.agent.listen) agentEnv.push(secret(agent.agent.tokenEnv));
    for (const key of notifyEnvs) agentEnv.push(secret(key));
    const swarmEnv: Obj[] = [
      secret(agent.jenkins.passwordEnv),
      { name: 'HOME', value: BUILD_HOME },
      { name: 'EASTERN_CLUSTER', value: agent.name },
      { name: 'EASTERN_AGENT', value: agent.agent.listen ? `http://${agent.agent.listen}` : socketPath(agent) },
      ...(agent.agent.listen ? [{ ...secret(agent.agent.tokenEnv), name: 'EASTERN_AGENT_TOKEN' }] : []),
    ];
    const volumes: Obj[] = [
      { name: 'config', configMap: { name } },
      { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
      { name: 'home', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
      { name: 'build-home', emptyDir: {} },
      { name: 'build-tmp', emptyDir: {} },
      {
        // What the kubelet would automount, projected here so that only the agent's container mounts it.
        name: 'cluster-credentials',
        projected: {
          defaultMode: 0o440,
          sources: [
            { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
          ],
        },
      },
    ];
    const buildMounts: Obj[] = [
      { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
      { name: 'run', mountPath: RUN_DIR },
      { name: 'build-home', mountPath: BUILD_HOME },
      { name: 'build-tmp', mountPath: '/tmp' },
    ];
    if (fsroot !== undefined && fsroot.startsWith('/') && !fsroot.startsWith(`${BUILD_HOME}/`)) {
      buildMounts.push({ name: 'workspace', mountPath: fsroot });
      volumes.push({ name: 'workspace', emptyDir: {} });
    }
    const hardened = (uid: number) => ({ runAsUser: uid, runAsGroup: uid, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    const probe = (path: string, extra: Obj) => ({ httpGet: { path, port: 'health' }, ...extra });
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns, labels },
      spec: {
        // One Jenkins node per name (-disableClientsUniqueId): never two pods at once.
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { 'app.kubernetes.io/name': 'eastern-agent', 'app.kubernetes.io/instance': agent.name } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            // The token goes only where it is needed (the agent's container), not into every container.
            automountServiceAccountToken: false,
            // Room for the drain (running deploys finish) plus stopping the Swarm client.
            terminationGracePeriodSeconds: agent.agent.drainGraceSeconds + 30,
            securityContext: { runAsNonRoot: true, fsGroup: UID, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'agent',
                image,
                command: ['eastern', 'agent', 'start', '--config', `${CONFIG_DIR}/${agent.name}.yaml`],
                env: agentEnv,
                ports: [{ name: 'health', containerPort: health.port, protocol: 'TCP' }],
                startupProbe: probe('/healthz', { periodSeconds: 2, failureThreshold: 60 }),
                livenessProbe: probe('/healthz', { periodSeconds: 10, failureThreshold: 3 }),
                readinessProbe: probe('/readyz', { periodSeconds: 10, failureThreshold: 3 }),
                resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
                securityContext: hardened(UID),
                volumeMounts: [
                  { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                  { name: 'run', mountPath: RUN_DIR },
                  { name: 'home', mountPath: HOME },
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'cluster-credentials', mountPath: TOKEN_DIR, readOnly: true },
                ],
              },
              {
                name: 'swarm',
                image,
                command: swarmContainerCommand(agent),
                env: swarmEnv,
                resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '2Gi' } },
                securityContext: hardened(BUILD_UID),
                volumeMounts: buildMounts,
              },
            ],
            volumes,
          },
        },
      },
    };
  }

  const secretKeys = [agent.jenkins.passwordEnv, ...(agent.agent.listen ? [agent.agent.tokenEnv] : []), ...notifyEnvs];
  const notes = [
    `Eastern agent ${agent.name} inside its cluster (from ${agent.file}); apply with: kubectl apply -f -`,
    `First create the Secret with the Jenkins password${notifyEnvs.length ? ' and the webhook URLs' : ''} (never part of this output):`,
    `  kubectl -n ${ns} create secret generic ${secretName(agent)} ${secretKeys.map((k) => `--from-literal=${k}=…`).join(' ')}`,
    `The image must hold eastern (on PATH), /bin/sh, ${agent.swarm.java} and ${agent.swarm.jar}.`,
    `Builds run in the "swarm" container (uid ${BUILD_UID}): it has no ServiceAccount token (projected into the "agent" container only) and reaches the cluster through the agent's socket; it does hold the Jenkins agent password (give that Jenkins user only the agent-connect permission).`,
    literal
      ? `RBAC: RoleBindings in ${literal.join(', ')} only (kubernetes.namespaces is a literal list); create those namespaces beforehand.`
      : `RBAC: kubernetes.namespaces has globs (${agent.kubernetes.namespaces.join(', ')}), which RBAC cannot express: the deploy role is bound cluster-wide and the agent refuses other namespaces before rendering. List namespaces literally to get per-namespace RoleBindings.`,
    `Kinds beyond those in ClusterRole ${name}-deploy (e.g. custom resources) need rules added there.`,
  ];
  return { notes, objects };
}

export function formatManifest(manifest: AgentManifest): string {
  const head = manifest.notes.map((n) => `# ${n}`).join('\n');
  const docs = manifest.objects.map((o) => yaml.dump(o, { lineWidth: -1, noRefs: true, sortKeys: false }));
  return `${head}\n${docs.map((d) => `---\n${d}`).join('')}`;
}
