#!/usr/bin/env node
// Render benchmark: Eastern (`node bin/eastern`) against the Python `eastern` 5.0.0
// on the same generated templates, side by side in one run, alternating tools on
// every round so that machine noise hits both. Not a test: it prints a table and
// writes bench/results/render.json.
//
//   node bench/render/run.mjs [--runs N] [--projects N] [--out FILE]
//
// Cases:
//   per-project  one `generate` process per project of a 50-project monorepo
//   large        one template with 2,000 partial loads (~50,000 output lines)
//   render-many  `eastern render -f … -f …` of all projects in one process
//   check-many   `eastern check -f … -f …` of the same projects in one process
//   node-e-0     `node -e 0`, the floor of any Node command
// Other peers (e.g. `helm template`) plug in through `options.competitors`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, ensurePythonEastern } from '../lib/peers.mjs';
import { generateLargeTemplate, generateMonorepo } from './monorepo.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const easternBin = join(repoRoot, 'bin', 'eastern');
const NAMESPACE = 'production';
const SETS = ['-s', 'IMAGE_TAG=1.2.3'];

// GNU time reports the child's CPU time (user + system), which other load on the
// machine disturbs far less than wall time; both are recorded when it is there.
const TIME_BIN = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const timeFile = join(tmpdir(), `eastern-bench-time-${process.pid}`);

/** Runs one command; returns wall (and CPU) time in ms. Throws when it fails, so a broken tool is never "fast". */
function timed(file, args, cwd, what) {
  const [cmd, argv] = TIME_BIN ? [TIME_BIN, ['-f', '%U %S', '-o', timeFile, file, ...args]] : [file, args];
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0 || r.error) {
    throw new Error(`${what}: ${file} ${args.join(' ')} (cwd ${cwd}) exited ${r.status}${r.error ? ` (${r.error.message})` : ''}\n${(r.stderr || '').slice(0, 2000)}`);
  }
  let cpuMs;
  if (TIME_BIN) {
    const [user, sys] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
    cpuMs = (user + sys) * 1000;
  }
  return { ms, cpuMs, stdout: r.stdout };
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], samples };
}

function fmt(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

function pythonVersion(bin) {
  const r = spawnSync(join(dirname(bin), 'python'), ['--version'], { encoding: 'utf8' });
  return (r.stdout || r.stderr || '').trim();
}

/**
 * A tool taking part in a case. `command(item)` returns [file, args] for one
 * invocation, or undefined when the tool does not take part in that case.
 * @typedef {{ name: string, command: (caseName: string, item: { cwd: string, file?: string, files?: string[] }) => [string, string[]] | undefined }} Competitor
 */

/**
 * Runs the benchmark and returns its results (also written as JSON unless `out` is null).
 * @param {{ runs?: number, projects?: number, workDir?: string, keep?: boolean, out?: string | null,
 *           log?: (line: string) => void, competitors?: Competitor[] }} options
 *   workDir: where the inputs are generated (default: a fresh folder under
 *   ~/.cache/eastern/bench, removed afterwards unless keep).
 */
export async function runRenderBench(options = {}) {
  const runs = options.runs ?? 5;
  const projects = options.projects ?? 50;
  const log = options.log ?? ((line) => process.stdout.write(line + '\n'));
  // A fresh folder per run: two benches running at once must not regenerate each other's files.
  mkdirSync(join(cacheDir(), 'bench'), { recursive: true });
  const workDir = options.workDir ?? mkdtempSync(join(cacheDir(), 'bench', 'render-'));
  const out = options.out === undefined ? join(repoRoot, 'bench', 'results', 'render.json') : options.out;

  if (!existsSync(join(repoRoot, 'dist', 'bin', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');

  try {
    return await measure({ runs, projects, log, workDir, out, competitors: options.competitors ?? [] });
  } finally {
    if (!options.workDir && !options.keep) rmSync(workDir, { recursive: true, force: true });
  }
}

async function measure({ runs, projects, log, workDir, out, competitors }) {
  const python = ensurePythonEastern({ log: (m) => log(m) });
  const monoDir = join(workDir, 'monorepo');
  const largeDir = join(workDir, 'large');
  const templates = generateMonorepo(monoDir, { projects });
  const large = generateLargeTemplate(largeDir);

  const eastern = {
    name: 'eastern',
    command: (caseName, item) => {
      if (caseName === 'render-many') return [process.execPath, [easternBin, 'render', ...item.files.flatMap((f) => ['-f', f]), '-n', NAMESPACE, ...SETS]];
      if (caseName === 'check-many') return [process.execPath, [easternBin, 'check', ...item.files.flatMap((f) => ['-f', f]), '-n', NAMESPACE, ...SETS]];
      if (caseName === 'node-e-0') return [process.execPath, ['-e', '0']];
      return [process.execPath, [easternBin, 'generate', item.file, NAMESPACE, ...SETS]];
    },
  };
  const pythonTool = {
    name: 'python-eastern',
    command: (caseName, item) => (caseName === 'per-project' || caseName === 'large'
      ? [python, ['generate', item.file, NAMESPACE, ...SETS]]
      : undefined),
  };
  const tools = [eastern, pythonTool, ...competitors];

  const cases = [
    { name: 'per-project', title: `${projects} projects, one generate process each`, items: templates.map((file) => ({ cwd: monoDir, file })), perItem: true },
    { name: 'large', title: `large template (${large.loads} loads)`, items: [{ cwd: largeDir, file: large.template }] },
    { name: 'render-many', title: `render -f ×${projects} in one process`, items: [{ cwd: monoDir, files: templates }] },
    { name: 'check-many', title: `check -f ×${projects} in one process`, items: [{ cwd: monoDir, files: templates }] },
    { name: 'node-e-0', title: 'node -e 0 (baseline)', items: [{ cwd: repoRoot }] },
  ];

  // Warm-up and sanity: every tool renders every item once, and the output is not empty.
  const outputLines = {};
  for (const c of cases) {
    for (const tool of tools) {
      for (const item of c.items) {
        const cmd = tool.command(c.name, item);
        if (!cmd) continue;
        const { stdout } = timed(cmd[0], cmd[1], item.cwd, `${tool.name} ${c.name}`);
        // check prints findings (the monorepo has warnings, no errors: exit 0); the others print YAML.
        if (c.name !== 'node-e-0' && stdout.trim() === '') throw new Error(`${tool.name} ${c.name}: ${c.name === 'check-many' ? 'reported no finding' : 'rendered nothing'}`);
        if (tool.name === 'eastern' && c.name === 'large') outputLines.large = stdout.split('\n').length - 1;
      }
    }
  }

  const samples = {};
  const cpuSamples = {};
  for (let round = 0; round < runs; round++) {
    // Alternate which tool goes first in each round.
    const order = round % 2 === 0 ? tools : [...tools].reverse();
    for (const c of cases) {
      for (const tool of order) {
        let total = 0;
        let cpu = 0;
        let took = false;
        for (const item of c.items) {
          const cmd = tool.command(c.name, item);
          if (!cmd) continue;
          took = true;
          const t = timed(cmd[0], cmd[1], item.cwd, `${tool.name} ${c.name}`);
          total += t.ms;
          cpu += t.cpuMs ?? 0;
        }
        if (!took) continue;
        ((samples[c.name] ??= {})[tool.name] ??= []).push(total);
        if (TIME_BIN) ((cpuSamples[c.name] ??= {})[tool.name] ??= []).push(cpu);
      }
    }
    log(`round ${round + 1}/${runs} done`);
  }

  const results = cases.map((c) => {
    const perTool = {};
    for (const [tool, s] of Object.entries(samples[c.name] ?? {})) {
      perTool[tool] = { wall: stats(s), ...(cpuSamples[c.name]?.[tool] && { cpu: stats(cpuSamples[c.name][tool]) }) };
    }
    return { name: c.name, title: c.title, items: c.items.length, tools: perTool };
  });

  const byName = Object.fromEntries(results.map((r) => [r.name, r]));
  const ratio = (a, b, key, stat = 'median') => (a?.[key] && b?.[key] ? a[key][stat] / b[key][stat] : undefined);
  const ratioSet = (a, b) => ({
    wallMedian: ratio(a, b, 'wall'), wallMin: ratio(a, b, 'wall', 'min'), cpuMedian: ratio(a, b, 'cpu'),
  });
  const ratios = {
    perProject: ratioSet(byName['per-project'].tools.eastern, byName['per-project'].tools['python-eastern']),
    large: ratioSet(byName.large.tools.eastern, byName.large.tools['python-eastern']),
    renderManyVsPythonPerProject: ratioSet(byName['render-many'].tools.eastern, byName['per-project'].tools['python-eastern']),
    checkManyVsRenderMany: ratioSet(byName['check-many'].tools.eastern, byName['render-many'].tools.eastern),
  };
  const targets = { perProject: 0.75, large: 0.4, checkManyVsRenderMany: 2 };

  // Table: wall-time median (min–max), CPU median; ratios of wall medians, wall minimums and CPU medians.
  const x = (r) => (r === undefined ? '—' : `${r.toFixed(2)}×`);
  const rows = [['case', ...tools.map((t) => `${t.name}: wall median (min–max), cpu`), 'eastern / python: wall median, wall min, cpu']];
  for (const r of results) {
    const cells = tools.map((t) => {
      const s = r.tools[t.name];
      if (!s) return '—';
      const per = r.name === 'per-project' ? ` = ${fmt(s.wall.median / r.items)}/project` : '';
      return `${fmt(s.wall.median)} (${fmt(s.wall.min)}–${fmt(s.wall.max)})${s.cpu ? `, cpu ${fmt(s.cpu.median)}` : ''}${per}`;
    });
    const set = r.name === 'per-project' ? ratios.perProject : r.name === 'large' ? ratios.large : r.name === 'render-many' ? ratios.renderManyVsPythonPerProject : r.name === 'check-many' ? ratios.checkManyVsRenderMany : undefined;
    let rc = set ? `${x(set.wallMedian)}, ${x(set.wallMin)}, ${x(set.cpuMedian)}` : '—';
    if (r.name === 'per-project') rc += ` (target ≤ ${targets.perProject}×)`;
    if (r.name === 'large') rc += ` (target ≤ ${targets.large}×)`;
    if (r.name === 'render-many') rc += ' of python per-project';
    if (r.name === 'check-many') rc += ` of eastern render -f (target < ${targets.checkManyVsRenderMany}×)`;
    rows.push([r.title, ...cells, rc]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  log('');
  for (const [i, row] of rows.entries()) {
    log(row.map((cell, j) => String(cell).padEnd(widths[j])).join('  '));
    if (i === 0) log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  log(`\nlarge template output: ${outputLines.large} lines; ${runs} rounds; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, loadavg: loadavg(), node: process.version, python: pythonVersion(python) },
    runs,
    projects,
    largeTemplate: { loads: large.loads, outputLines: outputLines.large },
    results,
    ratios,
    targets,
  };
  rmSync(timeFile, { force: true });
  if (out) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
    log(`wrote ${out}`);
  }
  return report;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const options = {};
  if (arg('--runs')) options.runs = Number(arg('--runs'));
  if (arg('--projects')) options.projects = Number(arg('--projects'));
  if (arg('--out')) options.out = resolve(arg('--out'));
  runRenderBench(options).catch((error) => {
    process.stderr.write(`bench/render: ${error instanceof Error ? error.message : error}\n`);
    process.exitCode = 1;
  });
}
