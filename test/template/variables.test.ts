// Variables: interpolate(), templateVariables(), checkVariables() (section 4).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TemplateError, UsageError } from '../../src/errors.js';
import { checkVariables, interpolate, templateVariables } from '../../src/template/index.js';

const vars = { NAMESPACE: 'prod', A: 'x', B: '${A}', E: '' };
const strict = (text: string) => interpolate(text, vars, (ref) => { throw new Error(`undefined ${ref.name} at ${ref.column}`); });

const interp = suite('interpolate');

interp('replaces NAMEs, several per line, adjacent and repeated', () => {
  assert.is(strict('${NAMESPACE}/${A}${A}-${E}|'), 'prod/xx-|');
});

interp('$${NAME} is the literal ${NAME}, even for undefined names', () => {
  assert.is(strict('echo $${HOME} $${NAMESPACE} ${NAMESPACE}'), 'echo ${HOME} ${NAMESPACE} prod');
});

interp('leaves ${…} that is not a NAME as written', () => {
  for (const text of ['${VAR:-x}', '${a.b}', '${ A }', '${}', '${1A}', '${A-B}', '$A', '${A', '$ {A}']) {
    assert.is(strict(text), text);
  }
});

interp('a reference runs to the first }: a NAME inside something that is not a NAME stays as written (as in Python)', () => {
  // ${PORT:-${DEFAULT}}: Python's pattern \${([^}]+)} takes "PORT:-${DEFAULT" as the name, unknown, so all of it stays.
  assert.is(strict('${PORT:-${A}}'), '${PORT:-${A}}');
  assert.is(strict('${X:-${NOT_SET}} ${A}'), '${X:-${NOT_SET}} x');
  assert.is(strict('${A ${NAMESPACE} ${A}'), '${A ${NAMESPACE} x');
  assert.is(strict('${${A}}'), '${${A}}');
  assert.is(strict('${A}}'), 'x}');
  assert.is(strict('$${A:-${A}}'), '$${A:-${A}}');
  assert.is(strict('$${A}${A}'), '${A}x');
  assert.is(strict('$$${A}'), '$${A}');
});

interp('an unclosed ${ leaves the rest of the line as written (Python would run on to the next } in the file)', () => {
  assert.is(strict('a ${A and ${B'), 'a ${A and ${B');
  assert.is(strict('${A} ${'), 'x ${');
});

interp('does not scan substituted text again', () => {
  assert.is(strict('${B}'), '${A}');
});

interp('reports undefined names with their 1-based column and keeps the text when the callback returns', () => {
  const seen: string[] = [];
  const out = interpolate('ab ${NOPE} ${A} ${NOPE2}', vars, (ref) => { seen.push(`${ref.name}@${ref.column}`); });
  assert.is(out, 'ab ${NOPE} x ${NOPE2}');
  assert.equal(seen, ['NOPE@4', 'NOPE2@17']);
});

interp('does not treat inherited object properties as variables', () => {
  const seen: string[] = [];
  assert.is(interpolate('${constructor}${toString}', {}, (ref) => { seen.push(ref.name); }), '${constructor}${toString}');
  assert.equal(seen, ['constructor', 'toString']);
});

const sets = suite('templateVariables');

sets('later -s wins, values split at the first =, empty values allowed', () => {
  assert.equal(templateVariables(['A=1', 'A=2', 'O=a=b', 'E='], 'ns'), { A: '2', O: 'a=b', E: '', NAMESPACE: 'ns' });
});

sets('NAMESPACE is the positional namespace, whatever -s says; other built-ins can be overridden', () => {
  const v = templateVariables(['NAMESPACE=hacked', 'CLUSTER=mine'], 'prod', { ENVIRONMENT: 'staging', CLUSTER: 'kube1', MISSING: undefined });
  assert.equal(v, { ENVIRONMENT: 'staging', CLUSTER: 'mine', NAMESPACE: 'prod' });
});

sets('-s without = or without a key is a usage error', () => {
  for (const bad of ['A', '=value', '']) {
    try {
      templateVariables([bad], 'ns');
      assert.unreachable(`-s ${bad} was accepted`);
    } catch (error) {
      assert.instance(error, UsageError);
    }
  }
});

const check = suite('checkVariables');

check('rejects values with CR or LF, naming the variable', () => {
  for (const value of ['a\nb', 'a\r', '\r\n']) {
    try {
      checkVariables({ NAMESPACE: 'p', MSG: value });
      assert.unreachable('accepted a line break');
    } catch (error) {
      assert.instance(error, TemplateError);
      assert.match((error as Error).message, 'MSG');
    }
  }
  checkVariables({ NAMESPACE: 'p', MSG: 'tab\tand unicode ☕ are fine' });
});

interp.run();
sets.run();
check.run();
