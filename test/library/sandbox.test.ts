// Item 5 of issue 15: the library must run as an untrusted (sandboxed) folder library, so
// it may only call what script-security's default whitelists allow. A static guard over
// every Groovy file of the library (vars/ and src/eastern/): calls known to be refused in
// the sandbox must not appear. The list names each call and what to use instead; it is a
// guard, not a proof (the dynamic check of every call is left for later, see the README).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { root } from '../groovy/harness.js';

/** Refused in the sandbox (not in generic-whitelist / jenkins-whitelist), with the whitelisted way. */
export const REFUSED: { pattern: RegExp; call: string; instead: string }[] = [
  { pattern: /JsonSlurperClassic/, call: 'new groovy.json.JsonSlurperClassic', instead: 'new JsonSlurper().parseText inside @NonCPS' },
  { pattern: /\.execute\(\)/, call: 'String.execute (a process on the controller)', instead: 'sh' },
  { pattern: /new\s+File\s*\(/, call: 'new java.io.File', instead: 'readFile / fileExists / writeFile' },
  { pattern: /Jenkins\.(instance|get\(\))/, call: 'jenkins.model.Jenkins getInstance', instead: 'nothing: the library needs no Jenkins internals' },
  { pattern: /rawBuild|getRawBuild/, call: 'RunWrapper getRawBuild', instead: 'the whitelisted currentBuild properties' },
  { pattern: /System\.getenv|System\.getProperty/, call: 'System.getenv / getProperty', instead: 'env' },
  { pattern: /\bevaluate\s*\(|\bEval\./, call: 'evaluate / groovy.util.Eval', instead: 'plain code' },
  { pattern: /@Grab/, call: '@Grab', instead: 'no dependencies' },
  { pattern: /Class\.forName|\.getDeclaredMethod|setAccessible/, call: 'reflection', instead: 'plain calls' },
  { pattern: /\.metaClass\b/, call: 'metaClass changes', instead: 'plain code' },
];

const files = ['vars', 'src/eastern/jenkins'].flatMap((dir) =>
  readdirSync(join(root, dir)).filter((f) => f.endsWith('.groovy')).map((f) => join(dir, f)),
);

const test = suite('the library calls only what a sandboxed folder library may call');

test('no call refused by script-security in vars/ or src/eastern/', () => {
  assert.ok(files.length >= 7, files.join(', '));
  const found: string[] = [];
  for (const file of files) {
    readFileSync(join(root, file), 'utf8').split('\n').forEach((line, i) => {
      if (/^\s*(\/\/|\*|\/\*)/.test(line)) return;
      for (const r of REFUSED) if (r.pattern.test(line)) found.push(`${file}:${i + 1}: ${r.call} (use ${r.instead})`);
    });
  }
  assert.equal(found, []);
});

test('the guard fires on the call the old library made (JsonSlurperClassic)', () => {
  const old = "        parsed = new groovy.json.JsonSlurperClassic().parseText(json)";
  assert.ok(REFUSED.some((r) => r.pattern.test(old)));
});

test.run();
