// Fixture cases of the template language (test/fixtures/template/<case>/), shared by
// the golden test (fixtures.test.ts) and the Python compatibility test. Each case is
// copied into a fresh temporary folder outside the git work tree, so the default
// root is predictable, and set up there (git markers, symlinks, FIFOs are made, not
// committed).
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = join(repoRoot, 'test', 'fixtures', 'template');
export const easternBin = join(repoRoot, 'bin', 'eastern');

export type PythonVerdict = 'same' | 'differs' | 'skip';

export interface CaseSetup {
  /** Folders (relative to the case) that get an empty `.git` folder: the top of a git work tree. */
  git?: string[];
  /** link path → target, created as symlinks. */
  symlinks?: Record<string, string>;
  /** Named pipes to create. */
  fifos?: string[];
  /** Empty folders to create (git does not keep them). */
  dirs?: string[];
}

export interface FixtureCase {
  name: string;
  dir: string;
  description: string;
  args: string[];
  exitCode: number;
  /** Working directory relative to the case folder (default "."). */
  cwd?: string;
  env?: Record<string, string>;
  setup?: CaseSetup;
  python: PythonVerdict;
  pythonReason?: string;
  /** Exact stdout when the case succeeds (expected.yaml). */
  expectedStdout?: string;
  /** Substrings that must all appear in stderr when it fails (expected-error.txt). */
  expectedErrors?: string[];
  /** Substrings that must all appear in stderr when it succeeds (expected-stderr.txt). */
  expectedStderr?: string[];
  /** Substrings that must never appear in stderr or stdout (e.g. a secret value), from case.json "stderrExcludes". */
  stderrExcludes?: string[];
}

/** Files of a case folder that describe the case rather than being template input. */
export const CASE_FILES = new Set(['case.json', 'expected.yaml', 'expected-error.txt', 'expected-stderr.txt']);

function substrings(file: string): string[] | undefined {
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
}

export function loadCases(): FixtureCase[] {
  const cases: FixtureCase[] = [];
  for (const name of readdirSync(fixturesDir).sort()) {
    const dir = join(fixturesDir, name);
    const caseFile = join(dir, 'case.json');
    if (!existsSync(caseFile)) continue;
    const json = JSON.parse(readFileSync(caseFile, 'utf8')) as Partial<FixtureCase>;
    if (!Array.isArray(json.args) || typeof json.description !== 'string') {
      throw new Error(`${caseFile}: needs "description" and "args"`);
    }
    if (json.python !== 'same' && json.python !== 'differs' && json.python !== 'skip') {
      throw new Error(`${caseFile}: "python" must be "same", "differs" or "skip"`);
    }
    if (json.python !== 'same' && !json.pythonReason) throw new Error(`${caseFile}: "python": "${json.python}" needs a "pythonReason"`);
    const expectedYaml = join(dir, 'expected.yaml');
    const c: FixtureCase = {
      name,
      dir,
      description: json.description,
      args: json.args,
      exitCode: json.exitCode ?? 0,
      python: json.python,
      ...(json.cwd !== undefined && { cwd: json.cwd }),
      ...(json.env !== undefined && { env: json.env }),
      ...(json.setup !== undefined && { setup: json.setup }),
      ...(json.pythonReason !== undefined && { pythonReason: json.pythonReason }),
      ...(json.stderrExcludes !== undefined && { stderrExcludes: json.stderrExcludes }),
      ...(existsSync(expectedYaml) && { expectedStdout: readFileSync(expectedYaml, 'utf8') }),
    };
    const errors = substrings(join(dir, 'expected-error.txt'));
    const stderr = substrings(join(dir, 'expected-stderr.txt'));
    if (errors) c.expectedErrors = errors;
    if (stderr) c.expectedStderr = stderr;
    if (c.exitCode === 0 && c.expectedStdout === undefined) throw new Error(`${dir}: a succeeding case needs expected.yaml`);
    if (c.exitCode !== 0 && !c.expectedErrors) throw new Error(`${dir}: a failing case needs expected-error.txt`);
    cases.push(c);
  }
  return cases;
}

export interface Materialized {
  /** The case folder's copy. */
  root: string;
  /** Where the command runs. */
  cwd: string;
  cleanup(): void;
}

/** Copies a case (inputs only) into a new temporary folder and performs its setup. */
export function materialize(c: FixtureCase): Materialized {
  const parent = mkdtempSync(join(tmpdir(), 'eastern-fixture-'));
  const root = join(parent, c.name);
  cpSync(c.dir, root, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => !(dirname(src) === c.dir && CASE_FILES.has(src.slice(c.dir.length + 1))),
  });
  const setup = c.setup ?? {};
  for (const g of setup.git ?? []) mkdirSync(join(root, g, '.git'), { recursive: true });
  for (const d of setup.dirs ?? []) mkdirSync(join(root, d), { recursive: true });
  for (const [link, target] of Object.entries(setup.symlinks ?? {})) {
    mkdirSync(dirname(join(root, link)), { recursive: true });
    symlinkSync(target, join(root, link));
  }
  for (const f of setup.fifos ?? []) execFileSync('mkfifo', [join(root, f)]);
  return { root, cwd: join(root, c.cwd ?? '.'), cleanup: () => rmSync(parent, { recursive: true, force: true }) };
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/** A clean environment: nothing from the agent (EASTERN_*), no colours, UTF-8 locale. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    NO_COLOR: '1',
    ...extra,
  };
}

export function runProcess(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<ProcessResult> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 20_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}

/** Runs the built CLI (`node bin/eastern …`). */
export function runEastern(args: string[], cwd: string, env: Record<string, string> = {}): Promise<ProcessResult> {
  return runProcess(process.execPath, [easternBin, ...args], { cwd, env: cleanEnv(env) });
}

/** Runs `fn` over `items` with at most `limit` at a time; results keep the input order. */
export function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R>[] {
  const results: Promise<R>[] = [];
  let running = 0;
  const queue: (() => void)[] = [];
  for (const item of items) {
    results.push(new Promise<R>((resolveItem, rejectItem) => {
      const start = () => {
        running++;
        fn(item).then(resolveItem, rejectItem).finally(() => {
          running--;
          queue.shift()?.();
        });
      };
      if (running < limit) start();
      else queue.push(start);
    }));
  }
  // Failures are reported by whoever awaits the promise; avoid unhandled-rejection noise.
  for (const r of results) r.catch(() => {});
  return results;
}

export function builtCliOrThrow(): void {
  if (!existsSync(join(repoRoot, 'dist', 'bin', 'main.js'))) {
    throw new Error('dist/bin/main.js is missing: run `npm run build` first (npm test does it)');
  }
}
