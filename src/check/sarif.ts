// SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), so Jenkins'
// Warnings Next Generation plugin and code-scanning tools show the findings on the
// template lines. Paths are relative to the working directory (uriBaseId SRCROOT),
// which in a Jenkins build is the workspace.
import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SourceLocation } from '../template/types.js';
import { RULES } from './catalog.js';
import type { CheckResult } from './run.js';
import type { Finding } from './types.js';

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
}

/** A file below `cwd` as a relative URI under SRCROOT; anything else as an absolute file URI (or its label, e.g. "revision 3"). */
export function artifactLocation(file: string, cwd: string): ArtifactLocation {
  if (!isAbsolute(file)) return { uri: encodeURI(file) };
  const rel = relative(cwd, file);
  if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) {
    return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' };
  }
  return { uri: pathToFileURL(file).href };
}

function physical(loc: SourceLocation, cwd: string) {
  return { artifactLocation: artifactLocation(loc.file, cwd), region: { startLine: loc.line } };
}

function result(f: Finding, cwd: string, ruleIndex: Map<string, number>) {
  const related: { id: number; physicalLocation: ReturnType<typeof physical>; message: { text: string } }[] = [];
  for (let via = f.location.via; via; via = via.via) related.push({ id: related.length + 1, physicalLocation: physical(via, cwd), message: { text: 'included from here' } });
  for (const r of f.related ?? []) related.push({ id: related.length + 1, physicalLocation: physical(r.location, cwd), message: { text: r.label } });
  return {
    ruleId: f.rule,
    ruleIndex: ruleIndex.get(f.rule) as number,
    level: f.level,
    message: { text: `${f.object.kind}/${f.object.name}: ${f.message}. Fix: ${f.fix}` },
    locations: [{
      physicalLocation: physical(f.location, cwd),
      logicalLocations: [{ name: `${f.object.kind}/${f.object.name}`, fullyQualifiedName: `${f.object.namespace}/${f.object.kind}/${f.object.name}`, kind: 'object' }],
    }],
    ...(related.length > 0 && { relatedLocations: related }),
    ...(f.suppressed && { suppressions: [{ kind: 'inSource', justification: f.suppressed.reason, properties: { annotation: f.suppressed.annotation } }] }),
    properties: { apiVersion: f.object.apiVersion, ...(f.configured !== f.level && { configuredLevel: f.configured }) },
  };
}

/** One SARIF log with one run: every rule described, every finding (suppressed ones carry their justification). */
export function toSarif(result_: CheckResult, options: { cwd: string; version: string }) {
  const ruleIndex = new Map<string, number>(RULES.map((r, i) => [r.id, i]));
  const cwdUri = pathToFileURL(options.cwd.endsWith(sep) ? options.cwd : options.cwd + sep).href;
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0' as const,
    runs: [{
      tool: {
        driver: {
          name: 'eastern',
          semanticVersion: options.version,
          rules: RULES.map((r) => ({
            id: r.id,
            shortDescription: { text: r.title },
            fullDescription: { text: r.reason },
            help: { text: `${r.title}. ${r.reason} Suppress on one object with the annotation check.eastern.io/${r.id}: "<reason>".` },
            defaultConfiguration: { level: r.level },
          })),
        },
      },
      originalUriBaseIds: { SRCROOT: { uri: cwdUri } },
      results: [...result_.findings, ...result_.suppressed].map((f) => result(f, options.cwd, ruleIndex)),
    }],
  };
}
