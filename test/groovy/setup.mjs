// Tier-3 tools: Debian's Groovy 2.4.21 (the Groovy Jenkins embeds) and
// npm-groovy-lint 16.2.0 (CodeNarc with its Jenkins rules), and groovy-cps 1.31 with
// groovy-all 2.4.21 from Maven Central (the real CPS interpreter), installed on demand.
// Groovy comes from apt (the tests run as root on Debian 12); npm-groovy-lint goes
// into a cache outside the clone, so a fresh clone on the same machine reuses it.
//
//   node test/groovy/setup.mjs        install what is missing and print the paths
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GROOVY_VERSION = '2.4.21';
/** The CPS interpreter Jenkins' workflow-cps embeds; resolved from Maven Central with test/groovy/cps/pom.xml. */
export const GROOVY_CPS_VERSION = '1.31';
export const NPM_GROOVY_LINT_VERSION = '16.2.0';
export const JAVA_HOME = '/usr/lib/jvm/java-17-openjdk-amd64';

function which(command) {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function cacheRoot() {
  return process.env.EASTERN_CACHE ?? join(homedir(), '.cache', 'eastern');
}

/**
 * Makes sure `groovy` and `groovyc` 2.4.21 run; installs Debian's package when they
 * are missing. Returns the commands, the environment they need (JAVA_HOME), the
 * folder of Groovy's jars (for running compiled classes with plain `java`), and the
 * npm-groovy-lint command.
 */
export function ensureGroovy() {
  if (!existsSync(join(JAVA_HOME, 'bin', 'java'))) {
    throw new Error(`Java 17 is missing at ${JAVA_HOME}: apt-get install -y openjdk-17-jdk-headless`);
  }
  const env = { ...process.env, JAVA_HOME };
  if (!which('groovy') || !which('groovyc')) {
    process.stderr.write('installing Debian groovy (apt-get)…\n');
    const apt = { stdio: ['ignore', 'inherit', 'inherit'], env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } };
    execFileSync('apt-get', ['update', '-qq'], apt);
    execFileSync('apt-get', ['install', '-y', '-qq', 'groovy'], apt);
  }
  const groovy = which('groovy');
  const groovyc = which('groovyc');
  if (!groovy || !groovyc) throw new Error('groovy is still missing after apt-get install groovy');
  const version = execFileSync(groovy, ['--version'], { env, encoding: 'utf8' });
  if (!version.includes(`Groovy Version: ${GROOVY_VERSION}`)) {
    throw new Error(`expected Groovy ${GROOVY_VERSION} (what Jenkins embeds), found: ${version.trim()}`);
  }
  const lib = '/usr/share/groovy/lib';
  return {
    groovy,
    groovyc,
    java: join(JAVA_HOME, 'bin', 'java'),
    env,
    lib,
    classpath: join(lib, '*'),
    npmGroovyLint: ensureGroovyLint(),
    cpsClasspath: ensureCpsJars(env),
  };
}

/**
 * groovy-cps and groovy-all from Maven Central (an ordinary pom resolved with
 * dependency:build-classpath: `mvn dependency:get` of groovy-cps fails on an optional
 * artifact Central lacks), in ~/.cache/eastern/m2; the class path is cached per version.
 */
export function ensureCpsJars(env = { ...process.env, JAVA_HOME }) {
  const pom = join(dirname(fileURLToPath(import.meta.url)), 'cps', 'pom.xml');
  const file = join(cacheRoot(), 'cps', `groovy-cps-${GROOVY_CPS_VERSION}-groovy-${GROOVY_VERSION}.classpath`);
  const valid = () => existsSync(file) && readFileSync(file, 'utf8').trim().split(':').every((jar) => existsSync(jar));
  if (!valid()) {
    process.stderr.write(`resolving groovy-cps ${GROOVY_CPS_VERSION} from Maven Central into ${join(cacheRoot(), 'm2')}…\n`);
    mkdirSync(dirname(file), { recursive: true });
    execFileSync('mvn', ['-B', '-q', `-Dmaven.repo.local=${join(cacheRoot(), 'm2')}`, '-f', pom, 'dependency:build-classpath', `-Dmdep.outputFile=${file}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env,
    });
    if (!valid()) throw new Error(`mvn did not produce the class path of groovy-cps ${GROOVY_CPS_VERSION} (${file})`);
  }
  return readFileSync(file, 'utf8').trim();
}

/** npm-groovy-lint in ~/.cache/eastern/tools (not a dependency of the package: it is large). */
export function ensureGroovyLint() {
  const prefix = join(cacheRoot(), 'tools', `npm-groovy-lint-${NPM_GROOVY_LINT_VERSION}`);
  const bin = join(prefix, 'node_modules', '.bin', 'npm-groovy-lint');
  if (!existsSync(bin)) {
    process.stderr.write(`installing npm-groovy-lint@${NPM_GROOVY_LINT_VERSION} into ${prefix}…\n`);
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', prefix, `npm-groovy-lint@${NPM_GROOVY_LINT_VERSION}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  return bin;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tools = ensureGroovy();
  process.stdout.write(`${JSON.stringify({ ...tools, env: { JAVA_HOME } }, null, 2)}\n`);
}
