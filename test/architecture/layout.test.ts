// The shape of src/ that style.md asks for, checked on every run: no folder imports
// a folder that imports it back (directly or around a longer loop), and only the
// access layer (src/kube/client.ts) sends HTTP requests.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const folderOf = (file: string) => relative(src, file).split('/').slice(0, -1).join('/') || '.';

/** Folder → folders it imports (static and dynamic, type-only included). */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of files(src)) {
    const from = folderOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
      const to = folderOf(resolve(dirname(file), m[1]!));
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

test('no folder of src/ imports a folder that imports it back', () => {
  const graph = folderGraph();
  const cycles: string[] = [];
  const visit = (node: string, path: string[]) => {
    for (const next of graph.get(node) ?? []) {
      const at = path.indexOf(next);
      if (at >= 0) cycles.push([...path.slice(at), next].join(' → '));
      else visit(next, [...path, next]);
    }
  };
  for (const node of graph.keys()) visit(node, [node]);
  assert.equal([...new Set(cycles)], []);
});

test('only the access layer opens HTTP requests to a cluster', () => {
  // Anything that can send a request: node:http(s) clients, fetch, undici, client-node's API classes.
  const sends = /import \{[^}]*\b(?:request|get)\b[^}]*\} from 'node:https?'|import \* as \w+ from 'node:https?'|(?<![.\w])fetch\(|from 'undici'|makeApiClient|KubernetesObjectApi|new Watch\(|new Log\(/;
  const senders = files(src).filter((f) => sends.test(readFileSync(f, 'utf8')));
  // The agent's own local API (socket) has a client and a server of its own; neither talks to Kubernetes.
  assert.equal(senders.map((f) => relative(src, f)).sort(), ['agent/client.ts', 'kube/client.ts']);
});

test.run();
