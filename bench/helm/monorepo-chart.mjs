// The render benchmark's monorepo as Helm users would write it: one shared chart
// (charts/service) and, per project, a values.yaml plus a values-<namespace>.yaml
// for the namespaces the Eastern project overrides. The values are derived from
// what Eastern renders for each project (in a sentinel namespace for the base, and
// in each overridden namespace), so `helm template` produces the same objects as
// `eastern generate`; bench/helm/equivalence.mjs checks that on every timed run.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import yaml from 'js-yaml';

import { differenceBetween } from './equivalence.mjs';

const NS_SENTINEL = 'zz-helm-namespace-sentinel';
const TAG_SENTINEL = 'zz-helm-tag-sentinel';
const NS_EXPR = '{{ .Release.Namespace }}';

const CHART = {
  'Chart.yaml': `apiVersion: v2
name: service
description: Shared chart of the Eastern benchmark monorepo (Deployment, Service, scripts ConfigMap, HPA)
type: application
version: 1.0.0
`,
  'templates/_helpers.tpl': `{{- define "service.labels" -}}
app: {{ .Values.name }}
team: {{ .Values.team }}
managed-by: {{ .Values.managedBy }}
environment: {{ .Release.Namespace | quote }}
{{- end }}
`,
  'templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Values.name }}
  labels:
    {{- include "service.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      app: {{ .Values.name }}
  template:
    metadata:
      labels:
        {{- include "service.labels" . | nindent 8 }}
    spec:
      containers:
        - name: {{ .Values.name }}
          image: {{ .Values.image.repository }}:{{ .Values.image.tag }}
          ports:
            - name: http
              containerPort: {{ .Values.port }}
          env:
            {{- range .Values.env }}
            - name: {{ .name }}
              value: {{ tpl .value $ | quote }}
            {{- end }}
          readinessProbe:
            {{- toYaml .Values.readinessProbe | nindent 12 }}
          livenessProbe:
            {{- toYaml .Values.livenessProbe | nindent 12 }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          {{- if .Values.script }}
          command: ["/bin/sh", "/scripts/start.sh"]
          volumeMounts:
            - name: scripts
              mountPath: /scripts
      volumes:
        - name: scripts
          configMap:
            name: {{ .Values.name }}-scripts
          {{- end }}
`,
  'templates/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: {{ .Values.name }}
  labels:
    app: {{ .Values.name }}
spec:
  selector:
    app: {{ .Values.name }}
  ports:
    - port: 80
      targetPort: http
`,
  'templates/scripts.yaml': `{{- if .Values.script }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Values.name }}-scripts
data:
  start.sh: |
    {{- tpl .Values.script . | nindent 4 }}
{{- end }}
`,
  'templates/hpa.yaml': `{{- if .Values.hpa }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ .Values.name }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ .Values.name }}
  minReplicas: {{ .Values.hpa.minReplicas }}
  maxReplicas: {{ .Values.hpa.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .Values.hpa.cpuUtilization }}
{{- end }}
`,
};

function write(file, text) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

function objectsOf(text) {
  const byKind = {};
  for (const doc of yaml.loadAll(text)) if (doc) byKind[doc.kind] = doc;
  return byKind;
}

const unsentinel = (s) => String(s).split(NS_SENTINEL).join(NS_EXPR);

/** Helm values of one project from its rendered objects (base: rendered in the sentinel namespace). */
function valuesOf(objects, { base }) {
  const dep = objects.Deployment;
  if (!dep) throw new Error('no Deployment in the rendered project');
  const c = dep.spec.template.spec.containers[0];
  const v = {
    replicas: dep.spec.replicas,
    env: (c.env ?? []).map((e) => ({ name: e.name, value: base ? unsentinel(e.value) : String(e.value) })),
    hpa: objects.HorizontalPodAutoscaler
      ? {
        minReplicas: objects.HorizontalPodAutoscaler.spec.minReplicas,
        maxReplicas: objects.HorizontalPodAutoscaler.spec.maxReplicas,
        cpuUtilization: objects.HorizontalPodAutoscaler.spec.metrics[0].resource.target.averageUtilization,
      }
      : null,
  };
  if (!base) return v;
  const [repository] = c.image.split(`:${TAG_SENTINEL}`);
  const labels = dep.metadata.labels;
  const script = objects.ConfigMap?.data?.['start.sh'];
  return {
    name: dep.metadata.name,
    team: labels.team,
    managedBy: labels['managed-by'],
    image: { repository, tag: 'latest' },
    port: c.ports[0].containerPort,
    ...v,
    readinessProbe: c.readinessProbe,
    livenessProbe: c.livenessProbe,
    resources: c.resources,
    script: script === undefined ? null : unsentinel(script),
  };
}

/**
 * Writes the Helm side of the monorepo into `outDir`:
 *   charts/service/…, projects/<name>/values.yaml, projects/<name>/values-<ns>.yaml
 * `renderProject(template, namespace, imageTag)` returns Eastern's rendered text.
 * `overriddenNamespaces`: namespaces that get their own values file.
 * Returns { chartDir, projects: [{ name, template, valuesFiles(namespace) }] }.
 */
export function writeMonorepoCharts({ outDir, templates, renderProject, overriddenNamespaces = ['production'] }) {
  rmSync(outDir, { recursive: true, force: true });
  const chartDir = join(outDir, 'charts', 'service');
  for (const [path, text] of Object.entries(CHART)) write(join(chartDir, path), text);
  const projects = [];
  for (const template of templates) {
    const base = valuesOf(objectsOf(renderProject(template, NS_SENTINEL, TAG_SENTINEL)), { base: true });
    const dir = join(outDir, 'projects', base.name);
    write(join(dir, 'values.yaml'), yaml.dump(base, { lineWidth: -1 }));
    const overrides = {};
    for (const ns of overriddenNamespaces) {
      const inNs = valuesOf(objectsOf(renderProject(template, ns, TAG_SENTINEL)), { base: false });
      const expected = {
        replicas: base.replicas,
        env: base.env.map((e) => ({ name: e.name, value: e.value.split(NS_EXPR).join(ns) })),
        hpa: base.hpa,
      };
      const diff = {};
      for (const key of Object.keys(expected)) if (!isDeepStrictEqual(expected[key], inNs[key])) diff[key] = inNs[key];
      if (Object.keys(diff).length > 0) {
        overrides[ns] = join(dir, `values-${ns}.yaml`);
        write(overrides[ns], yaml.dump(diff, { lineWidth: -1 }));
      }
    }
    const valuesFile = join(dir, 'values.yaml');
    projects.push({
      name: base.name,
      template,
      valuesFiles: (ns) => (overrides[ns] ? [valuesFile, overrides[ns]] : [valuesFile]),
    });
  }
  return { chartDir, projects };
}

/** `helm template` arguments rendering `project` into `namespace` with image tag `tag`. */
export function helmTemplateArgs(chartDir, project, namespace, tag) {
  return ['template', project.name, chartDir, '--namespace', namespace,
    ...project.valuesFiles(namespace).flatMap((f) => ['-f', f]), '--set', `image.tag=${tag}`];
}

/**
 * The `helm template` competitor of bench/render/run.mjs's per-project case:
 * prepares the charts for the monorepo in `monoDir`, checks that Helm renders
 * every project exactly as Eastern does in each of `checkNamespaces`, and returns
 * { competitor, projects, checked }. Throws when an output differs (a bench must
 * not compare different work).
 */
export function prepareHelmRenderCompetitor({ helm, monoDir, templates, outDir, namespace, tag, renderProject, runHelm, checkNamespaces = [namespace] }) {
  const { chartDir, projects } = writeMonorepoCharts({ outDir, templates, renderProject });
  const byTemplate = new Map(projects.map((p) => [p.template, p]));
  let checked = 0;
  for (const p of projects) {
    for (const ns of checkNamespaces) {
      const helmText = runHelm(helmTemplateArgs(chartDir, p, ns, tag));
      const diff = differenceBetween(renderProject(p.template, ns, tag), helmText, ['eastern', 'helm template']);
      if (diff) throw new Error(`helm chart of ${p.name} does not render what Eastern renders in ${ns}: ${diff.slice(0, 400)}`);
      checked += 1;
    }
  }
  const competitor = {
    name: 'helm',
    command: (caseName, item) => {
      if (caseName !== 'per-project') return undefined;
      const p = byTemplate.get(item.file);
      if (!p) throw new Error(`helm competitor: no chart values for ${item.file}`);
      return [helm, helmTemplateArgs(chartDir, p, namespace, tag)];
    },
  };
  return { competitor, projects, checked, chartDir, monoDir };
}
