// Tier 3, the CPS rules: the harness (test/groovy/harness/Driver.groovy) runs programs
// through groovy-cps 1.31 and serialises and resumes them at every step. These fixtures
// prove it can fail: each broken one must be reported, the correct one must not.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { root, runPipelines, type ScenarioResult } from './harness.js';

const library = join(root, 'test/groovy/fixtures/cps-rules');
let results: Map<string, ScenarioResult>;
const get = (name: string): ScenarioResult => {
  const r = results.get(name);
  if (!r) throw new Error(`no scenario ${name}`);
  assert.is(r.stack, undefined, `${name} crashed: ${r.error}\n${r.stack}`);
  return r;
};

const test = suite('the CPS tier reports what Jenkins would refuse');

test.before(async () => {
  const names = ['stepInNonCps', 'closureToJava', 'unserializableLocal', 'loops'];
  results = new Map((await runPipelines(names.map((name) => ({ name, script: `return ${name}()` })), { library })).map((r) => [r.name, r]));
});

test('a step inside a @NonCPS method is reported', () => {
  const r = get('stepInNonCps');
  assert.ok(r.cps.some((p) => /^step echo called from @NonCPS code \(stepInNonCps\.names, line \d+\)/.test(p)), r.cps.join('\n'));
});

test('a CPS closure passed to a Java method is reported (the CPS mismatch callback)', () => {
  const r = get('closureToJava');
  assert.ok(r.cps.some((p) => /^CPS mismatch: expected to call java\.util\.Collections\.sort but wound up catching .*\.call/.test(p)), r.cps.join('\n'));
});

test('a non-serialisable local held across a step is reported', () => {
  const r = get('unserializableLocal');
  assert.is(r.result, 'FAILURE');
  assert.ok(r.cps.some((p) => /^java\.io\.NotSerializableException: java\.util\.regex\.Matcher/.test(p)), r.cps.join('\n'));
});

test('no false positives: for-in and .each over Lists, keySet and entrySet with steps inside', () => {
  const r = get('loops');
  assert.equal(r.cps, []);
  assert.is(r.result, 'SUCCESS', r.error ?? '');
  assert.equal(r.returned, ['a', 'b', 'c', 'd', 'e', 'f', 'e=1', 'f=2']);
  assert.equal(r.log, ['a', 'b', 'c', 'd', 'e', 'f']);
});

test.run();
