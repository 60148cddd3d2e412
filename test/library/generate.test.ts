// Golden files for the library generator: each folder in test/library/fixtures/<case>/
// holds agents/*.yaml and expected/ (every generated file). UPDATE_GOLDEN=1 rewrites
// expected/ from the current templates; review the diff.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadFleet } from '../../src/fleet/load.js';
import { generateLibrary, groovyList, groovyString, HELPERS, loadTemplates, STEPS, type LibraryTemplates } from '../../src/library/generate.js';
import { PROJECT_NAME_MAX_LENGTH, PROJECT_NAME_PATTERN } from '../../src/project/name.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const cases = readdirSync(fixtures, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
const templates = loadTemplates();
const update = process.env.UPDATE_GOLDEN === '1';

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name]))
    .sort();
}

const golden = suite('library generator: golden files');

for (const name of cases) {
  golden(`${name}: every generated file matches expected/`, () => {
    const agents = loadFleet(join(fixtures, name, 'agents'));
    const files = generateLibrary(agents, templates);
    const expectedDir = join(fixtures, name, 'expected');
    if (update) {
      rmSync(expectedDir, { recursive: true, force: true });
      for (const f of files) {
        mkdirSync(dirname(join(expectedDir, f.path)), { recursive: true });
        writeFileSync(join(expectedDir, f.path), f.contents);
      }
    }
    assert.equal(files.map((f) => f.path), listFiles(expectedDir), `generated file list of ${name} (UPDATE_GOLDEN=1 rewrites)`);
    for (const f of files) {
      assert.fixture(f.contents, readFileSync(join(expectedDir, f.path), 'utf8'), `${relative(fixtures, join(expectedDir, f.path))} (UPDATE_GOLDEN=1 rewrites)`);
    }
  });
}

golden('there is more than one case, and they differ', () => {
  assert.ok(cases.length >= 2);
});

golden.run();

const generator = suite('library generator');

generator('produces the three steps and two helpers with help pages, and each step\'s shell script, sorted', () => {
  const files = generateLibrary(loadFleet(join(fixtures, 'shared-protected', 'agents')), templates);
  assert.equal(files.map((f) => f.path), [
    ...STEPS.map((s) => `resources/eastern/${s.command}.sh`).sort(),
    ...[...STEPS.map((s) => s.name), ...HELPERS].flatMap((s) => [`vars/${s}.groovy`, `vars/${s}.txt`]).sort(),
  ]);
  for (const f of files) {
    assert.ok(f.contents.endsWith('\n') && !f.contents.endsWith('\n\n'), `${f.path}: one final newline`);
    assert.not.ok(/[ \t]$/m.test(f.contents), `${f.path}: no trailing spaces`);
    assert.not.ok(f.contents.includes('\r'), `${f.path}: LF only`);
  }
});

generator('is deterministic: same output whatever the order of the agents', () => {
  const agents = loadFleet(join(fixtures, 'shared-protected', 'agents'));
  const a = generateLibrary(agents, templates);
  const b = generateLibrary([...agents].reverse(), templates);
  assert.equal(a, b);
  assert.not.match(JSON.stringify(a), /\d{4}-\d{2}-\d{2}T/, 'no timestamps');
});

generator('routing data: protection, approvers, namespaces and the project rule reach easternFleet only', () => {
  const files = generateLibrary(loadFleet(join(fixtures, 'shared-protected', 'agents')), templates);
  const fleet = files.find((f) => f.path === 'vars/easternFleet.groovy')?.contents ?? '';
  assert.ok(fleet.includes("return ['qa', 'canary', 'live']"), 'unprotected environments first');
  assert.ok(fleet.includes("'live': [\n            clusters: ['east', 'west'],"));
  assert.ok(fleet.includes('approvers: [],'), 'no approvers: anyone who may build');
  assert.ok(fleet.includes("'east': ['team-*', 'qa', 'live'],"));
  assert.ok(fleet.includes("'west': ['*', '!kube-*'],"), 'default namespaces');
  assert.ok(fleet.includes(`return [pattern: ${groovyString(PROJECT_NAME_PATTERN)}, maxLength: ${PROJECT_NAME_MAX_LENGTH}]`), 'the CLI\'s rule, defined once');
  assert.is(PROJECT_NAME_MAX_LENGTH, 63);
});

generator('a change to agents/ changes only easternFleet and the help pages', () => {
  const before = generateLibrary(loadFleet(join(fixtures, 'shared-protected', 'agents')), templates);
  const after = generateLibrary(loadFleet(join(fixtures, 'one-cluster', 'agents')), templates);
  const changed = before.filter((f, i) => f.contents !== after[i]?.contents).map((f) => f.path);
  assert.equal(changed.filter((p) => !p.endsWith('.txt')), ['vars/easternFleet.groovy']);
});

generator('help pages escape HTML from the fleet; Groovy literals escape quotes', () => {
  const agents = loadFleet(join(fixtures, 'shared-protected', 'agents')).map((a) => ({ ...a, approvers: ["o'neil<ops>&co"] }));
  const files = generateLibrary(agents, templates);
  const help = files.find((f) => f.path === 'vars/easternDeploy.txt')?.contents ?? '';
  assert.ok(help.includes('<tr><td><code>live</code></td><td>east, west</td><td><code>eastern-cluster-east</code>, <code>eastern-cluster-west</code></td>'), help);
  assert.ok(help.includes('<tr><td><code>qa</code></td><td>east</td><td><code>eastern-env-qa</code></td><td>no</td></tr>'), 'one cluster: the environment label');
  assert.ok(help.includes('required: o&#x27;neil&lt;ops&gt;&amp;co'), 'HTML-escaped in the help page');
  const groovy = files.find((f) => f.path === 'vars/easternFleet.groovy')?.contents ?? '';
  assert.ok(groovy.includes("approvers: ['o\\'neil<ops>&co'],"), 'a Groovy literal in the fleet data');
  assert.is(groovyString(`it's a \\ "test"\n`), `'it\\'s a \\\\ "test"\\n'`);
  assert.is(groovyList(['a', "b'c"]), `['a', 'b\\'c']`);
  assert.is(groovyString('${x}'), `'\${x}'`, 'single quotes: no interpolation');
});

generator('a missing template folder is an error with a fix', () => {
  assert.throws(() => loadTemplates('/nonexistent/templates'), /the library templates are missing: \/nonexistent\/templates/);
});

generator('a missing template is reported by name', () => {
  const broken: LibraryTemplates = { templates: { ...templates.templates }, partials: templates.partials };
  delete broken.templates['easternDiff.groovy.hbs'];
  assert.throws(() => generateLibrary(loadFleet(join(fixtures, 'one-cluster', 'agents')), broken), /easternDiff\.groovy\.hbs is missing/);
});

generator.run();
