// Locating a finding's field parses its document again. A deploy of 75 Deployments
// with the same warning shows three of them: only those (and the findings that share
// a document, to order them) may be located, and every finding still has its
// location when something reads it (the JSON output, --verbose).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deployGate } from '../../src/check/gate.js';
import { checkObjects } from '../../src/check/objects.js';
import { fieldLocator } from '../../src/check/positions.js';
import { runChecks } from '../../src/check/run.js';
import type { Locate } from '../../src/check/types.js';
import type { Logger } from '../../src/output/logger.js';
import { deployment, project, rendered, where } from './helpers.js';

const APPS = 12;
// Each Deployment runs as root (a warning) and has no resource requests (more warnings in the same document).
const manifest = () => rendered(project({ 'kubernetes.yaml': Array.from({ length: APPS }, (_, i) => deployment(`app-${i}`)).join('---\n') }));

function counting(m: ReturnType<typeof manifest>) {
  const inner = fieldLocator({ text: m.text, sourceMap: m.sourceMap!, documents: m.documents });
  const documents = new Set<number>();
  const locate: Locate = (document, path) => {
    documents.add(document);
    return inner(document, path);
  };
  return { locate, documents };
}

test('findings are located when read, not when found', () => {
  const m = manifest();
  const { locate, documents } = counting(m);
  const result = runChecks({ objects: checkObjects(m.documents, 'shop'), locate });
  const rootFindings = result.findings.filter((f) => f.rule === 'run-as-root');
  assert.is(rootFindings.length, APPS);
  assert.ok(result.findings.length > APPS, 'some documents hold several findings');
  // Ordering them did not parse anything again.
  assert.is(documents.size, 0);
  const all = JSON.parse(JSON.stringify(result.findings)) as { location: { file: string; line: number } }[];
  assert.ok(all.every((f) => f.location && f.location.line > 0), 'every finding carries its location in JSON');
  assert.is(where(rootFindings[APPS - 1]!), `kubernetes.yaml:${(APPS - 1) * 15 + 13}`);
  // The order found without parsing is the order of the lines.
  const lines = result.findings.map((f) => f.location.line);
  assert.equal(lines, [...lines].sort((x, y) => x - y));
});

test('a deploy without --verbose locates only the warnings it shows', () => {
  const m = manifest();
  const { locate, documents } = counting(m);
  const shown: string[] = [];
  const logger: Logger = { info: () => {}, warn: (line) => void shown.push(line), error: () => {}, debug: () => {}, scoped: () => logger };
  // deployGate builds its own locator: count the documents its findings name instead.
  const result = deployGate({ manifest: m, namespace: 'shop', logger });
  assert.ok(result.warnings >= APPS);
  assert.ok(shown.some((l) => /kubernetes\.yaml:13: warning \[run-as-root\] Deployment\/app-0/.test(l)), shown.join('\n'));
  assert.ok(shown.some((l) => /… and 9 more \[run-as-root\] warnings/.test(l)), shown.join('\n'));
  // The same policy through a counting locator: reading only what the deploy shows locates few documents.
  const direct = runChecks({ objects: checkObjects(m.documents, 'shop'), locate });
  const perRule = new Map<string, number>();
  for (const f of direct.findings) {
    const n = perRule.get(f.rule) ?? 0;
    if (n < 3) void f.location;
    perRule.set(f.rule, n + 1);
  }
  assert.ok(documents.size < APPS, `showing three per rule located ${documents.size} of ${APPS} documents`);
});

test.run();
