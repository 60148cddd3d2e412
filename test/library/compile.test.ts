// Tier 3: every generated step compiles with groovyc 2.4.21, the Groovy Jenkins embeds
// (Debian's `groovy`, installed by test/groovy/setup.mjs), for the shipped fleet and
// for every golden fixture fleet.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileGroovy, root } from '../groovy/harness.js';

const groovyFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.groovy')).sort().map((f) => join(dir, f));
const fixtures = join(root, 'test/library/fixtures');

const test = suite('generated Groovy compiles with groovyc 2.4.21');

test('the committed vars/*.groovy', async () => {
  const files = groovyFiles(join(root, 'vars'));
  assert.equal(files.map((f) => f.slice(root.length + 1)), ['vars/easternDeploy.groovy', 'vars/easternDiff.groovy', 'vars/easternRollback.groovy']);
  const result = await compileGroovy(files);
  assert.ok(result.ok, result.output);
});

for (const name of readdirSync(fixtures).sort()) {
  test(`the golden files of ${name}`, async () => {
    const files = groovyFiles(join(fixtures, name, 'expected/vars'));
    assert.is(files.length, 3);
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
