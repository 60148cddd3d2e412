// The watchman's process keeps a small young generation (keepYoungGenerationSmall):
// this checks, on the Node running the tests, that the runtime flag still takes
// effect (a V8 that froze its flags after start would silently ignore it).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const start = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'watch', 'start.ts')).href;

// Allocates like a watch stream (many short-lived objects, some kept) and prints the
// young generation's size in MiB.
const churn = (call: boolean) => `
  import v8 from 'node:v8';
  ${call ? `const { keepYoungGenerationSmall } = await import(${JSON.stringify(start)}); keepYoungGenerationSmall();` : ''}
  const keep = [];
  for (let i = 0; i < 200; i++) {
    const junk = [];
    for (let j = 0; j < 20000; j++) junk.push({ a: j, b: 'x' + j, c: [j, j] });
    if (i % 10 === 0) keep.push(junk.slice(0, 2000));
  }
  const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  process.stdout.write(String(young.space_size / 1048576));
`;

function youngMiB(call: boolean): number {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', churn(call)], { encoding: 'utf8' });
  return Number(out);
}

test('the young generation stays at its initial size under a watch-like allocation rate', () => {
  const grown = youngMiB(false);
  const kept = youngMiB(true);
  assert.ok(grown >= 8, `without the flag V8 grows the young generation (got ${grown} MiB): the churn no longer exercises growth`);
  assert.ok(kept <= 4, `with keepYoungGenerationSmall the young generation grew to ${kept} MiB`);
});

test.run();
