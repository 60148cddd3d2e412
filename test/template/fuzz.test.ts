// Property test: random trees of partials (directives of every shape, candidate
// lists, indents, variables, cycles, missing files, CRLF and lone CRs, Unicode
// whitespace, nested `${…}`, symlinks, paths that leave the root, and hostile paths:
// through a file (ENOTDIR), symlink loops, NUL bytes, 300-character names) written
// to a temporary folder. render() must return or throw its own TemplateError naming
// a file:line, never anything else and never hang (each run is bounded in a worker
// thread); a successful render ends with one LF and has one source-map entry per
// output line, each naming a file inside the root. parseManifest() and
// validateManifest() on the result must return or throw a TemplateError too.
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FuzzJob, FuzzReply } from './fuzz-worker.js';

const RUN_LIMIT_MS = 3_000;
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 150);

const FILES = ['f0.yaml', 'f1.yaml', 'sub/f2.yaml', 'sub/f3.yaml', 'sub/deeper/f4.yaml', 'other/f5-ns.yaml'];
const CANDIDATES = [
  'f0.yaml', 'f1.yaml', 'sub/f2.yaml', 'f3.yaml', 'deeper/f4.yaml', '../f1.yaml', '../../f0.yaml', '../sub/f3.yaml',
  'other/f5-${NAMESPACE}.yaml', '../other/f5-${NAMESPACE}.yaml', 'missing.yaml', 'sub', '.', '', ' ', '/etc/hostname',
  '../../../outside.yaml', '../outside.yaml', 'link-out.yaml', 'link-in.yaml', '${A}.yaml', '${UNDEF}.yaml', '$${A}.yaml',
  'f1.yaml\t', 'f 1.yaml',
  // Hostile: through a file, symlink loops, a NUL byte, a name too long, Unicode whitespace around it.
  'f0.yaml/x.yaml', 'sub/f2.yaml/../f2.yaml', 'loop.yaml', 'loop-a.yaml', 'loop.yaml/x.yaml', 'a\0b.yaml', `${'n'.repeat(300)}.yaml`,
  `${'d/'.repeat(2100)}x.yaml`, '\u00a0f1.yaml\u3000', '${P}', '${P}/x.yaml', '${NUL}', '${A:-${P}}',
];

const indent = fc.constantFrom('', '  ', '    ', '\t', ' \t ', '\u00a0', '  \u3000');
const directiveLine = fc.record({
  indent,
  afterHash: fc.constantFrom('', ' ', '   ', '\t', '\u00a0', '\u2003 ', '\u0085', '\ufeff'),
  kind: fc.constantFrom('load!', 'load?', 'load', 'LOAD!', 'load!x'),
  sep: fc.constantFrom(' ', '\t', '  ', '', '\u00a0'),
  candidates: fc.array(fc.constantFrom(...CANDIDATES), { maxLength: 4 }),
  joiner: fc.constantFrom(',', ', ', ' , ', ',,'),
}).map((d) => `${d.indent}#${d.afterHash}${d.kind}${d.sep}${d.candidates.join(d.joiner)}`);

const textLine = fc.oneof(
  fc.constantFrom('key: value', 'name: ${NAMESPACE}', 'a: ${A}${A}', 'u: ${UNDEF}', 'esc: $${HOME}', 'odd: ${a.b} ${VAR:-x} ${',
    '- item', 'k: v # load! f1.yaml', '---', '...', 'bad: [unclosed', 'x: y: z', '  nested: 1', 'script: |', 'unicode: "é ☕ 日本"', '${PAD}# load! f1.yaml',
    'port: "${PORT:-${A}}"', 'n: ${X ${A}', 'b: ${A}}', 'u: ${', 'e: $${A:-${A}}', 'w: "\u2028"', 'tab:\tv', '\t# c', 'a: &x 1', 'b: *x'),
  fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, ' ')),
);

const line = fc.oneof({ weight: 3, arbitrary: directiveLine }, { weight: 4, arbitrary: textLine }, { weight: 1, arbitrary: fc.constant('') });

const fileBody = fc.record({
  lines: fc.array(line, { maxLength: 8 }),
  eol: fc.constantFrom('\n', '\r\n', '\r', 'mixed'),
  finalNewline: fc.boolean(),
  extraTrailing: fc.nat({ max: 2 }),
}).map((f) => {
  const breaks = ['\n', '\r\n', '\r'];
  const eol = (i: number) => (f.eol === 'mixed' ? breaks[i % 3] as string : f.eol);
  const body = f.lines.map((l, i) => (i === 0 ? l : eol(i) + l)).join('');
  return body + (f.finalNewline ? eol(f.lines.length) : '') + eol(0).repeat(f.extraTrailing);
});

const tree = fc.record({
  files: fc.tuple(...FILES.map(() => fc.option(fileBody, { nil: undefined, freq: 4 }))),
  top: fileBody,
  linkOut: fc.boolean(),
  linkIn: fc.boolean(),
  loops: fc.boolean(),
  allowUndefined: fc.boolean(),
  variables: fc.record({
    NAMESPACE: fc.constantFrom('ns', 'prod'),
    A: fc.constantFrom('x', 'f1', '# load! f1.yaml', '${A}', ''),
    P: fc.constantFrom(' f1.yaml', '\u00a0f1.yaml ', 'f0.yaml/x', '', ' ', 'loop.yaml', 'sub', '../outside.yaml', 'a,b'),
    NUL: fc.constantFrom('a\0b.yaml', '\0'),
  }, { requiredKeys: ['NAMESPACE'] }),
});

let worker: Promise<Worker> | undefined;
function startWorker(): Promise<Worker> {
  // Node 20 workers cannot start from a .ts file even with --import tsx: register
  // tsx inside the worker first, then import the TypeScript module.
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./fuzz-worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
  const w = new Worker(code, { eval: true });
  w.unref();
  return new Promise((resolve, reject) => {
    w.once('message', () => resolve(w));
    w.once('error', reject);
  });
}

async function renderInWorker(job: FuzzJob): Promise<FuzzReply> {
  worker ??= startWorker();
  const w = await worker;
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      w.off('message', onMessage);
      w.off('error', onError);
    };
    const onMessage = (reply: FuzzReply) => {
      done();
      resolve(reply);
    };
    const onError = (error: Error) => {
      done();
      worker = undefined;
      reject(error);
    };
    const timer = setTimeout(() => {
      done();
      void w.terminate();
      worker = undefined;
      reject(new Error(`render did not finish within ${RUN_LIMIT_MS} ms (hang?)`));
    }, RUN_LIMIT_MS);
    w.on('message', onMessage);
    w.on('error', onError);
    w.postMessage(job);
  });
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
}

test('random trees of partials: render returns or throws a TemplateError, never hangs; output and source map agree', async () => {
  const base = mkdtempSync(join(tmpdir(), 'eastern-fuzz-'));
  let n = 0;
  let succeeded = 0;
  let failedWithTemplateError = 0;
  try {
    await fc.assert(fc.asyncProperty(tree, async (t) => {
      const dir = join(base, String(n++));
      const root = join(dir, 'root');
      mkdirSync(root, { recursive: true });
      writeFileSync(join(dir, 'outside.yaml'), 'secret: outside\n');
      writeFileSync(join(root, 'kubernetes.yaml'), t.top);
      t.files.forEach((body, i) => {
        if (body === undefined) return;
        const file = join(root, FILES[i] as string);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, body);
      });
      if (t.linkOut) symlinkSync('../outside.yaml', join(root, 'link-out.yaml'));
      if (t.linkIn) symlinkSync('f1.yaml', join(root, 'link-in.yaml'));
      if (t.loops) {
        symlinkSync('loop.yaml', join(root, 'loop.yaml'));
        symlinkSync('loop-b.yaml', join(root, 'loop-a.yaml'));
        symlinkSync('loop-a.yaml', join(root, 'loop-b.yaml'));
      }

      const realRoot = realpathSync(root);
      const reply = await renderInWorker({
        file: join(root, 'kubernetes.yaml'), root, cwd: root, variables: t.variables as Record<string, string>, allowUndefined: t.allowUndefined,
      });
      try {
        check(reply, realRoot, t.variables as Record<string, string>);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      if (reply.ok) succeeded++;
      else failedWithTemplateError++;
    }), { numRuns: NUM_RUNS, interruptAfterTimeLimit: 60_000, includeErrorInReport: true });
  } finally {
    rmSync(base, { recursive: true, force: true });
    await (await worker)?.terminate();
    worker = undefined;
  }
  if (process.env.FUZZ_STATS) process.stderr.write(`fuzz: ${succeeded} rendered, ${failedWithTemplateError} failed with a TemplateError\n`);
  // The generator must exercise both outcomes, or the property says little.
  assert.ok(succeeded > NUM_RUNS / 10, `only ${succeeded} of ${NUM_RUNS} trees rendered`);
  assert.ok(failedWithTemplateError > NUM_RUNS / 10, `only ${failedWithTemplateError} of ${NUM_RUNS} trees failed`);
});

/** A reference reading of the spec, independent of the engine's code. Whitespace around `#` is Python's (str.isspace). */
const WS = '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const DIRECTIVE = new RegExp(`^${WS}*#${WS}*load[!?](?:[ \\t]|${WS}*$)`);
const COMMENT = new RegExp(`^${WS}*# Cannot load `);
const INDENT = new RegExp(`^${WS}*$`);
function substituteRef(line: string, variables: Record<string, string>): string {
  // A reference runs to the first }; only a NAME there is substituted (or unescaped).
  return line.replace(/(\$?)\$\{([^}]*)\}/g, (whole, esc: string, name: string) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return whole;
    if (esc) return whole.slice(1);
    return Object.prototype.hasOwnProperty.call(variables, name) ? (variables[name] as string) : whole;
  });
}

function check(reply: FuzzReply, realRoot: string, variables: Record<string, string>): void {
  if (!reply.ok) {
    assert.ok(reply.error?.templateError, `render threw ${reply.error?.name}: ${reply.error?.message}\n${reply.error?.stack ?? ''}`);
    // Every failure names the place: the directive's (or the bad line's) file:line.
    assert.match(reply.error?.message ?? '', /\.yaml:\d+/, 'an error that names no file:line');
    return;
  }
  const text = reply.text ?? '';
  const map = reply.sourceMap ?? [];
  if (text !== '') {
    assert.ok(text.endsWith('\n') && !text.endsWith('\n\n'), `output must end with exactly one LF: ${JSON.stringify(text.slice(-20))}`);
  }
  assert.not.ok(text.includes('\r'), 'output contains a CR');
  const out = text === '' ? [] : text.slice(0, -1).split('\n');
  assert.is(map.length, out.length, 'one source-map entry per output line');
  const sources = new Map<string, string[]>();
  map.forEach((loc, i) => {
    assert.ok(inside(realRoot, loc.file), `source map names a file outside the root: ${loc.file}`);
    let lines = sources.get(loc.file);
    if (!lines) {
      lines = readFileSync(loc.file, 'utf8').split(/\r\n|\r|\n/);
      sources.set(loc.file, lines);
    }
    const source = lines[loc.line - 1];
    assert.ok(source !== undefined, `source map points past the end of ${loc.file}: line ${loc.line}`);
    const output = out[i] as string;
    if (DIRECTIVE.test(source as string)) {
      assert.match(output, COMMENT, `output line ${i + 1} maps to a directive but is not the load? comment`);
    } else {
      const expected = substituteRef(source as string, variables);
      assert.ok(output.endsWith(expected) && INDENT.test(output.slice(0, output.length - expected.length)),
        `output line ${i + 1} ${JSON.stringify(output)} is not its source line ${loc.file}:${loc.line} ${JSON.stringify(source)} indented`);
    }
  });
  for (const f of reply.files ?? []) assert.ok(inside(realRoot, f), `read a file outside the root: ${f}`);
  assert.not.ok(text.includes('secret: outside'), 'content from outside the root leaked into the output');
  for (const [name, e] of [['parseManifest', reply.manifestError], ['validateManifest', reply.validateError]] as const) {
    if (e) assert.ok(e.templateError, `${name} threw ${e.name}: ${e.message}`);
  }
}

test.run();
