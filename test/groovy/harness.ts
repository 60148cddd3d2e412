// Node side of the tier-3 pipeline harness: compiles the Groovy harness (once per
// content, cached outside the clone) against groovy-cps, runs scenarios through the real
// CPS interpreter with plain `java` (test/groovy/harness/Driver.groovy), and builds the
// agent list a scenario's node(label) resolves against.
//
// End-to-end tests reuse it with `sh: {mode: 'exec'}` and agents whose env is what a
// running `eastern agent` exports (EASTERN_CLUSTER, EASTERN_AGENT, kube context):
// see the TODO in the library's README section.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadFleet } from '../../src/fleet/load.js';
import { labelsFor } from '../../src/fleet/schema.js';
import { ensureGroovy, type GroovyTools } from './setup.mjs';

const run = promisify(execFile);
export const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const harnessDir = join(root, 'test/groovy/harness');
/** Harness code compiled at run time by the CPS transformer, like the library (steps with a body, Declarative). */
const harnessCpsDir = join(root, 'test/groovy/harness-cps');
const stubsDir = join(root, 'test/groovy/stubs');

export interface Agent {
  name: string;
  labels: string[];
  env: Record<string, string>;
  /** Exec mode: the agent's workspace (default: <workspaceRoot>/workspace-<name>). */
  workspace?: string;
}

export interface ShRule {
  when?: Record<string, string>;
  scriptContains?: string;
  status?: number;
  stdout?: string;
  /** Files written into the workspace when the rule answers; `${VAR}` expands from the sh environment. */
  files?: Record<string, string>;
  /** Simulates aborting the build while the script runs. */
  abort?: boolean;
  /** Virtual minutes the script takes. */
  minutes?: number;
  /** The step throws this message instead of returning (an agent lost mid-step). */
  failure?: string;
}

export interface Scenario {
  name: string;
  /** Pipeline text, or a path in `jenkinsfile`. */
  script?: string;
  jenkinsfile?: string;
  params?: Record<string, unknown>;
  env?: Record<string, string>;
  agents?: Agent[];
  strictNodes?: boolean;
  sh?: { mode?: 'record' | 'exec'; rules?: ShRule[] };
  input?: 'approve' | 'abort' | 'timeout';
  /** vars: what checkout returns; commits: one per checkout in turn (a branch moving); failOn: agents whose checkout throws. */
  checkout?: { vars?: Record<string, string>; from?: string; commits?: string[]; failOn?: string[] };
  /** false: the job has no `scm` (an inline script). */
  scm?: boolean;
  /** Agents whose node never comes online. */
  offline?: string[];
  /** Newer builds of the job: the milestones they passed and their build variables (`currentBuild.nextBuild`). */
  newerBuilds?: { number: number; milestones?: number; variables?: Record<string, string> }[];
  files?: Record<string, string>;
  workspaceRoot?: string;
}

export interface Call {
  step: string;
  args: unknown;
  /** Enclosing steps, outermost first, e.g. ['lock:eastern-staging-shop', 'parallel:kube1', 'node:eastern-cluster-kube1', 'withEnv']. */
  parents: string[];
  /** Agent whose node the call ran in. */
  node: string | null;
  agent?: string;
  script?: string;
  env?: Record<string, string>;
  status?: number;
  stdout?: string;
  stderr?: string;
  insideTimeout?: boolean;
  branches?: string[];
  failFast?: boolean;
}

export interface ScenarioResult {
  name: string;
  result: 'SUCCESS' | 'FAILURE' | 'ABORTED';
  error: string | null;
  exception: string | null;
  stack?: string;
  calls: Call[];
  log: string[];
  description: string | null;
  returned?: unknown;
  /** CPS rules the program broke: NotSerializableException, CPS mismatch, step from @NonCPS. */
  cps: string[];
}

function cacheRoot(): string {
  return process.env.EASTERN_CACHE ?? join(homedir(), '.cache', 'eastern');
}

function listFiles(dir: string, extension: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), extension) : e.name.endsWith(extension) ? [join(dir, e.name)] : []))
    .sort();
}

export interface CompiledHarness {
  tools: GroovyTools;
  /** Java stand-ins for Jenkins classes (NonCPS, Library): also usable on the boot class path. */
  stubs: string;
  /** The harness classes (compiled against groovy-cps). */
  harness: string;
  /** groovy-cps + groovy-all + harness + stubs (the real NonCPS comes first). */
  classpath: string;
}

let compiled: Promise<CompiledHarness> | undefined;

/** Compiles the stubs (javac) and the harness (groovyc) into a cache folder keyed by their content. */
export function compileHarness(): Promise<CompiledHarness> {
  compiled ??= (async () => {
    const tools = ensureGroovy();
    const javaFiles = listFiles(stubsDir, '.java');
    const groovyFiles = listFiles(harnessDir, '.groovy');
    const hash = createHash('sha256');
    for (const f of [...javaFiles, ...groovyFiles]) hash.update(f.slice(root.length)).update(readFileSync(f));
    hash.update(tools.cpsClasspath);
    const dir = join(cacheRoot(), 'groovy-harness', hash.digest('hex').slice(0, 16));
    const stubs = join(dir, 'stubs');
    const harness = join(dir, 'harness');
    if (!existsSync(join(harness, 'eastern/harness/Main.class'))) {
      const staging = `${dir}.tmp-${process.pid}`;
      rmSync(staging, { recursive: true, force: true });
      mkdirSync(join(staging, 'stubs'), { recursive: true });
      await run(join(dirname(tools.java), 'javac'), ['--release', '8', '-nowarn', '-d', join(staging, 'stubs'), ...javaFiles], { env: tools.env });
      await run(tools.groovyc, ['-cp', tools.cpsClasspath, '-d', join(staging, 'harness'), ...groovyFiles], { env: tools.env });
      rmSync(dir, { recursive: true, force: true });
      renameSync(staging, dir);
    }
    return { tools, stubs, harness, classpath: [tools.cpsClasspath, harness, stubs].join(':') };
  })();
  return compiled;
}

/** Runs scenarios through the CPS interpreter against the library at `library` (default: this checkout), in one JVM. */
export async function runPipelines(scenarios: Scenario[], options: { library?: string } = {}): Promise<ScenarioResult[]> {
  const { tools, classpath } = await compileHarness();
  const dir = mkdtempSync(join(tmpdir(), 'eastern-harness-'));
  try {
    const input = join(dir, 'input.json');
    const output = join(dir, 'output.json');
    writeFileSync(input, JSON.stringify({ library: options.library ?? root, harnessCps: harnessCpsDir, scenarios }));
    try {
      await run(tools.java, ['-cp', classpath, 'eastern.harness.Main', input, output], {
        env: tools.env,
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`the pipeline harness failed: ${e.stderr || e.message}`);
    }
    return JSON.parse(readFileSync(output, 'utf8')) as ScenarioResult[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Agents as the fleet (agents/*.yaml, through the schema module the generator uses) defines
 * them, each exporting EASTERN_CLUSTER as `eastern agent` does; `extraEnv` adds per-agent variables.
 */
export function agentsFromFleet(library: string = root, extraEnv: Record<string, Record<string, string>> = {}): Agent[] {
  return loadFleet(join(library, 'agents')).map((a) => ({ name: a.name, labels: labelsFor(a), env: { EASTERN_CLUSTER: a.name, ...(extraEnv[a.name] ?? {}) } }));
}

/** Compiles Groovy files with groovyc 2.4.21 (NonCPS stub and the library's src/ on the classpath); resolves with groovyc's output. */
export async function compileGroovy(files: string[], sourceRoots: string[] = [join(root, 'src')]): Promise<{ ok: boolean; output: string }> {
  const { tools, stubs } = await compileHarness();
  const out = mkdtempSync(join(tmpdir(), 'eastern-groovyc-'));
  try {
    const result = await run(tools.groovyc, ['-cp', [stubs, ...sourceRoots].join(':'), '-d', out, ...files], { env: tools.env }).then(
      (r) => ({ ok: true, output: `${r.stdout}${r.stderr}` }),
      (e: { stdout?: string; stderr?: string; message: string }) => ({ ok: false, output: `${e.stdout ?? ''}${e.stderr ?? e.message}` }),
    );
    return result;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Calls of one step, in order. */
export function callsOf(result: ScenarioResult, step: string): Call[] {
  return result.calls.filter((c) => c.step === step);
}
