// Generates Eastern template inputs for the render benchmark and the compatibility
// corpus: a monorepo of projects in the layout teams use (projects/<name>/
// kubernetes.yaml, overrides/ per namespace, shared partials at the top) and one
// large template (thousands of partial loads). Deterministic for a given seed.
// Every template here is accepted by the Python eastern 5.x too (partials end in
// .yaml, no `$${X}`, no undefined variables).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Small deterministic PRNG (mulberry32), so runs and machines see the same files. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEAMS = ['payments', 'search', 'orders', 'menu', 'delivery', 'accounts', 'notify', 'reports'];
const KINDS = ['api', 'worker', 'web', 'gateway', 'sync'];

function write(root, path, text) {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

function projectFiles(name, team, rnd) {
  const files = {};
  const port = 8000 + Math.floor(rnd() * 1000);
  const envCount = 3 + Math.floor(rnd() * 8);
  const hasHpa = rnd() < 0.6;
  const hasScript = rnd() < 0.7;

  files['kubernetes.yaml'] = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app: ${name}
    # load! ../../shared/labels.yaml
spec:
  # load? overrides/replicas-\${NAMESPACE}.yaml, ../../shared/replicas.yaml
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
        # load! ../../shared/labels.yaml
    spec:
      containers:
        - name: ${name}
          image: registry.example.com/${team}/${name}:\${IMAGE_TAG}
          ports:
            - name: http
              containerPort: ${port}
          env:
            # load? overrides/env-\${NAMESPACE}.yaml, overrides/env.yaml
          # load! ../../shared/probes.yaml
          # load! ../../shared/resources.yaml
${hasScript ? `          command: ["/bin/sh", "/scripts/start.sh"]
          volumeMounts:
            - name: scripts
              mountPath: /scripts
      volumes:
        - name: scripts
          configMap:
            name: ${name}-scripts
` : ''}---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  labels:
    app: ${name}
spec:
  selector:
    app: ${name}
  ports:
    - port: 80
      targetPort: http
${hasScript ? `---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}-scripts
data:
  start.sh: |
    # load! files/start.sh.yaml
` : ''}${hasHpa ? `---
# load? hpa-\${NAMESPACE}.yaml, hpa.yaml
` : ''}`;

  const env = (ns) => Array.from({ length: envCount }, (_, k) =>
    `- name: ${team.toUpperCase()}_SETTING_${k}\n  value: "${ns}-${k}"\n`).join('');
  files['overrides/env.yaml'] = `- name: ENVIRONMENT_NAME\n  value: "\${NAMESPACE}"\n` + env('default');
  files['overrides/env-production.yaml'] = `- name: ENVIRONMENT_NAME\n  value: production\n` + env('production');
  files['overrides/replicas-production.yaml'] = `replicas: ${2 + Math.floor(rnd() * 4)}\n`;
  if (hasScript) {
    files['files/start.sh.yaml'] = `#!/bin/sh\nset -eu\necho "starting ${name} in \${NAMESPACE}"\nexec /app/${name} --port ${port}\n`;
  }
  if (hasHpa) {
    const hpa = (min, max) => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ${name}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: ${name}
  minReplicas: ${min}
  maxReplicas: ${max}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 70
`;
    files['hpa.yaml'] = hpa(1, 2);
    files['hpa-production.yaml'] = hpa(2, 6 + Math.floor(rnd() * 10));
  }
  return files;
}

const SHARED = {
  'shared/labels.yaml': 'team: platform\nmanaged-by: eastern\nenvironment: "${NAMESPACE}"\n',
  'shared/replicas.yaml': 'replicas: 1\n',
  'shared/probes.yaml': `readinessProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: 5
livenessProbe:
  httpGet:
    path: /healthz
    port: http
  initialDelaySeconds: 10
`,
  'shared/resources.yaml': `resources:
  requests:
    cpu: 10m
    memory: 32Mi
  limits:
    memory: 128Mi
`,
};

/**
 * Writes a monorepo of `projects` projects under `dir` (replacing it), with a `.git`
 * folder at the top so Eastern's root is the whole repo. Returns the top-level
 * template paths, relative to `dir`.
 */
export function generateMonorepo(dir, { projects = 50, seed = 42 } = {}) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, '.git'), { recursive: true });
  const rnd = random(seed);
  for (const [path, text] of Object.entries(SHARED)) write(dir, path, text);
  const templates = [];
  for (let i = 0; i < projects; i++) {
    const team = TEAMS[i % TEAMS.length];
    const name = `${team}-${KINDS[Math.floor(i / TEAMS.length) % KINDS.length]}-${String(i).padStart(2, '0')}`;
    for (const [path, text] of Object.entries(projectFiles(name, team, rnd))) write(dir, join('projects', name, path), text);
    templates.push(join('projects', name, 'kubernetes.yaml'));
  }
  return templates;
}

/**
 * Writes one large template under `dir` (replacing it): `documents` ConfigMaps, each
 * loading `loadsPerDocument` partials (out of `distinctPartials` files of
 * `linesPerPartial` lines). Defaults: 2,000 loads, about 50,000 output lines.
 * Returns the top-level template path, relative to `dir`.
 */
export function generateLargeTemplate(dir, { documents = 200, loadsPerDocument = 10, distinctPartials = 100, linesPerPartial = 24 } = {}) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, '.git'), { recursive: true });
  for (let p = 0; p < distinctPartials; p++) {
    let text = '';
    for (let l = 0; l < linesPerPartial; l++) text += `key-${p}-\${SLOT}-${l}: "value ${l} of partial ${p} in \${NAMESPACE}"\n`;
    write(dir, `parts/block-${String(p).padStart(3, '0')}.yaml`, text.replace(/\$\{SLOT\}/g, 's'));
  }
  let top = '';
  let load = 0;
  for (let d = 0; d < documents; d++) {
    top += `${d === 0 ? '' : '---\n'}apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big-${d}\n  namespace: \${NAMESPACE}\n  labels:\n    tag: "\${IMAGE_TAG}"\ndata:\n`;
    for (let k = 0; k < loadsPerDocument; k++) {
      // Keys must be unique inside one ConfigMap: use each partial at most once per document.
      const p = (d * loadsPerDocument + k) % distinctPartials;
      top += `  # load! parts/block-${String(p).padStart(3, '0')}.yaml\n`;
      load++;
    }
  }
  write(dir, 'kubernetes.yaml', top);
  return { template: 'kubernetes.yaml', loads: load };
}
