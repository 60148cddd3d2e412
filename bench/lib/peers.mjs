// Installers for the peer tools that benchmarks and compatibility tests compare
// Eastern against. Peers live in a cache outside the clone (~/.cache/eastern/peers,
// or $EASTERN_CACHE_DIR/peers) so a fresh clone on the same machine reuses them.
// Plain Node ESM without dependencies: benches import it before anything is built.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const PYTHON_EASTERN_VERSION = '5.0.0';

/** Root of Eastern's cache (shared with the cluster builder and benches). */
export function cacheDir() {
  return process.env.EASTERN_CACHE_DIR || join(homedir(), '.cache', 'eastern');
}

/** Folder of one peer tool, keyed by name and version. */
export function peerDir(name, version) {
  return join(cacheDir(), 'peers', `${name}-${version}`);
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `fn` while holding a lock directory, so two test processes starting at once
 * do not install into the same folder. A lock older than `staleMs` is taken over
 * (its holder was killed).
 */
export function withLock(lockPath, fn, { waitMs = 10 * 60_000, staleMs = 15 * 60_000 } = {}) {
  const start = Date.now();
  for (;;) {
    try {
      mkdirSync(lockPath, { recursive: false });
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      let age = 0;
      try { age = Date.now() - statSync(lockPath).mtimeMs; } catch { continue; }
      if (age > staleMs) { rmSync(lockPath, { recursive: true, force: true }); continue; }
      if (Date.now() - start > waitMs) {
        throw new Error(`peers: gave up waiting for the lock ${lockPath} (held for ${Math.round(age / 1000)} s); remove it if no install is running`);
      }
      sleep(500);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lockPath, { recursive: true, force: true });
  }
}

function run(file, args, what) {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10 * 60_000 });
  } catch (error) {
    const out = [error.stdout, error.stderr].filter(Boolean).join('\n').trim();
    throw new Error(`peers: ${what} failed: ${file} ${args.join(' ')}\n${out || error.message}`);
  }
}

/** The installed version of `pkg` inside the venv at `dir`, or undefined when the venv is unusable. */
function venvPackageVersion(dir, pkg) {
  const python = join(dir, 'bin', 'python');
  if (!existsSync(python)) return undefined;
  try {
    return execFileSync(python, ['-c', `import importlib.metadata as m; print(m.version(${JSON.stringify(pkg)}))`], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000,
    }).trim();
  } catch {
    return undefined;
  }
}

function findPython() {
  for (const candidate of [process.env.EASTERN_PYTHON, 'python3', 'python']) {
    if (!candidate) continue;
    try {
      const version = execFileSync(candidate, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], {
        encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000,
      }).trim();
      const [major, minor] = version.split('.').map(Number);
      if (major === 3 && minor >= 8) return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error('peers: no Python 3.8+ found (tried $EASTERN_PYTHON, python3, python); install python3 with its venv module (Debian: apt-get install python3-venv)');
}

/**
 * Path of the Python reference `eastern` 5.0.0 command line, installing it from PyPI
 * into a virtualenv in the cache when it is missing or broken. Idempotent; throws a
 * descriptive Error when it cannot be installed (tests must fail, not skip).
 */
export function ensurePythonEastern({ log = (m) => process.stderr.write(m + '\n') } = {}) {
  const dir = peerDir('eastern-py', PYTHON_EASTERN_VERSION);
  const bin = join(dir, 'bin', 'eastern');
  const ready = () => existsSync(bin) && venvPackageVersion(dir, 'eastern') === PYTHON_EASTERN_VERSION;
  if (ready()) return bin;

  mkdirSync(join(cacheDir(), 'peers'), { recursive: true });
  return withLock(`${dir}.lock`, () => {
    if (ready()) return bin; // another process installed it while we waited
    log(`peers: installing Python eastern==${PYTHON_EASTERN_VERSION} into ${dir} …`);
    rmSync(dir, { recursive: true, force: true });
    const python = findPython();
    run(python, ['-m', 'venv', dir], 'creating the virtualenv');
    run(join(dir, 'bin', 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--quiet',
      `eastern==${PYTHON_EASTERN_VERSION}`], `pip install eastern==${PYTHON_EASTERN_VERSION}`);
    if (!ready()) {
      throw new Error(`peers: eastern==${PYTHON_EASTERN_VERSION} was installed into ${dir} but ${bin} does not work`);
    }
    writeFileSync(join(dir, 'INSTALLED_BY_EASTERN'), `eastern==${PYTHON_EASTERN_VERSION} ${new Date().toISOString()}\n`);
    log(`peers: Python eastern ready: ${bin}`);
    return bin;
  });
}

/** Hook for later peers (helm, kapp): each is an `ensureX()` returning a binary path. */
export const peers = {
  'eastern-py': ensurePythonEastern,
};
