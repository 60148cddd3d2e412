// The apply workload: APPS apps, each a ConfigMap, a Secret, a Service and a
// Deployment (1 replica), so 4 × APPS objects in one namespace (75 apps: 300).
// Fewer Deployments than a 100 × 3 mix keep the controllers' work (ReplicaSets,
// Pods, and their deletion), which the bench must wait out between tools, smaller. Written three ways from one
// spec: an Eastern template (one partial per app), the plain manifest kubectl and
// kapp apply, and a Helm chart (bench/helm/apply-chart.mjs).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { writeApplyChart } from '../helm/apply-chart.mjs';

export const PART_OF = 'bench-apply';
export const IMAGE_TAG = '1.0.0';
/** The one-change scenario: the first app's image moves to this tag, nothing else changes. */
export const CHANGED_TAG = '1.0.1';

/** The apps of the workload: plain data every generator below reads. */
export function applySpec(apps = 75) {
  return Array.from({ length: apps }, (_, i) => {
    const n = String(i + 1).padStart(3, '0');
    return {
      name: `app-${n}`,
      port: 8000 + (i % 50),
      cpu: `${50 + (i % 4) * 25}m`,
      memory: `${64 * (1 + (i % 3))}Mi`,
      logLevel: ['info', 'debug', 'warn'][i % 3],
      workers: String(2 + (i % 6)),
      dbPassword: `pw-${n}-${(i * 7919).toString(36)}`,
    };
  });
}

const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');

/** The four objects of one app as YAML, with `tag` as the image tag. */
export function appYaml(app, tag) {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${app.name}
  labels:
    app: ${app.name}
    app.kubernetes.io/part-of: ${PART_OF}
data:
  APP_NAME: ${app.name}
  LOG_LEVEL: ${app.logLevel}
  WORKERS: "${app.workers}"
  HTTP_PORT: "${app.port}"
  FEATURE_FLAGS: search,checkout,recommendations
  application.properties: |
    server.port=${app.port}
    logging.level.root=${app.logLevel}
    cache.ttl.seconds=300
    pool.max=${app.workers}
---
apiVersion: v1
kind: Secret
metadata:
  name: ${app.name}-db
  labels:
    app: ${app.name}
    app.kubernetes.io/part-of: ${PART_OF}
type: Opaque
data:
  username: ${b64(app.name)}
  password: ${b64(app.dbPassword)}
---
apiVersion: v1
kind: Service
metadata:
  name: ${app.name}
  labels:
    app: ${app.name}
    app.kubernetes.io/part-of: ${PART_OF}
spec:
  selector:
    app: ${app.name}
  ports:
    - name: http
      port: 80
      targetPort: ${app.port}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app.name}
  labels:
    app: ${app.name}
    app.kubernetes.io/part-of: ${PART_OF}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: ${app.name}
  template:
    metadata:
      labels:
        app: ${app.name}
    spec:
      containers:
        - name: app
          image: registry.example.com/shop/${app.name}:${tag}
          ports:
            - name: http
              containerPort: ${app.port}
          envFrom:
            - configMapRef:
                name: ${app.name}
            - secretRef:
                name: ${app.name}-db
          resources:
            requests:
              cpu: ${app.cpu}
              memory: ${app.memory}
            limits:
              memory: ${app.memory}
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 5
`;
}

/**
 * Writes the workload under `dir` (replacing what was there) and returns
 * { templateFile, manifestFile, chartDir, objects, project }.
 */
export function writeApplyWorkload(dir, { apps = 75 } = {}) {
  const spec = applySpec(apps);
  rmSync(dir, { recursive: true, force: true });
  const projectDir = join(dir, 'eastern', PART_OF);
  mkdirSync(join(projectDir, 'apps'), { recursive: true });

  // Eastern: one partial per app, the image tag as a variable (-s IMAGE_TAG=…); the
  // first app's tag is its own variable (FIRST_TAG), as a build changes one service's tag.
  const top = [`# ${spec.length} apps, each a ConfigMap, a Secret, a Service and a Deployment`];
  spec.forEach((app, i) => {
    writeFileSync(join(projectDir, 'apps', `${app.name}.yaml`), appYaml(app, i === 0 ? '${FIRST_TAG}' : '${IMAGE_TAG}'));
    if (i > 0) top.push('---');
    top.push(`# load! apps/${app.name}.yaml`);
  });
  const templateFile = join(projectDir, 'kubernetes.yaml');
  writeFileSync(templateFile, top.join('\n') + '\n');

  // kubectl and kapp: the same objects, already rendered.
  const manifestFile = join(dir, 'manifest.yaml');
  writeFileSync(manifestFile, spec.map((app) => appYaml(app, IMAGE_TAG)).join('---\n'));
  const changedManifestFile = join(dir, 'manifest-changed.yaml');
  writeFileSync(changedManifestFile, spec.map((app, i) => appYaml(app, i === 0 ? CHANGED_TAG : IMAGE_TAG)).join('---\n'));

  const chartDir = writeApplyChart(join(dir, 'chart'), { name: PART_OF, apps: spec, imageTag: IMAGE_TAG });
  return {
    templateFile, manifestFile, changedManifestFile, chartDir, firstApp: spec[0].name,
    objects: spec.length * 4, deployments: spec.length, project: PART_OF, root: dir,
  };
}
