// Tier 3: every generated var and the library's src/ classes compile with groovyc 2.4.21,
// the Groovy Jenkins embeds (Debian's `groovy`, installed by test/groovy/setup.mjs), for
// the shipped fleet and for every golden fixture fleet.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileGroovy, root } from '../groovy/harness.js';

const groovyFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.groovy')).sort().map((f) => join(dir, f));
const srcClasses = groovyFiles(join(root, 'src/eastern/jenkins'));
const fixtures = join(root, 'test/library/fixtures');

const test = suite('generated Groovy compiles with groovyc 2.4.21');

test('the committed vars/*.groovy and src/eastern/jenkins/*.groovy', async () => {
  const files = groovyFiles(join(root, 'vars'));
  assert.equal(files.map((f) => f.slice(root.length + 1)), ['vars/eastern.groovy', 'vars/easternDeploy.groovy', 'vars/easternDiff.groovy', 'vars/easternFleet.groovy', 'vars/easternRollback.groovy']);
  assert.equal(srcClasses.map((f) => f.slice(root.length + 1)), ['src/eastern/jenkins/Checks.groovy', 'src/eastern/jenkins/Outcomes.groovy']);
  const result = await compileGroovy([...files, ...srcClasses]);
  assert.ok(result.ok, result.output);
});

for (const name of readdirSync(fixtures).sort()) {
  test(`the golden files of ${name}`, async () => {
    const files = groovyFiles(join(fixtures, name, 'expected/vars'));
    assert.is(files.length, 5);
    const result = await compileGroovy(files);
    assert.ok(result.ok, result.output);
  });
}

test('a broken step does not compile (the check can fail)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eastern-broken-'));
  try {
    writeFileSync(join(dir, 'broken.groovy'), "import com.cloudbees.groovy.cps.NonCPS\n\ndef call(Map args = [:]) {\n    echo 'unclosed\n}\n");
    const result = await compileGroovy([join(dir, 'broken.groovy')]);
    assert.not.ok(result.ok);
    assert.match(result.output, /broken\.groovy/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
