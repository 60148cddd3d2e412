// Tier 3: CodeNarc (through npm-groovy-lint 16.2.0, installed into ~/.cache/eastern by
// test/groovy/setup.mjs) with the repository's .groovylintrc.json: the
// "recommended-jenkinsfile" rules plus CodeNarc's Jenkins/CPS rules, which by default
// only apply to files named Jenkinsfile and are applied here to every *.groovy.
//
// Threshold: no error and no warning in vars/*.groovy and src/eastern/jenkins/*.groovy, and no finding of a Jenkins
// rule at any level; info-level findings (duplicate literals, from the generated
// data tables) are listed, not counted against the library.
//
// The semantic-phase Jenkins rules (CpsCallFromNonCpsMethod, ExpressionInCpsMethod-
// NotSerializable, ParameterOrReturnTypeNotSerializable) only run when CodeNarc can
// compile the file, which needs com.cloudbees.groovy.cps.NonCPS: the stub goes on
// the boot class path of CodeNarc's JVM. A deliberately broken copy proves they run.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileHarness, root } from '../groovy/harness.js';

interface Finding {
  line: number;
  rule: string;
  severity: 'error' | 'warning' | 'info';
  msg: string;
}

const JENKINS_RULES = [
  'ClassNotSerializable',
  'ClosureInGString',
  'CpsCallFromNonCpsMethod',
  'ExpressionInCpsMethodNotSerializable',
  'ForbiddenCallInCpsMethod',
  'ObjectOverrideOnlyNonCpsMethods',
  'ParameterOrReturnTypeNotSerializable',
];

const broken = `
/** Deliberate CPS mistakes, appended to a copy of easternFleet.groovy. */
@NonCPS
String easternBrokenNonCps() {
    return easternBrokenCps()
}

String easternBrokenCps() {
    String text = "count: \${ -> environments().size() }"
    return text
}
`;

let findings: Map<string, Finding[]>;
let linted = 0;

const test = suite('CodeNarc with the Jenkins rules on vars/*.groovy');

test.before(async () => {
  const { tools, stubs } = await compileHarness();
  const dir = mkdtempSync(join(tmpdir(), 'eastern-lint-'));
  try {
    for (const folder of ['vars', 'src/eastern/jenkins']) {
      for (const f of readdirSync(join(root, folder)).filter((f) => f.endsWith('.groovy'))) copyFileSync(join(root, folder, f), join(dir, f));
    }
    // easternFleet has no import of src/ classes, so CodeNarc can compile it (the compile-phase rules need that).
    writeFileSync(join(dir, 'broken.groovy'), readFileSync(join(root, 'vars/easternFleet.groovy'), 'utf8') + broken);
    const args = [
      '--noserver',
      `--javaoptions=-Xbootclasspath/a:${stubs}`,
      '--config', join(root, '.groovylintrc.json'),
      '--output', 'json',
      '--path', dir,
      '--files', '**/*.groovy',
    ];
    // npm-groovy-lint exits non-zero when it finds anything (even info); the JSON decides.
    const output = await promisify(execFile)(tools.npmGroovyLint, args, { env: tools.env, maxBuffer: 32 * 1024 * 1024 }).then(
      (r) => r.stdout,
      (e: { stdout?: string; stderr?: string; message: string }) => {
        if (!e.stdout?.trim().startsWith('{')) throw new Error(`npm-groovy-lint failed: ${e.stderr || e.message}`);
        return e.stdout;
      },
    );
    const report = JSON.parse(output) as { summary: { totalFilesLinted: number }; files: Record<string, { errors: Finding[] }> };
    linted = report.summary.totalFilesLinted;
    findings = new Map(Object.entries(report.files).map(([file, v]) => [file.split('/').pop() as string, v.errors]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every generated step was linted', () => {
  assert.is(linted, 8, 'five vars, two src classes and the broken copy');
});

test('no errors or warnings, and no Jenkins/CPS finding, in the generated steps', () => {
  for (const step of ['eastern.groovy', 'easternDeploy.groovy', 'easternDiff.groovy', 'easternFleet.groovy', 'easternRollback.groovy', 'Checks.groovy', 'Outcomes.groovy']) {
    const list = findings.get(step) ?? [];
    const serious = list.filter((f) => f.severity !== 'info' || JENKINS_RULES.includes(f.rule));
    assert.equal(serious.map((f) => `${step}:${f.line} ${f.severity} ${f.rule}: ${f.msg}`), []);
    const info = new Map<string, number>();
    for (const f of list) info.set(f.rule, (info.get(f.rule) ?? 0) + 1);
    if (info.size > 0) process.stdout.write(`  ${step}: info ${[...info].map(([r, n]) => `${r}×${n}`).join(', ')}\n`);
  }
});

test('the Jenkins rules do run on *.groovy, including the compile-phase ones', () => {
  const rules = (findings.get('broken.groovy') ?? []).filter((f) => f.severity === 'error').map((f) => f.rule).sort();
  assert.equal(rules, ['ClosureInGString', 'CpsCallFromNonCpsMethod']);
});

test.run();
