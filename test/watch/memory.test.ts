// The watchman's process keeps a small young generation (keepYoungGenerationSmall):
// this checks, on the Node running the tests, that the runtime flag still takes
// effect (a V8 that froze its flags after start would silently ignore it).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const heap = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'watch', 'heap.ts')).href;

// Allocates like a watch stream (many short-lived objects, some kept) and prints the
// capacity of one semi-space in MiB before and after (capacity, not space_size:
// space_size is committed memory, which doubles when the second semi-space is first
// committed, without any growth). "Before" is measured where the
// flag is (or would be) set: loading tsx already grows the young generation a little,
// and by how much varies between machines, so the test compares against that point
// rather than against V8's initial size.
const churn = (call: boolean) => `
  import v8 from 'node:v8';
  const { keepYoungGenerationSmall } = await import(${JSON.stringify(heap)});
  const young = () => {
    const s = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    return Math.round((s.space_used_size + s.space_available_size) / 10485.76) / 100;
  };
  ${call ? 'keepYoungGenerationSmall();' : ''}
  const before = young();
  const keep = [];
  for (let i = 0; i < 200; i++) {
    const junk = [];
    for (let j = 0; j < 20000; j++) junk.push({ a: j, b: 'x' + j, c: [j, j] });
    if (i % 10 === 0) keep.push(junk.slice(0, 2000));
  }
  process.stdout.write(JSON.stringify({ before, after: young() }));
`;

function youngMiB(call: boolean): { before: number; after: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', churn(call)], { encoding: 'utf8' });
  return JSON.parse(out);
}

// Growth goes in doublings (the growth factor is 2 unless set): without the flag the
// churn doubles the semi-space at least once; with it, no doubling. (Node 24 was seen
// adding half a MiB of pages with the flag set, 2 → 2.5 MiB: not growth by the factor.)
test('the young generation stops growing once keepYoungGenerationSmall is called', () => {
  const grown = youngMiB(false);
  const kept = youngMiB(true);
  assert.ok(
    grown.after >= 2 * grown.before,
    `without the flag V8 grows the young generation (${grown.before} → ${grown.after} MiB): the churn no longer exercises growth`,
  );
  assert.ok(
    kept.after < 2 * kept.before,
    `with keepYoungGenerationSmall the young generation doubled, from ${kept.before} to ${kept.after} MiB`,
  );
});

test.run();
