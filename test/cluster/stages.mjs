// KWOK configuration for Eastern's test clusters: the Pod lifecycle, including
// the simulated failures selected by the pod label `eastern.test/simulate`,
// and the logs KWOK's kubelet endpoint serves for `kubectl logs`.
//
// KWOK replaces its built-in stages for a resource kind as soon as the config
// holds any stage for that kind, so the normal lifecycle (Running and Ready,
// Job pods complete, deletion) is written out here next to the failures. Node
// stages are not configured, so KWOK keeps its defaults for nodes (initialize to
// Ready, heartbeat with leases).
//
// Pods (only those bound to a KWOK-managed node):
//   no simulate label  Running and Ready at once; Job pods then Succeeded (exit 0);
//   (or any other value)
//                      Ready again 2 s after anything (a NotReady node) set Ready=False
//   crashloop          Running, container waiting in CrashLoopBackOff, last state
//                      terminated with exit code 1, restartCount +1 every ~4-5 s
//   unready            Running, containers running, never Ready
//   fail               Running (not ready) for ~1 s, then Failed, exit code 1
//   imagepull          Pending, container waiting in ImagePullBackOff
//   (any)              deletion: finalizers cleared and the pod deleted

export const SIMULATE_LABEL = 'eastern.test/simulate';
export const SIMULATIONS = ['crashloop', 'unready', 'fail', 'imagepull'];

const simulate = `.metadata.labels["${SIMULATE_LABEL}"]`;

// Selector expressions, jq paths evaluated by KWOK.
const notDeleting = { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' };
const deleting = { key: '.metadata.deletionTimestamp', operator: 'Exists' };
const noPodIP = { key: '.status.podIP', operator: 'DoesNotExist' };
const hasPodIP = { key: '.status.podIP', operator: 'Exists' };
// KWOK's NotIn also matches a missing label: every pod that plays no failure.
const notSimulated = { key: simulate, operator: 'NotIn', values: SIMULATIONS };
const simulated = (kind) => ({ key: simulate, operator: 'In', values: [kind] });
const phase = (...values) => ({ key: '.status.phase', operator: 'In', values });
const ownedByJob = { key: '.metadata.ownerReferences.[].kind', operator: 'In', values: ['Job'] };
const readyIs = (value) => ({ key: '.status.conditions.[] | select( .type == "Ready" ) | .status', operator: 'In', values: [value] });

// Go-template snippets rendered by KWOK against the pod (as JSON).
const header = `{{ $now := Now }}
{{ $pod := . }}
{{ $restarts := 0 }}{{ with .status.containerStatuses }}{{ $restarts = ( index . 0 ).restartCount }}{{ end }}`;

const addresses = `hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}`;

// startTime is set once, when the pod first gets an IP.
const startTime = `startTime: {{ or .status.startTime $now | Quote }}`;

function conditions({ ready, reason = '', message = '' }) {
  const status = ready ? '"True"' : '"False"';
  // Empty when ready: KWOK merges the template into the status, and a reason left
  // by whoever set the condition False (e.g. NodeNotReady) would otherwise stay.
  const why = ready ? `
  reason: ""
  message: ""` : `
  reason: ${reason}
  message: ${message}`;
  return `conditions:
- type: PodReadyToStartContainers
  status: "True"
  lastTransitionTime: {{ $now | Quote }}
- type: Initialized
  status: "True"
  lastTransitionTime: {{ $now | Quote }}
- type: ContainersReady
  status: ${status}
  lastTransitionTime: {{ $now | Quote }}${why}
- type: Ready
  status: ${status}
  lastTransitionTime: {{ $now | Quote }}${why}
{{ range .spec.readinessGates }}
- type: {{ .conditionType | Quote }}
  status: ${status}
  lastTransitionTime: {{ $now | Quote }}
{{ end }}`;
}

const notReadyMessage = `"containers with unready status: [{{ range $i, $c := .spec.containers }}{{ if $i }} {{ end }}{{ $c.name }}{{ end }}]"`;

// Init containers have all run to completion (sidecars, restartPolicy Always, keep running).
const initContainers = `initContainerStatuses:
{{ range .spec.initContainers }}
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  imageID: ""
  ready: true
  restartCount: 0
  {{ if eq ( or .restartPolicy "" ) "Always" }}
  started: true
  state:
    running:
      startedAt: {{ $now | Quote }}
  {{ else }}
  started: false
  state:
    terminated:
      exitCode: 0
      reason: Completed
      startedAt: {{ $now | Quote }}
      finishedAt: {{ $now | Quote }}
  {{ end }}
{{ end }}`;

/** containerStatuses, one per spec container; `body` is YAML for one container (inside range). */
function containers(body) {
  return `containerStatuses:
{{ range .spec.containers }}
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  imageID: ""
${body.trim().split('\n').map((l) => '  ' + l).join('\n')}
{{ end }}`;
}

const running = (ready) => containers(`
ready: ${ready}
started: true
restartCount: 0
state:
  running:
    startedAt: {{ $now | Quote }}`);

// The restart count of a crash-looping container grows each time the stage plays.
const crashLooping = containers(`
ready: false
started: false
restartCount: {{ add1 $restarts }}
state:
  waiting:
    reason: CrashLoopBackOff
    message: {{ printf "back-off 10s restarting failed container=%s pod=%s_%s(%s)" .name $pod.metadata.name $pod.metadata.namespace $pod.metadata.uid | Quote }}
lastState:
  terminated:
    exitCode: 1
    reason: Error
    startedAt: {{ $now | Quote }}
    finishedAt: {{ $now | Quote }}`);

const terminated = (exitCode, reason) => containers(`
ready: false
started: false
restartCount: 0
state:
  terminated:
    exitCode: ${exitCode}
    reason: ${reason}
    startedAt: {{ or $pod.status.startTime $now | Quote }}
    finishedAt: {{ $now | Quote }}`);

const imagePullBackOff = containers(`
ready: false
started: false
restartCount: 0
state:
  waiting:
    reason: ImagePullBackOff
    message: {{ printf "Back-off pulling image %q: simulated pull failure (eastern.test/simulate=imagepull)" .image | Quote }}`);

function stage(name, { select, delayMs, jitterMs, next }) {
  const spec = {
    resourceRef: { apiGroup: 'v1', kind: 'Pod' },
    selector: { matchExpressions: select },
  };
  if (delayMs) {
    spec.delay = { durationMilliseconds: delayMs };
    if (jitterMs) spec.delay.jitterDurationMilliseconds = jitterMs;
  }
  spec.next = next;
  return { apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'Stage', metadata: { name }, spec };
}

function status(...parts) {
  return { statusTemplate: [header, ...parts].join('\n') + '\n' };
}

export function podStages() {
  return [
    stage('eastern-pod-delete', {
      select: [deleting],
      next: { finalizers: { empty: true }, delete: true },
    }),
    stage('eastern-pod-ready', {
      select: [notDeleting, noPodIP, notSimulated],
      next: status('phase: Running', addresses, startTime, conditions({ ready: true }), initContainers, running(true)),
    }),
    // The node lifecycle controller sets Ready=False on the pods of a node that went
    // NotReady (a late KWOK heartbeat on a busy machine); a kubelet would report them
    // Ready again once it is back, so KWOK does too. The delay keeps this from racing
    // the controller while the node is still NotReady. Simulated pods keep their state.
    stage('eastern-pod-ready-again', {
      select: [notDeleting, hasPodIP, phase('Running'), notSimulated, readyIs('False')],
      delayMs: 2000,
      next: status(conditions({ ready: true }), running(true)),
    }),
    stage('eastern-pod-complete', {
      select: [notDeleting, phase('Running'), ownedByJob, notSimulated],
      next: status('phase: Succeeded',
        conditions({ ready: false, reason: 'PodCompleted', message: '""' }), terminated(0, 'Completed')),
    }),
    stage('eastern-pod-crashloop', {
      select: [notDeleting, noPodIP, simulated('crashloop')],
      next: status('phase: Running', addresses, startTime,
        conditions({ ready: false, reason: 'ContainersNotReady', message: notReadyMessage }), initContainers, crashLooping),
    }),
    stage('eastern-pod-crashloop-restart', {
      select: [notDeleting, hasPodIP, phase('Running'), simulated('crashloop')],
      delayMs: 4000,
      jitterMs: 5000,
      next: status(crashLooping),
    }),
    stage('eastern-pod-unready', {
      select: [notDeleting, noPodIP, simulated('unready')],
      next: status('phase: Running', addresses, startTime,
        conditions({ ready: false, reason: 'ContainersNotReady', message: notReadyMessage }), initContainers, running(false)),
    }),
    stage('eastern-pod-fail-start', {
      select: [notDeleting, noPodIP, simulated('fail')],
      next: status('phase: Running', addresses, startTime,
        conditions({ ready: false, reason: 'ContainersNotReady', message: notReadyMessage }), initContainers, running(false)),
    }),
    stage('eastern-pod-fail', {
      select: [notDeleting, hasPodIP, phase('Running'), simulated('fail')],
      delayMs: 1000,
      next: status('phase: Failed',
        conditions({ ready: false, reason: 'PodFailed', message: '""' }), terminated(1, 'Error')),
    }),
    stage('eastern-pod-imagepull', {
      select: [notDeleting, noPodIP, simulated('imagepull')],
      next: status('phase: Pending', addresses, startTime,
        conditions({ ready: false, reason: 'ContainersNotReady', message: notReadyMessage }), initContainers, imagePullBackOff),
    }),
  ];
}

/** Logs KWOK's kubelet endpoint serves for every container (CRI log files). */
export function clusterLogs({ logsFile, previousLogsFile }) {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'ClusterLogs',
    metadata: { name: 'eastern-simulated-logs' },
    spec: { logs: [{ logsFile, previousLogsFile, follow: false }] },
  };
}

/** Log files in the CRI format the kubelet serves: "<RFC3339Nano> stdout F <line>". */
export function logFiles() {
  const t = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
  const line = (s, stream = 'stdout') => `${t} ${stream} F ${s}\n`;
  const current = [1, 2, 3, 4, 5].map((n) => line(`simulated container log line ${n} (served by kwok)`)).join('');
  const previous = line('simulated container starting') +
    line('simulated container log line 1 (previous run)') +
    line('panic: simulated crash (eastern.test/simulate)', 'stderr') +
    line('exit status 1', 'stderr');
  return { current, previous };
}

/** The KWOK config: one YAML stream. JSON is valid YAML, so each document is JSON. */
export function kwokConfig({ logsFile, previousLogsFile }) {
  const docs = [...podStages(), clusterLogs({ logsFile, previousLogsFile })];
  return docs.map((d) => '---\n' + JSON.stringify(d, null, 2) + '\n').join('');
}
