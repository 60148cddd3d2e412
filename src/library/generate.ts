// The library generator: a pure function from the fleet (agents/*.yaml) and the
// handlebars templates to the files of the Jenkins shared library. Deterministic:
// sorted input, no timestamps, LF line endings, one final newline.
import Handlebars from 'handlebars';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fleetRouting } from '../fleet/load.js';
import { type AgentDefinition } from '../fleet/schema.js';
import { EasternError } from '../errors.js';
import { DEFAULT_TIMEOUT_SECONDS } from '../deploy/defaults.js';
import { PROJECT_NAME_MAX_LENGTH, PROJECT_NAME_PATTERN } from '../project/name.js';

export interface GeneratedFile {
  /** Path relative to the library root, with `/` separators. */
  path: string;
  contents: string;
}

export interface LibraryTemplates {
  /** File name (e.g. `easternDeploy.groovy.hbs`) → template text. */
  templates: Record<string, string>;
  /** Partial name (file name without `.hbs`) → template text. */
  partials: Record<string, string>;
}

/** The generated global steps, each with a Groovy and a help template, and the `eastern <command>` its script runs. */
export const STEPS = [
  { name: 'easternDeploy', command: 'deploy' },
  { name: 'easternDiff', command: 'diff' },
  { name: 'easternRollback', command: 'rollback' },
] as const;

/**
 * The other vars: `eastern`, the internal helper with the code the steps share, and
 * `easternFleet`, the routing table: the only Groovy that changes with agents/.
 */
export const HELPERS = ['eastern', 'easternFleet'] as const;

/** First line of every generated Groovy file; marks files the writer may replace or remove. */
export const GENERATED_MARKER = '// GENERATED FILE - do not edit.';

/**
 * The templates live in src/library/templates. tsc does not copy them, so they are
 * read at run time relative to this module: dist/library/ and src/library/ both sit
 * two levels below the package root.
 */
export function templatesDir(): string {
  return fileURLToPath(new URL('../../src/library/templates/', import.meta.url));
}

export function loadTemplates(dir: string = templatesDir()): LibraryTemplates {
  if (!existsSync(join(dir, 'partials'))) {
    throw new EasternError(`the library templates are missing: ${dir}`, {
      fix: 'run eastern library generate from a checkout of the eastern repository (templates live in src/library/templates)',
    });
  }
  const read = (folder: string) =>
    Object.fromEntries(
      readdirSync(folder)
        .filter((name) => name.endsWith('.hbs'))
        .sort()
        .map((name) => [name, readFileSync(join(folder, name), 'utf8')]),
    );
  const partials = Object.fromEntries(Object.entries(read(join(dir, 'partials'))).map(([name, text]) => [name.replace(/\.hbs$/, ''), text]));
  return { templates: read(dir), partials };
}

/** A Groovy single-quoted string literal: no interpolation, escapes for \ ' and newlines. */
export function groovyString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\r/g, '\\r').replace(/\n/g, '\\n')}'`;
}

export function groovyList(values: readonly string[]): string {
  return `[${values.map(groovyString).join(', ')}]`;
}

export function groovyMap(map: Readonly<Record<string, string>>): string {
  const entries = Object.entries(map);
  return entries.length === 0 ? '[:]' : `[${entries.map(([k, v]) => `${groovyString(k)}: ${groovyString(v)}`).join(', ')}]`;
}

function environment(templates: LibraryTemplates, escape: boolean): typeof Handlebars {
  const hb = Handlebars.create();
  const safe = (text: string) => new hb.SafeString(text);
  hb.registerHelper('groovyString', (value: unknown) => safe(groovyString(String(value))));
  hb.registerHelper('groovyList', (values: unknown) => safe(groovyList((values as unknown[]).map(String))));
  hb.registerHelper('groovyMap', (map: unknown) => safe(groovyMap(map as Record<string, string>)));
  hb.registerHelper('join', (values: unknown, separator: unknown) => (values as unknown[]).map(String).join(String(separator)));
  for (const [name, text] of Object.entries(templates.partials)) {
    hb.registerPartial(name, hb.compile(text, { noEscape: !escape, strict: true }));
  }
  return hb;
}

/** Trailing spaces removed, LF only, exactly one final newline. */
function tidy(text: string): string {
  return `${text.replace(/\r\n/g, '\n').replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').replace(/\n*$/, '')}\n`;
}

/** One entry per environment for the parameter's description, e.g. `production (gke, kube2; needs approval)`. */
function parameterTargets(routes: ReturnType<typeof fleetRouting>): string[] {
  return routes.map((r) => `${r.name} (${r.clusters.join(', ')}${r.protected ? '; needs approval' : ''})`);
}

/**
 * Renders the whole library for a fleet: vars/<step>.groovy and .txt for each step and
 * helper, and resources/eastern/<command>.sh, the constant script each step runs.
 */
export function generateLibrary(agents: readonly AgentDefinition[], templates: LibraryTemplates): GeneratedFile[] {
  const sorted = [...agents].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const routes = fleetRouting(sorted);
  const base = {
    agentList: sorted.map((a) => `agents/${a.name}.yaml`).join(', '),
    environments: routes.map((r) => r.name),
    routes,
    clusters: sorted.map((a) => ({ name: a.name, namespaces: a.kubernetes.namespaces })),
    parameterTargets: parameterTargets(routes),
    projectNamePattern: PROJECT_NAME_PATTERN,
    projectNameMaxLength: PROJECT_NAME_MAX_LENGTH,
    // The CLI's own defaults, so the steps and the command never disagree.
    defaultTimeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
  };
  const groovy = environment(templates, false);
  const html = environment(templates, true);
  const template = (name: string): string => {
    const text = templates.templates[name];
    if (text === undefined) throw new Error(`library template ${name} is missing from src/library/templates`);
    return text;
  };
  const render = (hb: typeof Handlebars, name: string, data: object): string =>
    tidy(hb.compile(template(name), { noEscape: hb === groovy, strict: true })(data));

  const files: GeneratedFile[] = [];
  for (const step of [...STEPS.map((s) => s.name), ...HELPERS]) {
    const data = { ...base, step };
    files.push({ path: `vars/${step}.groovy`, contents: render(groovy, `${step}.groovy.hbs`, data) });
    files.push({ path: `vars/${step}.txt`, contents: render(html, `${step}.txt.hbs`, data) });
  }
  for (const { name, command } of STEPS) {
    files.push({ path: `resources/eastern/${command}.sh`, contents: render(groovy, `${command}.sh.hbs`, { ...base, step: name, script: command }) });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
