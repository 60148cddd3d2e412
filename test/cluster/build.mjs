#!/usr/bin/env node
// Builds the binaries the local test clusters run, from Go modules through the
// module proxy (no Docker, no release downloads):
//   kube-<version>  kube-apiserver, kube-controller-manager and kube-scheduler in
//          one binary, dispatching on its first argument; one per Go module
//          test/cluster/k8s/<minor>/ (e.g. 1.33 and 1.30)
//   etcd   go.etcd.io/etcd/server/v3 (test/cluster/etcd)
//   kwok   sigs.k8s.io/kwok/cmd/kwok
//
// Binaries are cached outside the clone, in
//   ${XDG_CACHE_HOME:-~/.cache}/eastern/cluster/<key>/
// where <key> names the versions and hashes the Go module files, the Go
// version and the build recipe, so a fresh clone on the same machine reuses them and
// any version change builds into a new directory. Go's own module and build
// caches stay where Go puts them.
//
// Usage: node test/cluster/build.mjs        build if needed, print the directory
// API:   import { build } from './build.mjs'; const { dir, bins } = await build()

import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export const KWOK_VERSION = 'v0.7.0';
// Bump when the way binaries are built changes (flags, layout), to build anew.
const RECIPE = 'recipe-1';

function readRequire(goMod, modulePath) {
  const text = fs.readFileSync(goMod, 'utf8');
  const re = new RegExp(`^\\s*(?:require\\s+)?${modulePath.replace(/[.]/g, '\\.')}\\s+(v\\S+)`, 'm');
  const m = text.match(re);
  if (!m) throw new Error(`${goMod}: no requirement on ${modulePath}`);
  return m[1];
}

function goEnv() {
  return { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };
}

function goVersion() {
  try {
    return execFileSync('go', ['version'], { env: goEnv(), encoding: 'utf8' }).trim();
  } catch (err) {
    throw new Error(`cannot run "go version": is Go installed and on PATH? (${err.message})`);
  }
}

/** The Kubernetes modules: test/cluster/k8s/<minor>/go.mod, each requiring k8s.io/kubernetes. */
function k8sModules() {
  const base = path.join(here, 'k8s');
  return fs.readdirSync(base)
    .filter((d) => fs.existsSync(path.join(base, d, 'go.mod')))
    .map((d) => {
      const version = readRequire(path.join(base, d, 'go.mod'), 'k8s.io/kubernetes');
      const minor = version.replace(/^v/, '').split('.').slice(0, 2).join('.');
      if (minor !== d) throw new Error(`test/cluster/k8s/${d}/go.mod requires k8s.io/kubernetes ${version}, not ${d}`);
      return { minor, version, dir: path.join(base, d), rel: `k8s/${d}` };
    })
    .sort((a, b) => a.minor.localeCompare(b.minor, 'en', { numeric: true }));
}

/** Versions and cache location, without building anything. */
export function plan() {
  const mods = k8sModules();
  const etcd = readRequire(path.join(here, 'etcd', 'go.mod'), 'go.etcd.io/etcd/server/v3');
  const go = goVersion();
  const hash = createHash('sha256');
  const files = [...mods.flatMap((m) => ['go.mod', 'go.sum', 'main.go'].map((f) => `${m.rel}/${f}`)), 'etcd/go.mod', 'etcd/go.sum'];
  for (const f of files) hash.update(f + '\0' + fs.readFileSync(path.join(here, f)) + '\0');
  hash.update(go + '\0' + KWOK_VERSION + '\0' + RECIPE);
  const key = `k8s-${mods.map((m) => m.version).join('+')}_etcd-${etcd}_kwok-${KWOK_VERSION}_${hash.digest('hex').slice(0, 10)}`;
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const dir = path.join(cacheHome, 'eastern', 'cluster', key);
  return {
    versions: { k8s: Object.fromEntries(mods.map((m) => [m.minor, m.version])), etcd, kwok: KWOK_VERSION, go },
    key,
    dir,
    k8sModules: mods,
    bins: {
      // kube binary per Kubernetes minor, e.g. kube['1.33']
      kube: Object.fromEntries(mods.map((m) => [m.minor, path.join(dir, `kube-${m.version}`)])),
      etcd: path.join(dir, 'etcd'),
      kwok: path.join(dir, 'kwok'),
    },
  };
}

function fmtDuration(ms) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Runs a go command, teeing its output to logFile; rejects with the output tail. */
function runGo(args, { cwd, env, logFile, label, log }) {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(logFile, 'w');
    fs.writeSync(out, `$ (cd ${cwd} && go ${args.join(' ')})\n`);
    const child = spawn('go', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const onData = (buf) => {
      fs.writeSync(out, buf);
      tail = (tail + buf.toString()).slice(-20000);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const started = Date.now();
    const timer = setInterval(() => log(`  … still building ${label} (${fmtDuration(Date.now() - started)})`), 60000);
    child.on('error', (err) => {
      clearInterval(timer);
      fs.closeSync(out);
      reject(new Error(`cannot start go: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      fs.closeSync(out);
      if (code === 0) resolve(Date.now() - started);
      else {
        reject(new Error(
          `building ${label} failed (go exited ${signal || code}); full log: ${logFile}\n` +
          `----- go output (tail) -----\n${tail.trimEnd()}\n----------------------------`,
        ));
      }
    });
  });
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** A lock directory so two builds (e.g. two test runs) do not race. */
async function withLock(lockDir, log, fn) {
  for (let waited = 0; ; waited++) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let owner = 0;
      try {
        owner = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
      } catch {
        // being created or removed right now
      }
      if (owner && !pidAlive(owner)) {
        log(`removing stale build lock of dead process ${owner}`);
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (waited % 30 === 0) log(`waiting for another build (pid ${owner || '?'}) holding ${lockDir}`);
      await sleep(2000);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

/**
 * Builds whatever is missing from the cache directory.
 * @returns {Promise<{dir: string, key: string, versions: object,
 *   bins: {kube: Record<string, string>, etcd: string, kwok: string}, built: string[]}>}
 */
export async function build({ log = (m) => console.error(m) } = {}) {
  const p = plan();
  const targets = [
    ...p.k8sModules.map((m) => ({ name: `kube-${m.version}`, file: p.bins.kube[m.minor], k8s: m })),
    { name: 'etcd', file: p.bins.etcd },
    { name: 'kwok', file: p.bins.kwok },
  ];
  const missing = () => targets.filter((t) => !fs.existsSync(t.file)).map((t) => t.name);
  if (missing().length === 0) return { ...p, built: [] };

  fs.mkdirSync(p.dir, { recursive: true });
  const built = [];
  await withLock(p.dir + '.lock', log, async () => {
    const todo = missing();
    if (todo.length === 0) return;
    log(`building ${todo.join(', ')} into ${p.dir}`);
    log(`  (${p.versions.go}; a cold Kubernetes build takes 5-25 minutes per version on 2 cores)`);
    const env = goEnv();
    const timings = {};

    for (const t of targets.filter((x) => x.k8s && todo.includes(x.name))) {
      const v = t.k8s.version;
      const [major, minor] = v.replace(/^v/, '').split('.');
      const ldflags = ['-s', '-w'];
      for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
        ldflags.push(`-X ${pkg}.gitVersion=${v}`, `-X ${pkg}.gitMajor=${major}`, `-X ${pkg}.gitMinor=${minor}`,
          `-X ${pkg}.gitTreeState=clean`);
      }
      log(`- ${t.name} (k8s.io/kubernetes ${v}: kube-apiserver, kube-controller-manager, kube-scheduler)`);
      const tmp = t.file + '.tmp';
      timings[t.name] = await runGo(['build', '-trimpath', '-ldflags', ldflags.join(' '), '-o', tmp, '.'], {
        cwd: t.k8s.dir, env, logFile: path.join(p.dir, `build-${t.name}.log`), label: t.name, log,
      });
      fs.renameSync(tmp, t.file);
      built.push(t.name);
      log(`  built ${t.name} in ${fmtDuration(timings[t.name])}`);
    }

    if (todo.includes('etcd')) {
      log(`- etcd (go.etcd.io/etcd/server/v3 ${p.versions.etcd})`);
      const tmp = p.bins.etcd + '.tmp';
      timings.etcd = await runGo(['build', '-trimpath', '-ldflags', '-s -w', '-o', tmp, 'go.etcd.io/etcd/server/v3'], {
        cwd: path.join(here, 'etcd'), env, logFile: path.join(p.dir, 'build-etcd.log'), label: 'etcd', log,
      });
      fs.renameSync(tmp, p.bins.etcd);
      built.push('etcd');
      log(`  built etcd in ${fmtDuration(timings.etcd)}`);
    }

    if (todo.includes('kwok')) {
      log(`- kwok (sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION})`);
      const gobin = path.join(p.dir, 'gobin');
      fs.rmSync(gobin, { recursive: true, force: true });
      timings.kwok = await runGo(['install', '-trimpath', '-ldflags', '-s -w', `sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}`], {
        cwd: here, env: { ...env, GOBIN: gobin }, logFile: path.join(p.dir, 'build-kwok.log'), label: 'kwok', log,
      });
      fs.renameSync(path.join(gobin, 'kwok'), p.bins.kwok);
      fs.rmSync(gobin, { recursive: true, force: true });
      built.push('kwok');
      log(`  built kwok in ${fmtDuration(timings.kwok)}`);
    }

    const stampFile = path.join(p.dir, 'build.json');
    let stamp = {};
    try {
      stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
    } catch {
      // first build
    }
    stamp.versions = p.versions;
    stamp.timings = { ...(stamp.timings || {}), ...Object.fromEntries(Object.entries(timings).map(([k, ms]) => [k, fmtDuration(ms)])) };
    stamp.builtAt = new Date().toISOString();
    fs.writeFileSync(stampFile, JSON.stringify(stamp, null, 2) + '\n');
  });
  return { ...p, built };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  build().then(
    (r) => {
      console.error(r.built.length ? `build done in ${fmtDuration(Date.now() - started)}` : 'binaries up to date');
      console.log(r.dir);
    },
    (err) => {
      console.error(`build.mjs: ${err.message}`);
      process.exit(1);
    },
  );
}
