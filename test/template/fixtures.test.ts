// Golden tests of the template language through the real CLI: every folder under
// test/fixtures/template/ is one case (case.json, inputs, expected.yaml or
// expected-error.txt). UPDATE_GOLDEN=1 rewrites expected.yaml from the actual
// output of succeeding cases; review the diff before committing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { builtCliOrThrow, loadCases, materialize, pool, runEastern, type FixtureCase, type ProcessResult } from './fixture-cases.js';

const update = process.env.UPDATE_GOLDEN === '1';
const cases = loadCases();
const fixtures = suite('template fixtures (node bin/eastern)');

let results: Promise<ProcessResult>[] = [];
fixtures.before(() => {
  builtCliOrThrow();
  // Two processes at a time: the machine has two cores.
  results = pool(cases, 2, async (c) => {
    const place = materialize(c);
    try {
      return await runEastern(c.args, place.cwd, c.env);
    } finally {
      place.cleanup();
    }
  });
});

function show(r: ProcessResult): string {
  return `exit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

function check(c: FixtureCase, r: ProcessResult): void {
  assert.not.ok(r.timedOut, `${c.name}: timed out\n${show(r)}`);
  for (const s of c.stderrExcludes ?? []) {
    assert.not.ok(r.stderr.includes(s) || r.stdout.includes(s), `${c.name}: the output shows ${JSON.stringify(s)}, which must never appear\n${show(r)}`);
  }
  assert.is(r.code, c.exitCode, `${c.name}: exit code\n${show(r)}`);
  if (c.exitCode === 0) {
    if (update && r.stdout !== c.expectedStdout) {
      writeFileSync(join(c.dir, 'expected.yaml'), r.stdout);
      process.stderr.write(`UPDATE_GOLDEN: rewrote ${c.name}/expected.yaml\n`);
      return;
    }
    assert.fixture(r.stdout, c.expectedStdout ?? '', `${c.name}: stdout differs from expected.yaml`);
    if (c.expectedStderr) {
      for (const s of c.expectedStderr) assert.ok(r.stderr.includes(s), `${c.name}: stderr lacks ${JSON.stringify(s)}\n${show(r)}`);
    } else {
      assert.is(r.stderr, '', `${c.name}: unexpected stderr\n${show(r)}`);
    }
  } else {
    assert.is(r.stdout, '', `${c.name}: a failed render must print nothing on stdout\n${show(r)}`);
    assert.not.match(r.stderr, /internal error/, `${c.name}: failed with an internal error instead of a template/usage error\n${show(r)}`);
    for (const s of c.expectedErrors ?? []) {
      assert.ok(r.stderr.includes(s), `${c.name}: stderr lacks ${JSON.stringify(s)}\n${show(r)}`);
    }
  }
}

cases.forEach((c, i) => {
  fixtures(`${c.name}: ${c.description}`, async () => {
    const r = await results[i];
    assert.ok(r, 'no result');
    check(c, r as ProcessResult);
  });
});

fixtures('the fixture set covers the spec: at least one case per rule family', () => {
  const names = cases.map((c) => c.name);
  for (const prefix of ['directive-', 'not-directives', 'candidates-', 'load-optional', 'load-strict', 'variables-', 'indent-', 'crlf',
    'utf8', 'block-scalar', 'empty-partial', 'depth-60', 'depth-65', 'include-cycle', 'absolute-path', 'traversal-', 'symlink-',
    'directory-candidate', 'invalid-yaml', 'usage-', 'render-multiple-files', 'root-option',
    // Issue 16 and 13: hostile paths, lone CR, Unicode whitespace, invalid UTF-8, stricter YAML, alias bombs, masked secrets.
    'candidate-through-a-file', 'candidate-symlink-loop', 'candidate-nul-byte', 'candidate-name-too-long', 'crlf-lone-cr',
    'directive-unicode-whitespace', 'utf8-invalid', 'invalid-yaml-tab', 'invalid-yaml-duplicate-anchor', 'invalid-yaml-alias-bomb',
    'invalid-yaml-secret']) {
    assert.ok(names.some((n) => n.startsWith(prefix)), `no fixture case starts with ${prefix}`);
  }
});

fixtures.run();
