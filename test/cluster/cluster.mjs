#!/usr/bin/env node
// Two real local Kubernetes clusters, kube1 and kube2, for Eastern's tests and
// demo: each runs its own etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and KWOK (which plays the kubelet for three fake nodes), all
// on loopback. Binaries come from build.mjs (built from Go modules, cached in
// ~/.cache/eastern/cluster/); runtime state lives in <root>/.cluster/.
//
// CLI:  node test/cluster/cluster.mjs up|down|status|restart CLUSTER [COMPONENT]
// API:  import { up, down, status, restart } from './test/cluster/cluster.mjs'
//       await up({ root })     -> { kubeconfig, started }   (started=false: reused healthy running clusters
//                                                            built from the current binaries)
//       await down({ root })   -> { stopped }               (number of processes stopped)
//       await status({ root }) -> { running, kubeconfig, clusters: [{ name, server, version, ports, ready, error, processes }] }
//       await restart({ root, cluster: 'kube1', component: 'apiserver' }) -> { pid, stoppedMs, readyMs }
//                                  (one process stopped and started again with the same command line)
//
// Only node: built-ins; plain ESM so it runs before anything is compiled.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { build, plan } from './build.mjs';
import { kwokConfig, logFiles } from './stages.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const defaultRoot = path.resolve(here, '..', '..');

/**
 * First port of the block the clusters use; kube1 gets base+100, kube2 base+200.
 * The default blocks lie below Linux's ephemeral range (32768-60999): a port in
 * that range can be taken by any outgoing connection's local end between the
 * free-port check and the component's bind (seen in CI: kwok's 46250).
 */
export const PORT_BASES = [26000, 27000, 28000, 29000, 31000];
const PORT_BASE = Number(process.env.EASTERN_CLUSTER_PORT_BASE || PORT_BASES[0]);
const NODES_PER_CLUSTER = 3;
const COMPONENTS = ['etcd', 'apiserver', 'controller-manager', 'scheduler', 'kwok'];

// Kubernetes minor per cluster (a module in test/cluster/k8s/<minor>/): the two
// clusters differ like a real fleet.
const KUBERNETES = { kube1: '1.30', kube2: '1.33' };

/** Every port the two clusters listen on when their block starts at base. */
export function clusterPorts(base = PORT_BASE) {
  return clusterSpecs(base).flatMap((c) => Object.values(c.ports));
}

/** The kernel's range of ports for outgoing connections, or null where unknown. */
export function ephemeralPortRange() {
  try {
    const [low, high] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && Number.isInteger(high) ? { low, high } : null;
  } catch {
    return null;
  }
}

function clusterSpecs(base = PORT_BASE) {
  return ['kube1', 'kube2'].map((name, i) => {
    const b = base + 100 * (i + 1);
    return {
      name,
      kubernetes: KUBERNETES[name],
      ports: { etcd: b + 1, etcdPeer: b + 2, apiserver: b + 43, kubelet: b + 50, controllerManager: b + 57, scheduler: b + 59 },
    };
  });
}

function paths(root) {
  const state = path.join(path.resolve(root), '.cluster');
  return {
    state,
    kubeconfig: path.join(state, 'kubeconfig'),
    logs: path.join(state, 'logs'),
    pids: path.join(state, 'pids'),
    lock: path.join(state, 'lock'),
    stateFile: path.join(state, 'state.json'),
    cluster: (name) => path.join(state, name),
    pidFile: (name, component) => path.join(state, 'pids', `${name}-${component}.pid`),
    logFile: (name, component) => path.join(state, 'logs', `${name}-${component}.log`),
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function fmt(ms) {
  return `${(ms / 1000).toFixed(1)}s`;
}

// ---------------------------------------------------------------- processes

/** The process is alive (not a zombie) and its command line mentions `marker`. */
function processAlive(pid, marker) {
  if (!pid) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const st = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (st === 'Z' || st === 'X') return false;
    if (!marker) return true;
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}

function readPid(file) {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

function tail(file, lines = 40) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch (err) {
    return `(no log: ${err.message})`;
  }
}

/** Our binaries live under <cache>/eastern/cluster/<key>/. */
function cacheRoot() {
  return path.dirname(plan().dir);
}

/**
 * Every process that belongs to this state directory: the ones in pid files,
 * plus any process running one of our cached binaries with the state directory
 * in its command line (e.g. left behind by an `up` that crashed before writing
 * its pid file).
 */
function ourProcesses(p) {
  const found = new Map();
  const marker = p.state + path.sep;
  try {
    for (const f of fs.readdirSync(p.pids)) {
      const pid = readPid(path.join(p.pids, f));
      if (processAlive(pid, marker)) found.set(pid, f.replace(/\.pid$/, ''));
    }
  } catch {
    // no pid directory
  }
  let bins = '';
  try {
    bins = cacheRoot() + path.sep;
  } catch {
    // go missing: we can still stop what the pid files name
  }
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!pid || pid === process.pid || found.has(pid)) continue;
    try {
      const exe = fs.readlinkSync(`/proc/${pid}/exe`);
      if (!bins || !exe.startsWith(bins)) continue;
      if (!processAlive(pid, marker)) continue;
      found.set(pid, path.basename(exe.replace(/ \(deleted\)$/, '')));
    } catch {
      // gone, or not ours to inspect
    }
  }
  return found;
}

class Aborted extends Error {}

function checkAborted(c) {
  if (c.abort?.reason) throw new Aborted(`${c.name}: start abandoned (${c.abort.reason})`);
}

/**
 * Starts a daemon: own session and process group, output to its log file
 * (appended to when `append`, as on a restart, so the earlier run's log stays).
 */
function startDaemon(p, c, component, bin, args, env = {}, { append = false } = {}) {
  checkAborted(c);
  const logFile = p.logFile(c.name, component);
  const fd = fs.openSync(logFile, append ? 'a' : 'w');
  fs.writeSync(fd, `# ${new Date().toISOString()}${append ? ' (restart)' : ''} ${bin} ${args.join(' ')}\n`);
  const child = spawn(bin, args, {
    cwd: p.cluster(c.name),
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
  fs.closeSync(fd);
  if (!child.pid) throw new Error(`cannot start ${c.name} ${component} (${bin})`);
  fs.writeFileSync(p.pidFile(c.name, component), String(child.pid));
  c.procs[component] = { pid: child.pid, logFile, exit: null };
  child.on('exit', (code, signal) => {
    c.procs[component].exit = signal || code;
  });
  child.on('error', (err) => {
    c.procs[component].exit = err.message;
  });
  child.unref();
}

/** Throws, with the log tail, if a component of cluster c has exited. */
function checkAlive(p, c) {
  for (const [component, proc] of Object.entries(c.procs)) {
    if (proc.exit !== null || !processAlive(proc.pid, p.state + path.sep)) {
      throw new Error(
        `${c.name} ${component} (pid ${proc.pid}) exited${proc.exit !== null ? ` (${proc.exit})` : ''}; ` +
        `log ${proc.logFile}:\n----- ${c.name}-${component}.log (tail) -----\n${tail(proc.logFile)}\n-----`,
      );
    }
  }
}

async function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

// ---------------------------------------------------------------- PKI

function openssl(args, cwd) {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if (err.code === 'ENOENT') throw new Error('openssl not found: it is needed to create the clusters\' certificates (apt-get install openssl)');
    throw new Error(`openssl ${args.join(' ')} failed:\n${err.stderr}`);
  }
}

function newKey(dir, name) {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
}

function newCA(dir, name, cn) {
  newKey(dir, name);
  openssl(['req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-days', '3650', '-out', `${name}.crt`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'], dir);
}

function newCert(dir, name, subject, { server = [], client = true, ca = 'ca' } = {}) {
  newKey(dir, name);
  const eku = [client && 'clientAuth', server.length && 'serverAuth'].filter(Boolean).join(',');
  const args = ['req', '-new', '-x509', '-key', `${name}.key`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`,
    '-subj', subject, '-days', '3650', '-out', `${name}.crt`,
    '-addext', 'basicConstraints=critical,CA:FALSE',
    '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
    '-addext', `extendedKeyUsage=${eku}`];
  if (server.length) args.push('-addext', `subjectAltName=${server.join(',')}`);
  openssl(args, dir);
}

function makePki(dir, name) {
  fs.mkdirSync(dir, { recursive: true });
  newCA(dir, 'ca', `eastern-${name}-ca`);
  newCert(dir, 'apiserver', '/CN=kube-apiserver', {
    client: false,
    server: ['IP:127.0.0.1', 'IP:10.96.0.1', 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local'],
  });
  newCert(dir, 'admin', `/O=system:masters/CN=${name}-admin`);
  newCert(dir, 'controller-manager', '/CN=system:kube-controller-manager');
  newCert(dir, 'scheduler', '/CN=system:kube-scheduler');
  // KWOK patches node and pod status, deletes pods and renews leases for every
  // fake node, so it is an administrator here.
  newCert(dir, 'kwok', '/O=system:masters/CN=kwok-controller');
  newCert(dir, 'apiserver-kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client');
  // Serving certificate of KWOK's kubelet endpoint (logs), checked by the apiserver.
  newCert(dir, 'kubelet', '/CN=kwok-kubelet', { client: false, server: ['IP:127.0.0.1', 'DNS:localhost'] });
  // Request-header (front proxy) authentication, as in a kubeadm cluster: the
  // controller-manager and scheduler expect its CA in extension-apiserver-authentication.
  newCA(dir, 'front-proxy-ca', `eastern-${name}-front-proxy-ca`);
  newCert(dir, 'front-proxy-client', '/CN=front-proxy-client', { ca: 'front-proxy-ca' });
  newKey(dir, 'sa');
  openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
}

// ---------------------------------------------------------------- kubeconfigs

const b64 = (file) => fs.readFileSync(file).toString('base64');

function componentKubeconfig(file, c, pki, user) {
  fs.writeFileSync(file, `apiVersion: v1
kind: Config
clusters:
- name: ${c.name}
  cluster:
    server: https://127.0.0.1:${c.ports.apiserver}
    certificate-authority: ${path.join(pki, 'ca.crt')}
users:
- name: ${user}
  user:
    client-certificate: ${path.join(pki, user + '.crt')}
    client-key: ${path.join(pki, user + '.key')}
contexts:
- name: ${c.name}
  context:
    cluster: ${c.name}
    user: ${user}
current-context: ${c.name}
`);
}

function adminKubeconfig(file, clusters, p) {
  const clusterEntries = clusters.map((c) => `- name: ${c.name}
  cluster:
    server: https://127.0.0.1:${c.ports.apiserver}
    certificate-authority-data: ${b64(path.join(p.cluster(c.name), 'pki', 'ca.crt'))}`).join('\n');
  const userEntries = clusters.map((c) => `- name: ${c.name}-admin
  user:
    client-certificate-data: ${b64(path.join(p.cluster(c.name), 'pki', 'admin.crt'))}
    client-key-data: ${b64(path.join(p.cluster(c.name), 'pki', 'admin.key'))}`).join('\n');
  const contextEntries = clusters.map((c) => `- name: ${c.name}
  context:
    cluster: ${c.name}
    user: ${c.name}-admin`).join('\n');
  const text = `# Written by test/cluster/cluster.mjs: admin credentials for the local test clusters.
apiVersion: v1
kind: Config
clusters:
${clusterEntries}
users:
${userEntries}
contexts:
${contextEntries}
current-context: ${clusters[0].name}
`;
  fs.writeFileSync(file + '.tmp', text, { mode: 0o600 });
  fs.renameSync(file + '.tmp', file);
}

// ---------------------------------------------------------------- API client

/** A request to a cluster's apiserver with its admin certificate. */
function api(c, pki, method, urlPath, body, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request({
      host: '127.0.0.1',
      port: c.ports.apiserver,
      method,
      path: urlPath,
      ca: fs.readFileSync(path.join(pki, 'ca.crt')),
      cert: fs.readFileSync(path.join(pki, 'admin.crt')),
      key: fs.readFileSync(path.join(pki, 'admin.key')),
      headers: data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      timeout: timeoutMs,
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          // plain text (e.g. /readyz)
        }
        resolve({ status: res.statusCode, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

function httpGet(port, urlPath, timeoutMs = 3000) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: timeoutMs }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Polls fn until it returns a truthy value; fails early if a component died. */
async function waitFor(p, c, what, timeoutMs, fn) {
  const started = Date.now();
  let last = '';
  for (;;) {
    checkAborted(c);
    checkAlive(p, c);
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err.message;
    }
    if (Date.now() - started > timeoutMs) {
      const logs = Object.entries(c.procs)
        .map(([comp, proc]) => `----- ${c.name}-${comp}.log (tail) -----\n${tail(proc.logFile, 15)}`).join('\n');
      throw new Error(`${c.name}: timed out after ${fmt(timeoutMs)} waiting for ${what}${last ? ` (last error: ${last})` : ''}\n${logs}`);
    }
    await sleep(300);
  }
}

async function create(c, pki, urlPath, obj) {
  const r = await api(c, pki, 'POST', urlPath, obj);
  if (r.status !== 201 && r.status !== 409) {
    throw new Error(`${c.name}: POST ${urlPath} -> ${r.status}: ${r.text.slice(0, 500)}`);
  }
}

// ---------------------------------------------------------------- one cluster

async function startCluster(p, c, bins, log) {
  const kube = bins.kube[c.kubernetes];
  if (!kube) throw new Error(`${c.name}: no Kubernetes ${c.kubernetes} build (test/cluster/k8s/${c.kubernetes}/ missing?)`);
  const dir = p.cluster(c.name);
  const pki = path.join(dir, 'pki');
  const t0 = Date.now();
  const L = (m) => log(`[${c.name}] ${m}`);

  // etcd: small and fast; the data is thrown away on the next fresh start.
  startDaemon(p, c, 'etcd', bins.etcd, [
    `--name=${c.name}`,
    `--data-dir=${path.join(dir, 'etcd')}`,
    `--listen-client-urls=http://127.0.0.1:${c.ports.etcd}`,
    `--advertise-client-urls=http://127.0.0.1:${c.ports.etcd}`,
    `--listen-peer-urls=http://127.0.0.1:${c.ports.etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${c.ports.etcdPeer}`,
    `--initial-cluster=${c.name}=http://127.0.0.1:${c.ports.etcdPeer}`,
    '--initial-cluster-state=new',
    '--quota-backend-bytes=1073741824',
    '--snapshot-count=10000',
    '--auto-compaction-mode=periodic',
    '--auto-compaction-retention=5m',
    '--unsafe-no-fsync',
    '--log-level=warn',
  ]);
  await waitFor(p, c, 'etcd /health', 30000, async () => {
    const r = await httpGet(c.ports.etcd, '/health');
    return r.status === 200 && r.text.includes('"health":"true"');
  });

  startDaemon(p, c, 'apiserver', kube, [
    'kube-apiserver',
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${c.ports.apiserver}`,
    `--etcd-servers=http://127.0.0.1:${c.ports.etcd}`,
    `--tls-cert-file=${pki}/apiserver.crt`,
    `--tls-private-key-file=${pki}/apiserver.key`,
    `--client-ca-file=${pki}/ca.crt`,
    '--service-cluster-ip-range=10.96.0.0/16',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki}/sa.pub`,
    `--service-account-signing-key-file=${pki}/sa.key`,
    '--authorization-mode=Node,RBAC',
    `--requestheader-client-ca-file=${pki}/front-proxy-ca.crt`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${pki}/front-proxy-client.crt`,
    `--proxy-client-key-file=${pki}/front-proxy-client.key`,
    '--allow-privileged=true',
    // The "kubelet" is KWOK's server: logs of fake pods come from there.
    `--kubelet-certificate-authority=${pki}/ca.crt`,
    `--kubelet-client-certificate=${pki}/apiserver-kubelet-client.crt`,
    `--kubelet-client-key=${pki}/apiserver-kubelet-client.key`,
    '--kubelet-preferred-address-types=InternalIP',
    // Modest resources: two clusters share two cores.
    '--enable-priority-and-fairness=false',
    '--profiling=false',
    '--event-ttl=30m',
  ]);
  await waitFor(p, c, 'kube-apiserver /readyz', 120000, async () => {
    const r = await api(c, pki, 'GET', '/readyz', undefined, 5000);
    return r.status === 200;
  });
  L(`kube-apiserver ${c.kubernetes} ready after ${fmt(Date.now() - t0)}`);

  startDaemon(p, c, 'controller-manager', kube, [
    'kube-controller-manager',
    `--kubeconfig=${dir}/controller-manager.kubeconfig`,
    `--authentication-kubeconfig=${dir}/controller-manager.kubeconfig`,
    `--authorization-kubeconfig=${dir}/controller-manager.kubeconfig`,
    '--bind-address=127.0.0.1',
    `--secure-port=${c.ports.controllerManager}`,
    '--leader-elect=false',
    `--service-account-private-key-file=${pki}/sa.key`,
    `--root-ca-file=${pki}/ca.crt`,
    '--use-service-account-credentials=true',
    `--cluster-signing-cert-file=${pki}/ca.crt`,
    `--cluster-signing-key-file=${pki}/ca.key`,
    `--cluster-name=${c.name}`,
    // KWOK's node heartbeats come late when tests load both cores; the default grace
    // (40-50 s) then marks fake nodes NotReady and flips their pods unready for good.
    '--node-monitor-grace-period=10m',
    '--profiling=false',
  ]);
  startDaemon(p, c, 'scheduler', kube, [
    'kube-scheduler',
    `--kubeconfig=${dir}/scheduler.kubeconfig`,
    `--authentication-kubeconfig=${dir}/scheduler.kubeconfig`,
    `--authorization-kubeconfig=${dir}/scheduler.kubeconfig`,
    '--bind-address=127.0.0.1',
    `--secure-port=${c.ports.scheduler}`,
    '--leader-elect=false',
    '--profiling=false',
  ]);
  // HOME is the cluster directory so that no ~/.kwok/kwok.yaml is picked up.
  startDaemon(p, c, 'kwok', bins.kwok, [
    `--kubeconfig=${dir}/kwok.kubeconfig`,
    `--config=${dir}/kwok.yaml`,
    '--manage-all-nodes=false',
    '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
    '--node-ip=127.0.0.1',
    `--node-port=${c.ports.kubelet}`,
    `--server-address=127.0.0.1:${c.ports.kubelet}`,
    `--tls-cert-file=${pki}/kubelet.crt`,
    `--tls-private-key-file=${pki}/kubelet.key`,
    '--cidr=10.244.0.1/16',
  ], { HOME: dir });

  for (let i = 1; i <= NODES_PER_CLUSTER; i++) {
    const name = `${c.name}-node-${i}`;
    const resources = { cpu: '16', memory: '64Gi', pods: '110', 'ephemeral-storage': '100Gi' };
    await create(c, pki, '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'topology.kubernetes.io/zone': `zone-${i}`,
          type: 'kwok',
        },
      },
      status: {
        allocatable: resources,
        capacity: resources,
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: name }],
      },
    });
  }
  await waitFor(p, c, `${NODES_PER_CLUSTER} Ready nodes`, 90000, async () => {
    const r = await api(c, pki, 'GET', '/api/v1/nodes?labelSelector=type%3Dkwok');
    const ready = (r.json?.items || []).filter((n) => {
      const cond = (n.status?.conditions || []).find((x) => x.type === 'Ready');
      const tainted = (n.spec?.taints || []).some((t) => t.key === 'node.kubernetes.io/not-ready');
      return cond?.status === 'True' && !tainted;
    });
    return ready.length === NODES_PER_CLUSTER;
  });
  L(`${NODES_PER_CLUSTER} nodes Ready after ${fmt(Date.now() - t0)}`);

  await probe(p, c, pki);
  L(`probe Deployment rolled out after ${fmt(Date.now() - t0)}`);
}

const PROBE_NS = 'eastern-probe';

async function probe(p, c, pki) {
  await create(c, pki, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: PROBE_NS } });
  await create(c, pki, `/apis/apps/v1/namespaces/${PROBE_NS}/deployments`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'probe', labels: { app: 'probe' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'probe' } },
      template: {
        metadata: { labels: { app: 'probe' } },
        spec: { containers: [{ name: 'probe', image: 'registry.invalid/eastern/probe:1' }] },
      },
    },
  });
  await waitFor(p, c, `Deployment ${PROBE_NS}/probe to roll out`, 120000, async () => {
    const r = await api(c, pki, 'GET', `/apis/apps/v1/namespaces/${PROBE_NS}/deployments/probe`);
    const d = r.json;
    if (!d?.status) return false;
    const want = d.spec.replicas;
    return d.status.observedGeneration >= d.metadata.generation && d.status.updatedReplicas === want &&
      d.status.readyReplicas === want && d.status.availableReplicas === want && !d.status.unavailableReplicas;
  });
}

// ---------------------------------------------------------------- lock

async function withLock(p, fn) {
  fs.mkdirSync(p.state, { recursive: true });
  for (let i = 0; ; i++) {
    try {
      fs.mkdirSync(p.lock);
      fs.writeFileSync(path.join(p.lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const owner = readPid(path.join(p.lock, 'pid'));
      if (owner && !processAlive(owner)) {
        fs.rmSync(p.lock, { recursive: true, force: true });
        continue;
      }
      if (i > 0 && i % 20 === 0) console.error(`waiting for another cluster.mjs (pid ${owner || '?'}) holding ${p.lock}`);
      if (i > 600) throw new Error(`${p.lock} held by pid ${owner} for 10 minutes`);
      await sleep(1000);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(p.lock, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- status

function readState(p) {
  try {
    return JSON.parse(fs.readFileSync(p.stateFile, 'utf8'));
  } catch {
    return undefined;
  }
}

async function inspect(p) {
  // The ports of the running clusters are the ones recorded when they started.
  const recorded = readState(p)?.clusters ?? [];
  const specs = clusterSpecs().map((c) => ({ ...c, ports: recorded.find((r) => r.name === c.name)?.ports ?? c.ports }));
  const clusters = [];
  for (const c of specs) {
    const pki = path.join(p.cluster(c.name), 'pki');
    const processes = COMPONENTS.map((component) => {
      const pid = readPid(p.pidFile(c.name, component));
      return { component, pid, alive: processAlive(pid, p.state + path.sep) };
    });
    let ready = false;
    let error = '';
    let version = '';
    if (processes.every((x) => x.alive)) {
      try {
        const r = await api(c, pki, 'GET', '/readyz', undefined, 5000);
        ready = r.status === 200;
        if (!ready) error = `/readyz ${r.status}: ${r.text.slice(0, 300)}`;
        else version = (await api(c, pki, 'GET', '/version', undefined, 5000)).json?.gitVersion ?? '';
      } catch (err) {
        error = err.message;
      }
    } else {
      error = 'not all processes running';
    }
    clusters.push({ name: c.name, server: `https://127.0.0.1:${c.ports.apiserver}`, version, ports: c.ports, ready, error, processes });
  }
  return { clusters, running: clusters.every((c) => c.ready) && fs.existsSync(p.kubeconfig) };
}

/** Reports whether both clusters run and answer /readyz. */
export async function status({ root = defaultRoot } = {}) {
  const p = paths(root);
  const s = await inspect(p);
  return { running: s.running, kubeconfig: p.kubeconfig, clusters: s.clusters };
}

// ---------------------------------------------------------------- down

/** Stop order: clients of the apiserver first, then the apiserver, etcd last. */
function stopRank(pid) {
  let cmd = '';
  try {
    cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, 2).join(' ');
  } catch {
    return 0;
  }
  if (/kube-apiserver/.test(cmd)) return 1;
  if (/\/etcd /.test(cmd)) return 2;
  return 0;
}

function signal(pid, sig) {
  try {
    process.kill(-pid, sig); // each daemon leads its own process group
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

async function stopAll(p, log = () => {}) {
  const procs = ourProcesses(p);
  if (procs.size === 0) return 0;
  log(`stopping ${procs.size} processes: ${[...procs.values()].sort().join(', ')}`);
  const marker = p.state + path.sep;
  const alive = (pids) => pids.filter((pid) => processAlive(pid, marker));
  const ranks = new Map([...procs.keys()].map((pid) => [pid, stopRank(pid)]));
  for (const rank of [0, 1, 2]) {
    const pids = [...procs.keys()].filter((pid) => ranks.get(pid) === rank);
    for (const pid of pids) signal(pid, 'SIGTERM');
    const deadline = Date.now() + 10000;
    while (alive(pids).length && Date.now() < deadline) await sleep(50);
    if (alive(pids).length) {
      log(`killing what ignored SIGTERM for 10 s: ${alive(pids).map((pid) => procs.get(pid)).join(', ')}`);
      for (const pid of alive(pids)) signal(pid, 'SIGKILL');
      const hard = Date.now() + 5000;
      while (alive(pids).length && Date.now() < hard) await sleep(50);
    }
  }
  const left = alive([...procs.keys()]);
  if (left.length) throw new Error(`processes still running after SIGKILL: ${left.join(', ')}`);
  return procs.size;
}

/** Stops every process of both clusters (idempotent). Logs stay in .cluster/logs. */
export async function down({ root = defaultRoot, log = (m) => console.error(m) } = {}) {
  const p = paths(root);
  if (!fs.existsSync(p.state)) return { stopped: 0 };
  return withLock(p, async () => {
    const stopped = await stopAll(p, log);
    fs.rmSync(p.pids, { recursive: true, force: true });
    return { stopped };
  });
}

// ---------------------------------------------------------------- restart

/** The command line, and environment of a running process, from /proc. */
function invocation(pid) {
  const split = (file) => fs.readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0').filter((x) => x !== '');
  const argv = split('cmdline');
  const env = Object.fromEntries(split('environ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  return { bin: argv[0], args: argv.slice(1), env };
}

/**
 * Stops one component of one running cluster (SIGTERM, SIGKILL after 10 s) and
 * starts it again with exactly the command line and environment it ran with (read
 * from /proc before stopping it), the same log file (appended to) and pid file.
 * Resolves once it serves again: /readyz for the apiserver, /health for etcd, else
 * still running after 2 s. The other components are not touched: the
 * controller-manager, scheduler and KWOK reconnect to a restarted apiserver by
 * themselves. For tests of API server restarts; the cluster keeps its state (etcd).
 * -> { pid, stoppedMs, readyMs } (milliseconds from the start of the call).
 */
export async function restart({ root = defaultRoot, cluster, component = 'apiserver', graceMs = 10000, log = () => {} } = {}) {
  const p = paths(root);
  return withLock(p, () => restartLocked(p, { cluster, component, graceMs, log }));
}

async function restartLocked(p, { cluster, component, graceMs, log }) {
  if (!COMPONENTS.includes(component)) throw new Error(`restart: unknown component "${component}" (one of ${COMPONENTS.join(', ')})`);
  const spec = (readState(p)?.clusters ?? []).find((c) => c.name === cluster);
  if (!spec) throw new Error(`restart: no running cluster "${cluster}" recorded in ${p.stateFile} (start them with cluster.mjs up)`);
  const marker = p.state + path.sep;
  const pidFile = p.pidFile(cluster, component);
  const old = readPid(pidFile);
  if (!processAlive(old, marker)) throw new Error(`restart: ${cluster} ${component} is not running (${pidFile}); start the clusters with cluster.mjs up`);
  const { bin, args, env } = invocation(old);
  const t0 = Date.now();
  log(`[${cluster}] stopping ${component} (pid ${old})`);
  signal(old, 'SIGTERM');
  let deadline = Date.now() + graceMs;
  while (processAlive(old, marker) && Date.now() < deadline) await sleep(20);
  if (processAlive(old, marker)) {
    log(`[${cluster}] ${component} still running ${fmt(graceMs)} after SIGTERM: killing it`);
    signal(old, 'SIGKILL');
    deadline = Date.now() + 5000;
    while (processAlive(old, marker) && Date.now() < deadline) await sleep(20);
    if (processAlive(old, marker)) throw new Error(`restart: ${cluster} ${component} (pid ${old}) still runs after SIGKILL`);
  }
  const stoppedMs = Date.now() - t0;
  const c = { name: cluster, ports: spec.ports, procs: {} };
  startDaemon(p, c, component, bin, args, env, { append: true });
  const pki = path.join(p.cluster(cluster), 'pki');
  if (component === 'apiserver') {
    await waitFor(p, c, 'kube-apiserver /readyz', 120000, async () => (await api(c, pki, 'GET', '/readyz', undefined, 5000)).status === 200);
  } else if (component === 'etcd') {
    await waitFor(p, c, 'etcd /health', 30000, async () => {
      const r = await httpGet(c.ports.etcd, '/health');
      return r.status === 200 && r.text.includes('"health":"true"');
    });
  } else {
    const since = Date.now();
    await waitFor(p, c, `${component} to keep running`, 5000, async () => Date.now() - since > 2000);
  }
  const readyMs = Date.now() - t0;
  log(`[${cluster}] ${component} restarted (pid ${c.procs[component].pid}): stopped after ${fmt(stoppedMs)}, ready after ${fmt(readyMs)}`);
  return { pid: c.procs[component].pid, stoppedMs, readyMs };
}

/** Paths of the KWOK config and the log files it names, per cluster. */
function kwokFiles(p, name) {
  const dir = p.cluster(name);
  return { config: path.join(dir, 'kwok.yaml'), logsFile: path.join(dir, 'container.log'), previousLogsFile: path.join(dir, 'container-previous.log') };
}

/**
 * Running clusters whose KWOK config differs from stages.mjs (the stages changed
 * since `up`): write the new config and restart only KWOK, keeping everything else.
 */
async function refreshKwok(p, log) {
  for (const c of clusterSpecs()) {
    const f = kwokFiles(p, c.name);
    const wanted = kwokConfig({ logsFile: f.logsFile, previousLogsFile: f.previousLogsFile });
    let current = '';
    try {
      current = fs.readFileSync(f.config, 'utf8');
    } catch {
      // missing: write it
    }
    if (current === wanted) continue;
    fs.writeFileSync(f.config, wanted);
    log(`[${c.name}] the KWOK stages changed (stages.mjs): restarting KWOK with them`);
    await restartLocked(p, { cluster: c.name, component: 'kwok', graceMs: 10000, log });
  }
}

// ---------------------------------------------------------------- up

/**
 * Starts kube1 and kube2 unless both already run and are healthy.
 * Resolves once both answer /readyz, have Ready nodes and a rolled-out probe Deployment.
 * On failure it stops what it started (logs stay) and rejects with the log tail.
 */
export async function up({ root = defaultRoot, log = (m) => console.error(m) } = {}) {
  const p = paths(root);
  return withLock(p, async () => {
    const current = await inspect(p);
    const wanted = plan().dir;
    if (current.running && readState(p)?.binaries === wanted) {
      await refreshKwok(p, log);
      return { kubeconfig: p.kubeconfig, started: false };
    }
    if (current.running) log(`the running clusters use other binaries than ${wanted}: restarting them`);

    const t0 = Date.now();
    const built = await build({ log });
    if (built.built.length) log(`binaries built in ${fmt(Date.now() - t0)}`);

    // A fresh start: stop leftovers of a previous (crashed) run, wipe state.
    await stopAll(p, log);
    const specs = clusterSpecs();
    for (const c of specs) {
      for (const port of Object.values(c.ports)) {
        if (!(await portFree(port))) {
          throw new Error(`port 127.0.0.1:${port} (${c.name}) is in use by another program; ` +
            `stop it, or move the clusters with EASTERN_CLUSTER_PORT_BASE (default ${PORT_BASES[0]})`);
        }
      }
    }
    const range = ephemeralPortRange();
    const exposed = range && clusterPorts().filter((port) => port >= range.low && port <= range.high);
    if (exposed?.length) {
      log(`warning: ports ${exposed.join(', ')} lie in the ephemeral range ${range.low}-${range.high}; ` +
        'an outgoing connection can take one before its component binds it. ' +
        `Choose an EASTERN_CLUSTER_PORT_BASE below ${range.low - 300} to avoid that.`);
    }
    fs.rmSync(p.pids, { recursive: true, force: true });
    fs.rmSync(p.logs, { recursive: true, force: true });
    fs.rmSync(p.kubeconfig, { force: true });
    fs.mkdirSync(p.pids, { recursive: true });
    fs.mkdirSync(p.logs, { recursive: true });

    const t1 = Date.now();
    const logs = logFiles();
    const clusters = specs.map((spec) => ({ ...spec, procs: {} }));
    for (const c of clusters) {
      const dir = p.cluster(c.name);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      const pki = path.join(dir, 'pki');
      makePki(pki, c.name);
      for (const user of ['controller-manager', 'scheduler', 'kwok']) {
        componentKubeconfig(path.join(dir, `${user}.kubeconfig`), c, pki, user);
      }
      const { config, logsFile, previousLogsFile } = kwokFiles(p, c.name);
      fs.writeFileSync(logsFile, logs.current);
      fs.writeFileSync(previousLogsFile, logs.previous);
      fs.writeFileSync(config, kwokConfig({ logsFile, previousLogsFile }));
    }
    adminKubeconfig(p.kubeconfig, clusters, p);
    fs.writeFileSync(p.stateFile, JSON.stringify({
      startedAt: new Date().toISOString(),
      binaries: built.dir,
      versions: built.versions,
      clusters: clusters.map((c) => ({ name: c.name, kubernetes: built.versions.k8s[c.kubernetes], ports: c.ports })),
    }, null, 2) + '\n');
    log(`starting kube1 and kube2 (logs in ${p.logs})`);

    // Both clusters start side by side; when one fails, the other stops starting
    // new processes (c.abort) before everything is stopped.
    const abort = { reason: null };
    const results = await Promise.allSettled(clusters.map((c) => {
      c.abort = abort;
      return startCluster(p, c, built.bins, log).catch((err) => {
        abort.reason ??= `${c.name} failed`;
        throw err;
      });
    }));
    const failure = results.find((r) => r.status === 'rejected' && !(r.reason instanceof Aborted)) ??
      results.find((r) => r.status === 'rejected');
    if (failure) {
      const err = failure.reason;
      if (process.env.EASTERN_CLUSTER_KEEP_ON_FAILURE) {
        log('EASTERN_CLUSTER_KEEP_ON_FAILURE is set: leaving the processes running (stop them with cluster.mjs down)');
      } else {
        await stopAll(p, log).catch((e) => log(`while stopping: ${e.message}`));
      }
      throw err;
    }
    log(`clusters up in ${fmt(Date.now() - t1)}; kubeconfig ${p.kubeconfig} (contexts kube1, kube2)`);
    return { kubeconfig: p.kubeconfig, started: true };
  });
}

// ---------------------------------------------------------------- CLI

async function main(cmd) {
  const root = process.env.EASTERN_CLUSTER_ROOT || defaultRoot;
  if (cmd === 'up') {
    let interrupted = false;
    const onSignal = async (sig) => {
      if (interrupted) return;
      interrupted = true;
      console.error(`${sig}: stopping the clusters`);
      const p = paths(root);
      fs.rmSync(p.lock, { recursive: true, force: true });
      await stopAll(p, (m) => console.error(m)).catch((e) => console.error(e.message));
      process.exit(130);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const t0 = Date.now();
    const r = await up({ root });
    console.error(r.started ? `up in ${fmt(Date.now() - t0)}` : 'clusters already running');
    console.log(r.kubeconfig);
    return 0;
  }
  if (cmd === 'down') {
    const t0 = Date.now();
    const r = await down({ root });
    console.error(r.stopped ? `stopped ${r.stopped} processes in ${fmt(Date.now() - t0)}` : 'nothing running');
    return 0;
  }
  if (cmd === 'restart') {
    const [cluster, component = 'apiserver'] = process.argv.slice(3);
    if (!cluster) {
      console.error('usage: node test/cluster/cluster.mjs restart kube1|kube2 [apiserver|etcd|controller-manager|scheduler|kwok]');
      return 2;
    }
    await restart({ root, cluster, component, log: (m) => console.error(m) });
    return 0;
  }
  if (cmd === 'status') {
    const s = await status({ root });
    for (const c of s.clusters) {
      console.log(`${c.name}  ${c.server}  ${c.ready ? `ready (Kubernetes ${c.version})` : `NOT READY (${c.error})`}`);
      for (const x of c.processes) console.log(`  ${x.component.padEnd(19)} ${x.alive ? `pid ${x.pid}` : 'not running'}`);
    }
    console.log(s.running ? `running; kubeconfig ${s.kubeconfig}` : 'not running');
    return s.running ? 0 : 1;
  }
  console.error('usage: node test/cluster/cluster.mjs up|down|status|restart CLUSTER [COMPONENT]');
  return 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv[2]).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`cluster.mjs ${process.argv[2]}: ${err.message}`);
      process.exit(1);
    },
  );
}
