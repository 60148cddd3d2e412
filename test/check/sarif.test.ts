// `eastern check --output sarif` against the SARIF 2.1.0 JSON schema (the copy
// Microsoft ships in @microsoft/jest-sarif, validated with Ajv's draft-04 class):
// locations are template file:line relative to the working directory.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../src/commands/check.js';
import { capture } from '../kube/helpers.js';
import { deployment, project } from './helpers.js';

// CommonJS modules: their default export is on .default under Node's ESM loader.
const Ajv = ajvDraft04.default;
const addFormats = ajvFormats.default;
const require = createRequire(import.meta.url);
const schemaFile = join(dirname(require.resolve('@microsoft/jest-sarif/package.json')), 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');
const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as { title: string };
// The schema's language pattern is not valid in Unicode mode (a stray `]`).
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

const t = suite('check --output sarif');

async function sarif(cwd: string, file: string, extra: Record<string, unknown> = {}) {
  const c = capture();
  const code = await run({ cwd, env: {}, io: c.io, positional: { file }, output: 'sarif', ...extra });
  // A SARIF log read back as plain JSON.
  return { code, log: JSON.parse(c.stdout()) as any };
}

const errors = () => (validate.errors ?? []).map((e: { instancePath: string; message?: string }) => `${e.instancePath} ${e.message}`).join('\n');

t('the schema is the SARIF 2.1.0 one, and it rejects a broken log', () => {
  assert.match(schema.title, /SARIF\) Version 2\.1\.0/);
  assert.not.ok(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'fatal' }] }] }));
  assert.not.ok(validate({ version: '2.0.0', runs: [] }));
});

t('findings, include chains, related places and suppressions validate and point at template lines', async () => {
  const fixtures = fileURLToPath(new URL('./fixtures/rules/', import.meta.url));
  const { code, log } = await sarif(join(fixtures, 'image-tag', 'fail'), 'kubernetes.yaml');
  assert.is(code, 0, 'warnings only');
  assert.ok(validate(structuredClone(log)), errors());
  const run0 = log.runs[0];
  assert.is(run0.tool.driver.name, 'eastern');
  assert.ok(run0.tool.driver.rules.some((r: { id: string }) => r.id === 'image-tag'));
  assert.is(run0.originalUriBaseIds.SRCROOT.uri, pathToFileURL(join(fixtures, 'image-tag', 'fail') + '/').href);
  const web = run0.results.find((r: { ruleId: string; message: { text: string } }) => r.ruleId === 'image-tag' && r.message.text.includes('nginx:latest'));
  assert.equal(web.locations[0].physicalLocation, { artifactLocation: { uri: 'parts/latest.yaml', uriBaseId: 'SRCROOT' }, region: { startLine: 2 } });
  assert.equal(web.relatedLocations[0].physicalLocation, { artifactLocation: { uri: 'kubernetes.yaml', uriBaseId: 'SRCROOT' }, region: { startLine: 7 } });
  assert.is(web.level, 'warning');
  assert.is(run0.tool.driver.rules[web.ruleIndex].id, 'image-tag');
  assert.is(web.locations[0].logicalLocations[0].fullyQualifiedName, 'default/Pod/tools');
});

t('errors, a suppression with its justification, and a file name that needs escaping', async () => {
  const dir = project({
    'my app.yaml': `${deployment('agent', '  annotations:\n    check.eastern.io/run-as-root: "the vendor image cannot run as another user"\n', '          securityContext: {privileged: true}\n')}`,
  });
  const { code, log } = await sarif(dir, 'my app.yaml', { environment: 'production' });
  assert.is(code, 1, 'a privileged container is an error');
  assert.ok(validate(structuredClone(log)), errors());
  const results = log.runs[0].results;
  const privileged = results.find((r: { ruleId: string }) => r.ruleId === 'privileged');
  assert.is(privileged.level, 'error');
  assert.equal(privileged.locations[0].physicalLocation.artifactLocation, { uri: 'my%20app.yaml', uriBaseId: 'SRCROOT' });
  const suppressed = results.find((r: { ruleId: string }) => r.ruleId === 'run-as-root');
  assert.equal(suppressed.suppressions, [{ kind: 'inSource', justification: 'the vendor image cannot run as another user', properties: { annotation: 'check.eastern.io/run-as-root' } }]);
});

t.run();
