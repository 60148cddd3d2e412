// Installers for the Go peers of the benchmarks (helm, kapp) and the path of the
// preinstalled kubectl. Built from Go modules (release binaries cannot be
// downloaded here), cached outside the clone keyed by version:
//   ~/.cache/eastern/peers/helm-<version>/bin/helm
//   ~/.cache/eastern/peers/kapp-<version>/bin/kapp
// Plain Node ESM without dependencies, like peers.mjs, whose cache layout and lock
// it shares.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { cacheDir, peerDir, withLock } from './peers.mjs';

// Newest releases whose go.mod builds with the local Go (1.26, GOTOOLCHAIN=local)
// and that the module proxy serves.
export const HELM_VERSION = 'v3.19.5';
export const KAPP_VERSION = 'v0.64.2';

const GO_TOOLS = {
  helm: {
    version: HELM_VERSION,
    pkg: 'helm.sh/helm/v3/cmd/helm',
    // Without these the binary reports the version of its source tree's default.
    ldflags: (v) => `-X helm.sh/helm/v3/internal/version.version=${v} -X helm.sh/helm/v3/internal/version.metadata=`,
    check: ['version', '--short'],
  },
  kapp: {
    version: KAPP_VERSION,
    module: 'carvel.dev/kapp',
    pkg: 'carvel.dev/kapp/cmd/kapp',
    ldflags: (v) => `-X carvel.dev/kapp/pkg/kapp/version.Version=${v.replace(/^v/, '')}`,
    check: ['version'],
    // `go install kapp@version` asks the proxy for kapp's version list (to check
    // for a deprecation notice), which the proxy refuses here; building it from a
    // throw-away module that requires the exact version needs no list.
    viaModule: true,
  },
};

/** The output of `bin args` (stdout), or undefined when it cannot run. */
function probe(bin, args) {
  try {
    return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Path of a Go peer tool (`helm` or `kapp`), building it with `go install` into the
 * cache when missing. Idempotent and safe against concurrent callers (lock dir).
 * Cold builds take minutes on 2 cores; a cached binary returns at once.
 */
export function ensureGoTool(name, { log = (m) => process.stderr.write(m + '\n') } = {}) {
  const tool = GO_TOOLS[name];
  if (!tool) throw new Error(`tools: unknown Go tool ${name}`);
  const dir = peerDir(name, tool.version);
  const bin = join(dir, 'bin', name);
  const marker = join(dir, 'INSTALLED_BY_EASTERN');
  const ready = () => existsSync(marker) && existsSync(bin) && probe(bin, tool.check) !== undefined;
  if (ready()) return bin;

  mkdirSync(join(cacheDir(), 'peers'), { recursive: true });
  return withLock(`${dir}.lock`, () => {
    if (ready()) return bin;
    log(`tools: building ${name} ${tool.version} from Go module ${tool.pkg} (a few minutes the first time) …`);
    const started = Date.now();
    const tmpBin = join(dir, 'bin.tmp');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(tmpBin, { recursive: true });
    const ldflags = `-ldflags=-s -w ${tool.ldflags(tool.version)}`;
    const goEnv = { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };
    let args;
    let cwd;
    if (tool.viaModule) {
      cwd = join(dir, 'src');
      mkdirSync(cwd, { recursive: true });
      writeFileSync(join(cwd, 'go.mod'), `module eastern.local/bench-${name}\n\ngo 1.23\n\nrequire ${tool.module} ${tool.version}\n`);
      args = ['build', '-trimpath', ldflags, '-o', join(tmpBin, name), tool.pkg];
      goEnv.GOFLAGS = '-mod=mod -buildvcs=false';
    } else {
      args = ['install', '-trimpath', ldflags, `${tool.pkg}@${tool.version}`];
      goEnv.GOBIN = tmpBin;
      goEnv.GOFLAGS = '-buildvcs=false';
    }
    try {
      execFileSync('go', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 40 * 60_000, env: goEnv });
    } catch (error) {
      const out = [error.stdout, error.stderr].filter(Boolean).join('\n').trim();
      const hint = error.code === 'ENOENT' ? ' (is Go installed and on PATH?)' : '';
      throw new Error(`tools: go ${args.join(' ')} failed${hint}\n${out || error.message}`);
    }
    renameSync(tmpBin, join(dir, 'bin'));
    if (probe(bin, tool.check) === undefined) throw new Error(`tools: built ${bin} but \`${name} ${tool.check.join(' ')}\` fails`);
    writeFileSync(marker, `${tool.pkg}@${tool.version} ${new Date().toISOString()}\n`);
    log(`tools: ${name} ${tool.version} ready in ${Math.round((Date.now() - started) / 1000)} s: ${bin}`);
    return bin;
  }, { waitMs: 45 * 60_000, staleMs: 50 * 60_000 });
}

export const ensureHelm = (options) => ensureGoTool('helm', options);
export const ensureKapp = (options) => ensureGoTool('kapp', options);

/** True when the Go tool is already built (no build is started). */
export function goToolCached(name) {
  const tool = GO_TOOLS[name];
  return existsSync(join(peerDir(name, tool.version), 'INSTALLED_BY_EASTERN'));
}

/** The preinstalled kubectl 1.33 (Google Cloud SDK ships one per minor version). */
export function kubectlPath() {
  const candidates = [process.env.EASTERN_KUBECTL, '/usr/lib/google-cloud-sdk/bin/kubectl.1.33'];
  for (const c of candidates) if (c && existsSync(c)) return c;
  for (const dir of (process.env.PATH || '').split(':')) {
    const c = join(dir, 'kubectl.1.33');
    if (dir && existsSync(c)) return c;
  }
  throw new Error('tools: kubectl.1.33 not found (looked at $EASTERN_KUBECTL, /usr/lib/google-cloud-sdk/bin/kubectl.1.33, PATH)');
}

/** `{ helm, kapp, kubectl }` versions as the binaries report them. */
export function toolVersion(name, bin) {
  switch (name) {
    case 'helm': return probe(bin, ['version', '--short']);
    case 'kapp': return probe(bin, ['version'])?.split('\n')[0]?.replace(/^kapp version\s*/, '');
    case 'kubectl': {
      const out = probe(bin, ['version', '--client', '-o', 'json']);
      try { return JSON.parse(out).clientVersion.gitVersion; } catch { return undefined; }
    }
    default: return undefined;
  }
}
