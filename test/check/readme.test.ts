// The README's checks section documents every rule (with its default level and
// reason) and every row of the removals table: the catalog and the table are the
// source, this keeps the page from drifting away from them.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { API_LIFECYCLE } from '../../src/check/api-lifecycle.js';
import { RULES } from '../../src/check/catalog.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const start = readme.indexOf('## Checks: `eastern check` and upgrade readiness');
const section = readme.slice(start, readme.indexOf('\n## ', start + 10));

test('every rule is in the README with its level and its reason', () => {
  assert.ok(start > 0, 'the section exists');
  for (const r of RULES) assert.ok(section.includes(`| \`${r.id}\` | ${r.level} | ${r.title} | ${r.reason} |`), r.id);
});

test('every removal is in the README table', () => {
  for (const e of API_LIFECYCLE) {
    assert.ok(section.includes(`| \`${e.apiVersion}\` | ${e.kinds.join(', ')} | 1.${e.deprecated} | ${e.removed ? `1.${e.removed}` : 'not planned'} | ${e.replacement} |`), `${e.apiVersion} ${e.kinds.join(',')}`);
  }
});

test.run();
