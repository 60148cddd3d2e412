// Suppression by annotation: `check.eastern.io/<rule>: "<reason>"` on the object
// suppresses that rule there, only with a reason; a name that is no rule is reported.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkDir, deployment, project, where } from './helpers.js';

const t = suite('check suppression');

const privileged = `          securityContext:
            privileged: true
`;

t('an annotation with a reason suppresses the rule on that object and keeps the reason', () => {
  const dir = project({ 'kubernetes.yaml': deployment('agent', '  annotations:\n    check.eastern.io/privileged: "loads a kernel module at start; reviewed by platform (PLAT-42)"\n', privileged) });
  const r = checkDir(dir);
  assert.equal(r.findings.filter((f) => f.rule === 'privileged'), []);
  assert.is(r.errors, 0);
  const s = r.suppressed.filter((f) => f.rule === 'privileged');
  assert.is(s.length, 1);
  assert.equal(s[0]!.suppressed, { annotation: 'check.eastern.io/privileged', reason: 'loads a kernel module at start; reviewed by platform (PLAT-42)' });
  assert.is(where(s[0]!), 'kubernetes.yaml:18');
});

t('an annotation without a reason suppresses nothing, and the finding says why', () => {
  for (const value of ['""', '"   "', '']) {
    const dir = project({ 'kubernetes.yaml': deployment('agent', `  annotations:\n    check.eastern.io/privileged: ${value}\n`, privileged) });
    const r = checkDir(dir);
    const f = r.findings.find((x) => x.rule === 'privileged');
    assert.ok(f, `value ${value}: still reported`);
    assert.is(f!.level, 'error');
    assert.match(f!.message, /check\.eastern\.io\/privileged does not suppress it: it gives no reason/);
    assert.match(f!.fix, /check\.eastern\.io\/privileged: "<reason>"/);
    assert.is(r.suppressed.length, 0);
  }
});

t('a suppression covers only its own rule and its own object', () => {
  const dir = project({
    'kubernetes.yaml': `${deployment('agent', '  annotations:\n    check.eastern.io/image-tag: "pinned by digest in production only"\n', privileged)}---\n${deployment('other', '', privileged)}`,
  });
  const r = checkDir(dir);
  assert.equal(r.findings.filter((f) => f.rule === 'privileged').map((f) => f.object.name), ['agent', 'other']);
});

t('an annotation naming no rule is itself a finding at the annotation line', () => {
  const dir = project({ 'kubernetes.yaml': deployment('agent', '  annotations:\n    check.eastern.io/privilegd: "typo"\n', privileged) });
  const r = checkDir(dir);
  const f = r.findings.find((x) => x.rule === 'suppression');
  assert.ok(f);
  assert.is(where(f!), 'kubernetes.yaml:6');
  assert.ok(r.findings.some((x) => x.rule === 'privileged'), 'the typo suppresses nothing');
});

t.run();
