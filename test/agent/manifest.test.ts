import { test } from 'uvu';
import * as assert from 'uvu/assert';
import yaml from 'js-yaml';
import { agentManifest, formatManifest, literalNamespaces } from '../../src/agent/manifest.js';
import { parseAgent } from '../../src/fleet/schema.js';
import { run } from '../../src/commands/agent-manifest.js';
import { repoRoot, sink } from './helpers.js';

type Obj = Record<string, any>;

function manifestFor(document: Record<string, unknown>, file = `agents/${document.name}.yaml`) {
  const agent = parseAgent(JSON.stringify(document), file);
  const m = agentManifest({ agent, document, image: 'registry.example.com/eastern-agent:1' });
  return { notes: m.notes, objects: m.objects as Obj[] };
}

const base = {
  name: 'kube9',
  environments: ['staging'],
  kubernetes: { context: 'kube9', kubeconfig: '/home/me/.kube/kube9', namespaces: ['staging', 'shop'] },
  jenkins: { url: 'https://jenkins.example.com/', user: 'eastern-kube9', passwordEnv: 'JENKINS_TOKEN', executors: 2 },
  swarm: { jar: '/opt/swarm/swarm-client.jar', java: 'java', user: 'eastern-build' },
};

const byKind = (objects: Obj[], kind: string) => objects.filter((o) => o.kind === kind);

test('a literal allow-list: RoleBindings in exactly those namespaces, no cluster-wide deploy rights', () => {
  const { objects } = manifestFor(base);
  const bindings = byKind(objects, 'RoleBinding');
  assert.equal(bindings.map((b) => b.metadata.namespace), ['staging', 'shop']);
  for (const b of bindings) {
    assert.equal(b.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'eastern-agent-kube9-deploy' });
    assert.equal(b.subjects, [{ kind: 'ServiceAccount', name: 'eastern-agent-kube9', namespace: 'eastern' }]);
  }
  const clusterBindings = byKind(objects, 'ClusterRoleBinding');
  assert.equal(clusterBindings.map((b) => b.roleRef.name), ['eastern-agent-kube9-cluster'], 'only the discovery/namespace role is cluster-wide');
  const clusterRole = objects.find((o) => o.metadata.name === 'eastern-agent-kube9-cluster');
  const nsRule = clusterRole?.rules.find((r: Obj) => r.resources?.includes('namespaces'));
  assert.equal(nsRule, { apiGroups: [''], resources: ['namespaces'], resourceNames: ['staging', 'shop'], verbs: ['get'] });
});

test('a glob allow-list: the deploy role is bound cluster-wide, and the notes say why', () => {
  const m = manifestFor({ ...base, kubernetes: { namespaces: ['app-*', 'staging'] } });
  assert.equal(byKind(m.objects, 'RoleBinding'), []);
  assert.equal(byKind(m.objects, 'ClusterRoleBinding').map((b) => b.roleRef.name), ['eastern-agent-kube9-cluster', 'eastern-agent-kube9-deploy']);
  assert.ok(m.notes.some((n) => n.includes('RBAC cannot express')));
  const clusterRole = m.objects.find((o) => o.metadata.name === 'eastern-agent-kube9-cluster');
  assert.equal(clusterRole?.rules.find((r: Obj) => r.resources?.includes('namespaces')).verbs, ['get', 'create'], 'never delete namespaces');
  assert.is(literalNamespaces(['*', '!kube-*']), undefined, 'the default list is not literal');
});

test('the deploy role grants what deploys need and nothing cluster-scoped', () => {
  const { objects } = manifestFor(base);
  const role = objects.find((o) => o.metadata.name === 'eastern-agent-kube9-deploy');
  const can = (group: string, resource: string, verb: string) =>
    role?.rules.some((r: Obj) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb));
  assert.ok(can('apps', 'deployments', 'patch'), 'server-side apply');
  assert.ok(can('apps', 'deployments', 'delete'), 'prune');
  assert.ok(can('', 'secrets', 'create'), 'release records');
  assert.ok(can('coordination.k8s.io', 'leases', 'update'), 'the lock');
  assert.ok(can('', 'pods/log', 'get'), 'failure output');
  assert.ok(can('', 'events', 'watch'));
  assert.not.ok(can('apps', 'replicasets', 'delete'), 'replica sets are only read');
  assert.not.ok(role?.rules.some((r: Obj) => r.apiGroups.includes('rbac.authorization.k8s.io')), 'no RBAC escalation');
  assert.not.ok(role?.rules.some((r: Obj) => r.resources.includes('*') || r.verbs.includes('*')), 'no wildcards');
});

test('the ConfigMap holds a valid agent file with in-cluster credentials, socket and probe address', () => {
  const { objects } = manifestFor({ ...base, agent: { health: '127.0.0.1:9000', drainGraceSeconds: 60 } });
  const cm = byKind(objects, 'ConfigMap')[0] as Obj;
  const text = cm.data['kube9.yaml'] as string;
  const inside = parseAgent(text, 'kube9.yaml');
  assert.is(inside.kubernetes.context, undefined);
  assert.is(inside.kubernetes.kubeconfig, undefined);
  assert.equal(inside.kubernetes.namespaces, ['staging', 'shop']);
  assert.is(inside.agent.socket, '/run/eastern/kube9/agent.sock', 'a folder the agent creates 0700 inside the emptyDir');
  assert.is(inside.agent.health, '0.0.0.0:9000', 'kubelet probes do not come from loopback');
  const deployment = byKind(objects, 'Deployment')[0] as Obj;
  assert.is(deployment.spec.template.spec.containers[0].ports[0].containerPort, 9000);
  assert.is(deployment.spec.template.spec.terminationGracePeriodSeconds, 90);
});

test('the Deployment: one pod, the agent command, probes, non-root', () => {
  const m = manifestFor(base);
  const d = byKind(m.objects, 'Deployment')[0] as Obj;
  assert.is(d.spec.replicas, 1);
  assert.equal(d.spec.strategy, { type: 'Recreate' });
  const pod = d.spec.template.spec;
  assert.is(pod.serviceAccountName, 'eastern-agent-kube9');
  assert.is(pod.securityContext.runAsNonRoot, true);
  const c = pod.containers[0];
  assert.is(c.name, 'agent');
  assert.equal(c.command, ['eastern', 'agent', 'start', '--config', '/etc/eastern/agents/kube9.yaml']);
  assert.is(c.image, 'registry.example.com/eastern-agent:1');
  assert.equal(c.livenessProbe.httpGet, { path: '/healthz', port: 'health' });
  assert.equal(c.readinessProbe.httpGet, { path: '/readyz', port: 'health' });
  assert.is(c.securityContext.readOnlyRootFilesystem, true);
  assert.is(c.securityContext.allowPrivilegeEscalation, false);
  assert.ok(c.resources.requests.memory);
  assert.ok(pod.volumes.some((v: Obj) => v.name === 'config' && v.configMap.name === 'eastern-agent-kube9'));
  assert.ok(m.notes.some((n) => n.includes('kubectl -n eastern create secret generic eastern-agent-kube9-jenkins --from-literal=JENKINS_TOKEN=')));
});

test('builds never hold the cluster credentials: the token is projected into the agent container only; the Swarm client runs in its own container', () => {
  const m = manifestFor(base);
  const pod = (byKind(m.objects, 'Deployment')[0] as Obj).spec.template.spec;
  assert.is(pod.automountServiceAccountToken, false, 'no token in every container by default');
  const [agentC, swarmC] = pod.containers as Obj[];
  assert.equal(pod.containers.map((c: Obj) => c.name), ['agent', 'swarm']);
  const tokenVolume = pod.volumes.find((v: Obj) => v.projected?.sources?.some((s: Obj) => s.serviceAccountToken));
  assert.ok(tokenVolume, 'a projected ServiceAccount token');
  const mounts = (c: Obj) => c.volumeMounts.map((v: Obj) => v.name);
  assert.ok(mounts(agentC!).includes(tokenVolume.name), 'the agent mounts it where client-node looks for in-cluster credentials');
  assert.ok(agentC!.volumeMounts.some((v: Obj) => v.name === tokenVolume.name && v.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount'));
  assert.not.ok(mounts(swarmC!).includes(tokenVolume.name), 'the Swarm container (the builds) does not');
  // The Jenkins password goes to the Swarm client only; the agent does not need it.
  const usesSecret = (c: Obj) => c.env.some((e: Obj) => e.valueFrom?.secretKeyRef?.key === 'JENKINS_TOKEN');
  assert.ok(usesSecret(swarmC!));
  assert.not.ok(usesSecret(agentC!));
  assert.is.not(swarmC!.securityContext.runAsUser, agentC!.securityContext.runAsUser, 'another user than the agent');
  assert.ok(swarmC!.env.some((e: Obj) => e.name === 'EASTERN_AGENT' && e.value === '/run/eastern/kube9/agent.sock'));
  assert.match(swarmC!.command.join(' '), '-passwordEnvVariable');
  assert.match(swarmC!.command.join(' '), "'-labelsFile' '/run/eastern/kube9/kube9.labels'");
  // The agent file in the pod: no Swarm client of its own to start.
  const inside = parseAgent((byKind(m.objects, 'ConfigMap')[0] as Obj).data['kube9.yaml'], 'kube9.yaml');
  assert.is(inside.swarm.runBy, 'sidecar');
  assert.is(inside.swarm.user, undefined);
});

test('listen mode: the API token comes from the same Secret', () => {
  const m = manifestFor({ ...base, agent: { listen: '127.0.0.1:8420' } });
  const [agentC, swarmC] = (byKind(m.objects, 'Deployment')[0] as Obj).spec.template.spec.containers;
  assert.ok(agentC.env.some((e: Obj) => e.name === 'EASTERN_AGENT_TOKEN' && e.valueFrom.secretKeyRef.key === 'EASTERN_AGENT_TOKEN'));
  assert.ok(swarmC.env.some((e: Obj) => e.name === 'EASTERN_AGENT_TOKEN' && e.valueFrom.secretKeyRef.key === 'EASTERN_AGENT_TOKEN'), 'builds reach the TCP API with it');
  assert.ok(swarmC.env.some((e: Obj) => e.name === 'EASTERN_AGENT' && e.value === 'http://127.0.0.1:8420'));
  const inside = parseAgent((byKind(m.objects, 'ConfigMap')[0] as Obj).data['kube9.yaml'], 'kube9.yaml');
  assert.is(inside.agent.listen, '127.0.0.1:8420');
});

test('notify: the watchman may read nodes and keep its state; the webhook URLs come from the Secret, only into the agent container', () => {
  const m = manifestFor({ ...base, notify: { slack: { webhookEnv: 'SLACK_URL' }, routes: [{ namespaces: ['shop'], webhook: { urlEnv: 'SHOP_HOOK' } }], stateNamespace: 'staging' } });
  const cluster = byKind(m.objects, 'ClusterRole').find((r) => r.metadata.name.endsWith('-cluster'))!;
  assert.ok(cluster.rules.some((r: Obj) => r.resources?.includes('nodes') && r.verbs.join() === 'get,list,watch'), 'nodes: read only');
  const role = byKind(m.objects, 'Role')[0]!;
  assert.is(role.metadata.namespace, 'staging');
  assert.equal(role.rules, [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'patch', 'update'] }]);
  assert.ok(byKind(m.objects, 'RoleBinding').some((b) => b.roleRef.kind === 'Role' && b.metadata.namespace === 'staging'));
  const [agentC, swarmC] = (byKind(m.objects, 'Deployment')[0] as Obj).spec.template.spec.containers;
  for (const key of ['SLACK_URL', 'SHOP_HOOK']) {
    assert.ok(agentC.env.some((e: Obj) => e.name === key && e.valueFrom.secretKeyRef.key === key), `${key} from the Secret`);
    assert.not.ok(swarmC.env.some((e: Obj) => e.name === key), `builds never get ${key}`);
  }
  assert.match(m.notes.join('\n'), '--from-literal=SLACK_URL=… --from-literal=SHOP_HOOK=…');
  const without = manifestFor({ ...base, notify: { webhook: { urlEnv: 'HOOK' }, nodes: false } });
  assert.not.ok(byKind(without.objects, 'ClusterRole').some((r) => r.rules.some((x: Obj) => x.resources?.includes('nodes'))), 'no node access when nodes are not watched');
  assert.is(byKind(manifestFor(base).objects, 'Role').length, 0, 'nothing extra without notify:');
});

test('`eastern agent manifest` prints parseable YAML for the shipped agent files, without secrets', async () => {
  for (const name of ['kube1', 'kube2', 'gke']) {
    const out = sink();
    const code = await run({ cwd: repoRoot, config: `agents/${name}.yaml`, io: { stdout: out, stderr: sink() } });
    assert.is(code, 0);
    const docs = yaml.loadAll(out.text()) as Obj[];
    assert.equal(docs.map((d) => d.kind), [
      'Namespace', 'ServiceAccount', 'ConfigMap', 'ClusterRole', 'ClusterRole', 'ClusterRoleBinding',
      ...docs.filter((d) => d.kind === 'RoleBinding' || (d.kind === 'ClusterRoleBinding' && d.metadata.name.endsWith('-deploy'))).map((d) => d.kind),
      'Deployment',
    ]);
    assert.match(out.text(), /^# Eastern agent /);
    assert.not.match(out.text(), /password:|value: .*token/i);
    assert.is(formatManifest({ notes: [], objects: [] }), '\n');
  }
});

test.run();
