// One fixture folder per rule (fixtures/rules/<rule>/{pass,fail}): the failing case
// reports exactly the expected findings of that rule at their template file:line
// (with the includes that led there), the passing case none of that rule.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RULE_IDS } from '../../src/check/catalog.js';
import { run } from '../../src/commands/check.js';
import { capture } from '../kube/helpers.js';

const root = fileURLToPath(new URL('./fixtures/rules/', import.meta.url));

interface JsonFinding {
  rule: string;
  level: string;
  message: string;
  location: { file: string; line: number; includedFrom: string[] };
  related?: { label: string; location: string }[];
}

async function check(dir: string) {
  const caseFile = join(dir, 'case.json');
  const args = existsSync(caseFile) ? (JSON.parse(readFileSync(caseFile, 'utf8')) as { args: string[] }).args : [];
  const kubernetes = args[0] === '--kubernetes' ? args[1] : undefined;
  const c = capture();
  const code = await run({ cwd: dir, env: {}, io: c.io, positional: { file: 'kubernetes.yaml' }, output: 'json', ...(kubernetes && { kubernetes }) });
  const out = JSON.parse(c.stdout()) as { findings: JsonFinding[] };
  return { code, findings: out.findings, stderr: c.stderr() };
}

const rules = suite('check rules: a passing and a failing fixture per rule');

rules('every rule has a fixture folder with both cases', () => {
  const folders = readdirSync(root).sort();
  assert.equal(folders, [...RULE_IDS].sort());
  for (const f of folders) {
    assert.ok(existsSync(join(root, f, 'pass', 'kubernetes.yaml')), `${f}/pass`);
    assert.ok(existsSync(join(root, f, 'fail', 'expected.json')), `${f}/fail`);
  }
});

for (const rule of readdirSync(root).sort()) {
  rules(`${rule}: the failing case is reported at its template lines`, async () => {
    const dir = join(root, rule, 'fail');
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { findings: [string, string, string[]?, string[]?][] };
    const { findings } = await check(dir);
    const mine = findings.filter((f) => f.rule === rule);
    const got = mine.map((f) => {
      const row: unknown[] = [`${f.location.file}:${f.location.line}`, f.message];
      if (f.location.includedFrom.length || f.related) row.push(f.location.includedFrom);
      if (f.related) row.push(f.related.map((r) => `${r.label}: ${r.location}`));
      return row;
    });
    assert.equal(got, expected.findings);
  });
  rules(`${rule}: the passing case has no finding of it`, async () => {
    const { findings } = await check(join(root, rule, 'pass'));
    assert.equal(findings.filter((f) => f.rule === rule).map((f) => `${f.location.file}:${f.location.line} ${f.message}`), []);
  });
}

rules.run();
