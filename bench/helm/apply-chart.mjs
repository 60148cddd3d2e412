// The apply workload as a Helm chart: the apps as values, one template ranging
// over them, so `helm template` renders exactly the objects of bench/apply's
// manifest (checked by bench/helm/equivalence.mjs before anything is timed).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function yamlString(s) {
  return JSON.stringify(String(s));
}

/** Writes the chart into `dir` and returns `dir`. */
export function writeApplyChart(dir, { name, apps, imageTag }) {
  mkdirSync(join(dir, 'templates'), { recursive: true });
  writeFileSync(join(dir, 'Chart.yaml'), `apiVersion: v2
name: ${name}
description: Eastern benchmark workload (ConfigMap, Secret, Service and Deployment per app)
type: application
version: 1.0.0
appVersion: ${yamlString(imageTag)}
`);
  // tags: per-app overrides of imageTag (--set tags.app-001=1.0.1 changes one image).
  const values = [`imageTag: ${yamlString(imageTag)}`, 'partOf: ' + yamlString(name), 'tags: {}', 'apps:'];
  for (const app of apps) {
    values.push(`  - name: ${app.name}`, `    port: ${app.port}`, `    cpu: ${app.cpu}`, `    memory: ${app.memory}`,
      `    logLevel: ${app.logLevel}`, `    workers: ${yamlString(app.workers)}`, `    dbPassword: ${yamlString(app.dbPassword)}`);
  }
  writeFileSync(join(dir, 'values.yaml'), values.join('\n') + '\n');
  writeFileSync(join(dir, 'templates', 'apps.yaml'), `{{- $root := . }}
{{- range .Values.apps }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .name }}
  labels:
    app: {{ .name }}
    app.kubernetes.io/part-of: {{ $root.Values.partOf }}
data:
  APP_NAME: {{ .name }}
  LOG_LEVEL: {{ .logLevel }}
  WORKERS: {{ .workers | quote }}
  HTTP_PORT: {{ .port | quote }}
  FEATURE_FLAGS: search,checkout,recommendations
  application.properties: |
    server.port={{ .port }}
    logging.level.root={{ .logLevel }}
    cache.ttl.seconds=300
    pool.max={{ .workers }}
---
apiVersion: v1
kind: Secret
metadata:
  name: {{ .name }}-db
  labels:
    app: {{ .name }}
    app.kubernetes.io/part-of: {{ $root.Values.partOf }}
type: Opaque
data:
  username: {{ .name | b64enc }}
  password: {{ .dbPassword | b64enc }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .name }}
  labels:
    app: {{ .name }}
    app.kubernetes.io/part-of: {{ $root.Values.partOf }}
spec:
  selector:
    app: {{ .name }}
  ports:
    - name: http
      port: 80
      targetPort: {{ .port }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  labels:
    app: {{ .name }}
    app.kubernetes.io/part-of: {{ $root.Values.partOf }}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: {{ .name }}
  template:
    metadata:
      labels:
        app: {{ .name }}
    spec:
      containers:
        - name: app
          image: registry.example.com/shop/{{ .name }}:{{ index $root.Values.tags .name | default $root.Values.imageTag }}
          ports:
            - name: http
              containerPort: {{ .port }}
          envFrom:
            - configMapRef:
                name: {{ .name }}
            - secretRef:
                name: {{ .name }}-db
          resources:
            requests:
              cpu: {{ .cpu }}
              memory: {{ .memory }}
            limits:
              memory: {{ .memory }}
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 5
{{- end }}
`);
  return dir;
}
