// Compatibility with the Python reference `eastern` 5.0.0 (installed into the cache
// by bench/lib/peers.mjs when missing; if it cannot be had, every test here fails).
//
// - Fixture cases marked "python": "same" must render to the same YAML documents
//   (parsed with js-yaml and deep-compared: Python's output differs in whitespace
//   only), or fail in both tools.
// - Cases marked "differs" must really differ, so every claimed difference (the
//   spec's table, plus the few listed in each case's pythonReason) is checked.
// - A corpus of realistic templates (examples/ and a generated monorepo) must give
//   the same documents for the namespaces default, staging and production.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import yaml from 'js-yaml';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ensurePythonEastern } from '../../bench/lib/peers.mjs';
import { pythonJsonLines } from './python-json-lines.js';
import { generateLargeTemplate, generateMonorepo } from '../../bench/render/monorepo.mjs';
import {
  builtCliOrThrow, cleanEnv, loadCases, materialize, pool, repoRoot, runEastern, runProcess,
  type FixtureCase, type Materialized, type ProcessResult,
} from '../template/fixture-cases.js';

let pythonBin: string | undefined;
let pythonError: unknown;
try {
  pythonBin = ensurePythonEastern();
} catch (error) {
  pythonError = error;
}

function python(): string {
  if (pythonBin === undefined) {
    throw new Error(`the Python reference eastern 5.0.0 is not available, so compatibility cannot be checked: ${String(pythonError)}`);
  }
  return pythonBin;
}

function runPython(args: string[], cwd: string): Promise<ProcessResult> {
  return runProcess(python(), args, { cwd, env: cleanEnv({ PYTHONIOENCODING: 'utf-8' }), timeoutMs: 60_000 });
}

interface PythonJob { cwd: string; argv: string[] }

/**
 * Runs many Python command lines through eastern.cli:cli in one interpreter
 * (python_batch.py). A test below checks that the batch reports what the real
 * process reports.
 */
async function runPythonBatch(jobs: PythonJob[]): Promise<ProcessResult[]> {
  python();
  type Answer = { id: number; code: number; stdout: string; stderr: string };
  const answers = await pythonJsonLines<Answer>('python_batch.py', jobs.map((j, id) => ({ id, cwd: j.cwd, argv: j.argv })));
  const byId = new Map(answers.map((a) => [a.id, a]));
  return jobs.map((_, id) => {
    const r = byId.get(id);
    if (!r) throw new Error(`python_batch.py gave no answer for job ${id}`);
    return { code: r.code, stdout: r.stdout, stderr: r.stderr, timedOut: false, ms: 0 };
  });
}

/**
 * The Python command lines equivalent to an Eastern one: `render` → `generate`,
 * `-f A -f B -n NS` → one `generate A NS` per file, Eastern-only options dropped
 * (`--allow-undefined` is Python's only behaviour; Python has no `--root`).
 */
function pythonCommands(args: readonly string[]): string[][] {
  const files: string[] = [];
  const sets: string[] = [];
  const rest: string[] = [];
  let namespace: string | undefined;
  for (let i = 1; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-f' || a === '--file') files.push(args[++i] as string);
    else if (a === '-n' || a === '--namespace') namespace = args[++i];
    else if (a === '-s' || a === '--set') sets.push(a, args[++i] as string);
    else if (a === '--root') i++;
    else if (a === '--allow-undefined') continue;
    else rest.push(a);
  }
  if (files.length > 0) return files.map((f) => ['generate', f, namespace ?? 'default', ...sets, ...rest]);
  return [['generate', ...rest, ...sets]];
}

type Outcome = { ok: boolean; docs?: unknown[]; parseError?: string; text: string };

function documents(text: string): { docs?: unknown[]; parseError?: string } {
  try {
    return { docs: yaml.loadAll(text).filter((d) => d !== null && d !== undefined) };
  } catch (error) {
    return { parseError: (error as Error).message };
  }
}

function outcome(results: ProcessResult[]): Outcome {
  const ok = results.every((r) => r.code === 0 && !r.timedOut);
  const text = results.map((r) => `exit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n${r.stdout}${r.stderr ? `--- stderr\n${r.stderr}` : ''}`).join('\n');
  if (!ok) return { ok, text };
  const parsed = results.map((r) => documents(r.stdout));
  const failed = parsed.find((p) => p.parseError !== undefined);
  if (failed) return { ok, text, parseError: failed.parseError as string };
  return { ok, text, docs: parsed.flatMap((p) => p.docs ?? []) };
}

function sameDocs(a: Outcome, b: Outcome): boolean {
  if (!a.docs || !b.docs) return false;
  try {
    assert.equal(a.docs, b.docs);
    return true;
  } catch {
    return false;
  }
}

// ---- fixture cases ------------------------------------------------------------
const fixtures = suite('Python eastern 5.0.0 vs Eastern: fixture cases');
const cases = loadCases().filter((c) => c.python !== 'skip');
let caseResults: Promise<{ eastern: Outcome; python: Outcome }>[] = [];
let places: Materialized[] = [];
fixtures.before(() => {
  builtCliOrThrow();
  python();
  places = cases.map((c) => materialize(c));
  const easternRuns = pool(cases, 2, (c) => runEastern(c.args, (places[cases.indexOf(c)] as Materialized).cwd, c.env));
  const jobs = cases.map((c, i) => pythonCommands(c.args).map((argv) => ({ cwd: (places[i] as Materialized).cwd, argv })));
  const flat = runPythonBatch(jobs.flat());
  let offset = 0;
  const slices = jobs.map((j) => { const start = offset; offset += j.length; return [start, offset] as const; });
  caseResults = cases.map(async (_, i) => {
    const [start, end] = slices[i] as readonly [number, number];
    const [e, p] = await Promise.all([easternRuns[i] as Promise<ProcessResult>, flat]);
    return { eastern: outcome([e]), python: outcome(p.slice(start, end)) };
  });
  for (const r of caseResults) r.catch(() => {});
});
fixtures.after(() => {
  for (const p of places) p.cleanup();
});

cases.forEach((c, i) => {
  const label = c.python === 'same' ? 'same YAML documents' : `differs (${c.pythonReason})`;
  fixtures(`${c.name}: ${label}`, async () => {
    const { eastern, python: py } = await (caseResults[i] as Promise<{ eastern: Outcome; python: Outcome }>);
    const both = `--- eastern\n${eastern.text}\n--- python\n${py.text}`;
    if (c.python === 'same') {
      if (c.exitCode === 0) {
        assert.ok(eastern.ok && eastern.docs, `Eastern failed or printed invalid YAML (${eastern.parseError ?? ''})\n${both}`);
        assert.ok(py.ok && py.docs, `Python failed or printed invalid YAML (${py.parseError ?? ''})\n${both}`);
        assert.equal(eastern.docs, py.docs, `the YAML documents differ\n${both}`);
      } else {
        assert.not.ok(eastern.ok, `Eastern should fail\n${both}`);
        assert.not.ok(py.ok, `Python should fail too (the case says "same")\n${both}`);
      }
    } else {
      const identical = eastern.ok === py.ok && (!eastern.ok || sameDocs(eastern, py));
      assert.not.ok(identical, `the case claims a difference from Python, but both behave the same\n${both}`);
      assert.is(eastern.ok, c.exitCode === 0, `Eastern's outcome\n${both}`);
    }
  });
});

/** The first cells of the README's compatibility table. */
function compatibilityRows(): string[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('### Compatibility with the Python `eastern` 5.x');
  assert.ok(start >= 0, 'README has no compatibility section');
  const section = readme.slice(start, readme.indexOf('\n## ', start));
  return section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| |')).map((l) => (l.split(' | ')[0] as string).slice(2).trim());
}

fixtures('every case that behaves differently names its row of the README compatibility table, and the row exists', () => {
  // Backticks (Markdown code) do not count: `$${X}` escape and $${X} escape name the same row.
  const plain = (text: string) => text.replace(/`/g, '');
  const rows = new Set(compatibilityRows().map(plain));
  assert.ok(rows.size >= 20, `only ${rows.size} rows found`);
  for (const c of loadCases().filter((x) => x.python !== 'same')) {
    const named = [...(c.pythonReason ?? '').matchAll(/table row "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] as string);
    assert.ok(named.length > 0, `${c.name}: pythonReason names no 'table row "…"': ${c.pythonReason}`);
    for (const row of named) assert.ok(rows.has(plain(row)), `${c.name}: the README compatibility table has no row "${row}" (rows: ${[...rows].join(' / ')})`);
  }
});

fixtures.run();

// ---- corpus: examples/ and a generated monorepo ---------------------------------
const corpus = suite('Python eastern 5.0.0 vs Eastern: realistic templates');
const NAMESPACES = ['default', 'staging', 'production'];

interface CorpusItem { cwd: string; file: string; namespace: string }

function exampleTemplates(): string[] {
  const dir = join(repoRoot, 'examples');
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const project of readdirSync(dir, { withFileTypes: true })) {
    if (!project.isDirectory()) continue;
    for (const top of ['kubernetes.yaml', 'job.yaml']) {
      const file = join(dir, project.name, top);
      if (existsSync(file)) out.push(relative(repoRoot, file));
    }
  }
  return out;
}

const examples = exampleTemplates();
const generated = mkdtempSync(join(tmpdir(), 'eastern-compat-'));
const monorepoDir = join(generated, 'monorepo');
const largeDir = join(generated, 'large');
const monorepo = generateMonorepo(monorepoDir, { projects: 5, seed: 7 });
generateLargeTemplate(largeDir, { documents: 10, loadsPerDocument: 10, distinctPartials: 20, linesPerPartial: 8 });

const items: (CorpusItem & { label: string })[] = [];
for (const ns of NAMESPACES) {
  for (const file of examples) items.push({ cwd: repoRoot, file, namespace: ns, label: `${file} ${ns}` });
  for (const file of monorepo) items.push({ cwd: monorepoDir, file, namespace: ns, label: `generated ${file} ${ns}` });
  items.push({ cwd: largeDir, file: 'kubernetes.yaml', namespace: ns, label: `generated large template ${ns}` });
}

let corpusResults: Promise<{ eastern: Outcome; python: Outcome }>[] = [];
corpus.before(() => {
  builtCliOrThrow();
  python();
  const args = (item: CorpusItem) => ['generate', item.file, item.namespace, '-s', 'IMAGE_TAG=1.2.3'];
  const easternRuns = pool(items, 2, (item) => runEastern(args(item), item.cwd));
  const flat = runPythonBatch(items.map((item) => ({ cwd: item.cwd, argv: args(item) })));
  corpusResults = items.map(async (_, i) => {
    const [e, p] = await Promise.all([easternRuns[i] as Promise<ProcessResult>, flat]);
    return { eastern: outcome([e]), python: outcome([p[i] as ProcessResult]) };
  });
  for (const r of corpusResults) r.catch(() => {});
});
corpus.after(() => rmSync(generated, { recursive: true, force: true }));

corpus('examples/ holds at least two projects', () => {
  const projects = new Set(examples.map((f) => f.split('/')[1]));
  assert.ok(projects.size >= 2, `examples/ projects found: ${[...projects].join(', ') || 'none'}`);
});

items.forEach((item, i) => {
  corpus(`${item.label}: same YAML documents`, async () => {
    const { eastern, python: py } = await (corpusResults[i] as Promise<{ eastern: Outcome; python: Outcome }>);
    const both = `--- eastern\n${eastern.text}\n--- python\n${py.text}`;
    assert.ok(eastern.ok && eastern.docs, `Eastern failed\n${both}`);
    assert.ok(py.ok && py.docs, `Python failed\n${both}`);
    assert.ok((eastern.docs ?? []).length > 0, 'the template renders no document');
    assert.equal(eastern.docs, py.docs, `the YAML documents differ\n${both}`);
  });
});

corpus('python_batch.py reports what the real eastern process reports (stdout, success or failure)', async () => {
  const jobs = [
    { cwd: repoRoot, argv: ['generate', 'examples/hello-web/kubernetes.yaml', 'staging', '-s', 'IMAGE_TAG=1.27'] },
    { cwd: repoRoot, argv: ['generate', 'examples/worker/job.yaml', 'production', '-s', 'IMAGE_TAG=1.36'] },
    { cwd: repoRoot, argv: ['generate', 'examples/does-not-exist.yaml'] },
    { cwd: repoRoot, argv: ['generate', 'examples/hello-web/kubernetes.yaml', '--bogus'] },
    { cwd: repoRoot, argv: ['generate', 'examples/hello-web/kubernetes.yaml', 'x', '-s', 'NOEQUALS'] },
  ];
  const batch = await runPythonBatch(jobs);
  for (const [i, job] of jobs.entries()) {
    const real = await runPython(job.argv, job.cwd);
    const b = batch[i] as ProcessResult;
    assert.is(b.code === 0, real.code === 0, `${job.argv.join(' ')}: batch exit ${b.code}, real exit ${real.code}\n${b.stderr}\n${real.stderr}`);
    assert.is(b.stdout, real.stdout, `${job.argv.join(' ')}: stdout differs between batch and real process`);
  }
});

corpus.run();
