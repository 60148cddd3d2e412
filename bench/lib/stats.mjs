// Timing helpers for the benchmarks: run commands, repeat contenders in
// alternating order, and summarise samples as median / min / max.
import { spawn, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** { n, median, min, max, samples } of a list of numbers (ms); undefined for none. */
export function summarize(samples) {
  if (!samples || samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { n: sorted.length, median, min: sorted[0], max: sorted[sorted.length - 1], samples: [...samples] };
}

/** a / b of two summaries' medians, or undefined when either is missing. */
export function ratio(a, b) {
  if (!a || !b || !b.median) return undefined;
  return a.median / b.median;
}

function describeFailure(file, args, result) {
  const out = [result.stdout, result.stderr].map((s) => (s ? String(s) : '')).join('\n').trim();
  const tail = out.split('\n').slice(-15).join('\n');
  const why = result.error ? result.error.message : result.signal ? `signal ${result.signal}` : `exit ${result.status}`;
  return `${file} ${args.join(' ')} failed (${why})${tail ? `:\n${tail}` : ''}`;
}

/**
 * Runs a command to completion and returns its wall time in ms (spawn to exit).
 * Throws with the tail of its output when it fails, so no failed run is timed.
 * `expectExit` lists the exit codes that count as success (default [0]).
 */
export function timeCommand(file, args, { cwd, env, input, expectExit = [0], timeoutMs = 10 * 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const chunks = { stdout: [], stderr: [] };
    const start = performance.now();
    const child = spawn(file, args, { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c) => chunks.stdout.push(c));
    child.stderr.on('data', (c) => chunks.stderr.push(c));
    if (input !== undefined) child.stdin.end(input);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(describeFailure(file, args, { error })));
    });
    child.on('close', (status, signal) => {
      const ms = performance.now() - start;
      clearTimeout(timer);
      const result = { status, signal, stdout: Buffer.concat(chunks.stdout), stderr: Buffer.concat(chunks.stderr) };
      if (signal || !expectExit.includes(status)) reject(new Error(describeFailure(file, args, result)));
      else resolve({ ms, stdout: result.stdout.toString('utf8'), stderr: result.stderr.toString('utf8') });
    });
  });
}

/** Synchronous run for set-up steps (not timed); returns stdout, throws with output on failure. */
export function runSync(file, args, { cwd, env, input, timeoutMs = 10 * 60_000, allowFail = false } = {}) {
  const result = spawnSync(file, args, { cwd, env, input, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
  if (!allowFail && (result.error || result.status !== 0)) throw new Error(describeFailure(file, args, result));
  return allowFail ? result : result.stdout;
}

/**
 * Runs every contender `rounds` times, alternating the order each round (round r
 * starts with contender r mod n) so that warm caches and background load do not
 * favour one tool. A contender is `{ name, run(round) → Promise<number ms>,
 * setup?(round), teardown?(round) }`; setup/teardown are not timed. A contender
 * that fails is dropped from later rounds and reported with its error.
 * Returns Map name → { summary, error }.
 */
export async function alternate(contenders, rounds, { log = () => {}, warmup = 0 } = {}) {
  const results = new Map(contenders.map((c) => [c.name, { samples: [], error: undefined }]));
  const total = warmup + rounds;
  for (let round = 0; round < total; round += 1) {
    const n = contenders.length;
    for (let i = 0; i < n; i += 1) {
      const c = contenders[(round + i) % n];
      const r = results.get(c.name);
      if (r.error) continue;
      try {
        if (c.setup) await c.setup(round);
        const ms = await c.run(round);
        if (c.teardown) await c.teardown(round);
        if (round >= warmup) r.samples.push(ms);
        log(`  ${round < warmup ? 'warm-up' : `run ${round - warmup + 1}/${rounds}`} ${c.name}: ${formatMs(ms)}`);
      } catch (error) {
        r.error = error instanceof Error ? error.message : String(error);
        log(`  ${c.name} failed: ${r.error.split('\n')[0]}`);
        if (c.teardown) await Promise.resolve(c.teardown(round)).catch(() => {});
      }
    }
  }
  const out = new Map();
  for (const [name, r] of results) out.set(name, { summary: summarize(r.samples), error: r.error });
  return out;
}

/** Human duration: "850 ms", "3.42 s", "1 min 12 s". */
export function formatMs(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '–';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatBytes(bytes) {
  if (bytes === undefined || bytes === null) return '–';
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
