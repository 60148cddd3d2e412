#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js, from tsc) into dist/bin/: one module
// for what every command needs, one chunk per lazily imported command. Node spends
// 1–2 ms on each ES module it loads; `eastern generate` loaded about twenty.
//
// Dependencies stay external, except commander (every command needs it) and
// @kubernetes/client-node: Eastern uses its KubeConfig (kubeconfig loading and
// authentication) and nothing of its generated API classes and models, which are
// about 1,500 modules and half a second of every cluster command. esbuild drops
// what is not imported once it is told the package's modules have no side effects
// at load time (client-node's package.json does not say so itself).
//
// dist/bin/ sits at the same depth as dist/cli/, so paths the code resolves from
// import.meta.url (../../package.json, ../../src/library/templates) still point at
// the package.
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const bundled = new Set(['commander', '@kubernetes/client-node', 'execa']);
const external = Object.keys(pkg.dependencies).filter((name) => !bundled.has(name));
const CLIENT_NODE_DIR = join('node_modules', '@kubernetes', 'client-node');

/** Marks every module of client-node (and what only it uses) as free of load-time side effects. */
const clientNodeWithoutSideEffects = {
  name: 'client-node-without-side-effects',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      // b.resolve runs this hook again: 'resolving' marks that inner call.
      if (args.pluginData === 'resolving' || !args.importer.includes(CLIENT_NODE_DIR) && args.path !== '@kubernetes/client-node') return undefined;
      const result = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: 'resolving' });
      if (result.errors.length > 0 || result.external || !result.path.includes(CLIENT_NODE_DIR)) return undefined;
      return { path: result.path, sideEffects: false };
    });
  },
};

/**
 * Node 22.4+ gives node:http lazy getters (WebSocket, MessageEvent, …) that load
 * undici; the ES module facade of a builtin reads every export, so one
 * `import … from 'node:http'` (ours, or client-node's) costs 40–50 ms of loading
 * undici on every cluster command. Imported through require, the getters stay unread.
 */
const httpThroughRequire = {
  name: 'http-through-require',
  setup(b) {
    b.onResolve({ filter: /^(node:)?https?$/ }, (args) => (args.kind === 'import-statement' || args.kind === 'dynamic-import'
      ? { path: args.path.replace(/^node:/, ''), namespace: 'http-through-require' }
      : undefined));
    b.onLoad({ filter: /.*/, namespace: 'http-through-require' }, (args) => ({ contents: `module.exports = require('node:${args.path}');`, loader: 'js' }));
  },
};

/**
 * client-node's config.js imports, at load time, packages only some kubeconfigs use:
 * socks-proxy-agent (with socks, ip-address, smart-buffer) and hpagent for a cluster's
 * proxy-url, jsonpath-plus for the GCP and Azure auth-providers, openid-client for
 * OIDC. Evaluating them cost ~9 ms of every cluster command (import of the client
 * chunk: Node 20 38 → 29 ms, Node 24 42 → 34 ms). client-node gets stand-ins with
 * the same exports, which load the real package (bundled, evaluated on first use)
 * when a kubeconfig needs it.
 * Only the exports client-node uses are stood in for: one it starts using fails the
 * build (see logOverride).
 */
const loadedOnFirstUse = {
  'socks-proxy-agent': { classes: ['SocksProxyAgent'] },
  hpagent: { classes: ['HttpProxyAgent', 'HttpsProxyAgent'] },
  'jsonpath-plus': { functions: ['JSONPath'] },
  // ES module only, and client-node only awaits its functions: a dynamic import.
  'openid-client': { asyncFunctions: ['discovery', 'refreshTokenGrant'] },
};
/** How a stand-in reaches the real package: awaited functions import it, the rest require it. */
const loadKind = (spec) => (spec.asyncFunctions ? 'dynamic-import' : 'require-call');
/** The stand-in module's source: each export loads the real package (at `real`) when first called. */
function standIn(real, { classes = [], functions = [], asyncFunctions = [] }) {
  const at = JSON.stringify(real);
  return [
    ...classes.map((n) => `export class ${n} { constructor(...a) { return new (require(${at}).${n})(...a); } }`),
    ...functions.map((n) => `export function ${n}(...a) { return require(${at}).${n}(...a); }`),
    ...asyncFunctions.map((n) => `export async function ${n}(...a) { return (await import(${at})).${n}(...a); }`),
  ].join('\n');
}
const optionalDependenciesOnFirstUse = {
  name: 'optional-dependencies-on-first-use',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${Object.keys(loadedOnFirstUse).join('|')})$`) }, async (args) => {
      // b.resolve runs this hook again: 'resolving' marks that inner call.
      if (args.pluginData === 'resolving' || !args.importer.includes(CLIENT_NODE_DIR)) return undefined;
      const real = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: loadKind(loadedOnFirstUse[args.path]), importer: args.importer, pluginData: 'resolving' });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: args.path, namespace: 'on-first-use', pluginData: real.path };
    });
    b.onLoad({ filter: /.*/, namespace: 'on-first-use' }, (args) => ({
      contents: standIn(args.pluginData, loadedOnFirstUse[args.path]),
      loader: 'js',
      resolveDir: root,
    }));
  },
};
// Chunk names carry content hashes: start from an empty folder so that old chunks do not pile up.
rmSync(join(root, 'dist/bin'), { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: ['dist/cli/main.js'],
  outdir: 'dist/bin',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  plugins: [optionalDependenciesOnFirstUse, clientNodeWithoutSideEffects, httpThroughRequire],
  // client-node → node-fetch 2 requires whatwg-url, which prefers nothing of its own:
  // node-fetch uses Node's url.URL whenever it exists (every supported Node), so the
  // package, and through it tr46's Unicode tables (about 350 KB parsed on every
  // cluster command) and Node's deprecated punycode module (a DEP0040 warning on
  // Node 21+), is replaced by a shim that hands out Node's URL.
  alias: { 'whatwg-url': join(root, 'scripts', 'shims', 'whatwg-url.cjs') },
  metafile: true,
  // CommonJS dependencies require node: modules; bundled into ESM they need a require.
  banner: { js: "import { createRequire as __easternCreateRequire } from 'node:module';\nconst require = __easternCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  // esbuild only warns (and not at all inside node_modules) when a namespace import's
  // property has no export: a stand-in that lacks what client-node uses fails the build.
  logOverride: { 'import-is-undefined': 'error' },
});
// What went into which chunk, for tests and for anyone asking why a command is slow.
writeFileSync(join(root, 'dist/bin/meta.json'), JSON.stringify(result.metafile));
