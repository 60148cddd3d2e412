#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js, from tsc) into dist/bin/: one module
// for what every command needs, one chunk per lazily imported command. Node 20
// spends 1–2 ms on each ES module it loads; `eastern generate` loaded about
// twenty. Runtime dependencies stay external, except commander, which every
// command needs. dist/bin/ sits at the same depth as dist/cli/, so paths the code
// resolves from import.meta.url (../../package.json, ../../src/library/templates)
// still point at the package.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = Object.keys(pkg.dependencies).filter((name) => name !== 'commander');

await build({
  absWorkingDir: root,
  entryPoints: ['dist/cli/main.js'],
  outdir: 'dist/bin',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  // commander is CommonJS and requires node: modules; bundled into ESM it needs a require.
  banner: { js: "import { createRequire as __easternCreateRequire } from 'node:module';\nconst require = __easternCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
