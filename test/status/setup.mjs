// Tier-4 tool: Debian's chromium for the status page's browser tests, driven by
// playwright-core (which never downloads a browser of its own here). Installed with
// apt-get when /usr/bin/chromium is missing (the tests run as root on Debian 12).
//
//   node test/status/setup.mjs        install when missing and print the version
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a headless run without a sandbox user namespace and without any network of its own. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function ensureChromium() {
  if (!existsSync(CHROMIUM)) {
    process.stderr.write('installing Debian chromium (apt-get)…\n');
    const apt = { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
    execFileSync('apt-get', ['update', '-qq'], apt);
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], apt);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is still missing after apt-get install chromium`);
  return { executablePath: CHROMIUM, args: CHROMIUM_ARGS };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { executablePath } = ensureChromium();
  process.stdout.write(`${execFileSync(executablePath, ['--version'], { encoding: 'utf8' }).trim()}\n`);
}
