// Which template line a field of a rendered document comes from. The manifest's
// documents know only where they start; a finding names the field itself
// (`image:` three partials deep), so the document is parsed once more with
// js-yaml's node listener, which reports the line of every key and value, and the
// rendered line is mapped through the template's source map. Only documents that
// have a finding are parsed again.
import yaml from 'js-yaml';
import { chunks, firstContent, outputLines } from '../template/documents.js';
import type { SourceMapLike } from '../template/source-map.js';
import type { ManifestDocument } from '../template/types.js';
import { KUBERNETES_SCHEMA } from '../template/yaml-schema.js';
import type { FieldPath, Locate } from './types.js';

/** A YAML node and its children, as the parser opened and closed them. */
interface Node {
  /** 0-based line in the parsed text. */
  line: number;
  kind: string | null;
  result: unknown;
  children: Node[];
}

/** Parses one document's text into its node tree (keys and values of a mapping alternate). */
function nodeTree(text: string): Node | undefined {
  const stack: Node[] = [];
  let root: Node | undefined;
  yaml.load(text, {
    schema: KUBERNETES_SCHEMA,
    listener(event, state) {
      if (event === 'open') {
        stack.push({ line: state.line, kind: null, result: undefined, children: [] });
        return;
      }
      const node = stack.pop();
      if (!node) return;
      node.kind = state.kind;
      node.result = state.result;
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(node);
      else root = node;
    },
  });
  return root;
}

/** The line of the deepest node of `path` that exists (a missing field is named where it belongs). */
function lineOf(root: Node, path: FieldPath): number {
  let node = root;
  let line = root.line;
  for (const step of path) {
    let next: Node | undefined;
    let at = line;
    if (node.kind === 'mapping' && typeof step === 'string') {
      const pairs = node.children;
      for (let i = 0; i + 1 < pairs.length; i += 2) {
        const key = pairs[i] as Node;
        if (String(key.result) === step) {
          next = pairs[i + 1];
          at = key.line;
        }
      }
    } else if (node.kind === 'sequence' && typeof step === 'number') {
      next = node.children[step];
      at = next?.line ?? line;
    }
    if (!next) break;
    node = next;
    line = at;
  }
  return line;
}

interface Span {
  /** Output index of the document's first content line. */
  first: number;
  end: number;
}

export interface LocatorInput {
  text: string;
  sourceMap: SourceMapLike;
  documents: readonly Pick<ManifestDocument, 'outputLine' | 'source'>[];
}

/** Where each document starts: enough when there is no source map to look deeper with. */
export function documentLocator(documents: readonly Pick<ManifestDocument, 'outputLine' | 'source'>[]): Locate {
  return (document) => {
    const doc = documents[document];
    if (!doc) throw new Error(`no document ${document}`);
    return { location: doc.source, order: doc.outputLine - 1 };
  };
}

/** A `Locate` for a rendered manifest; documents are parsed again lazily, once each. */
export function fieldLocator(input: LocatorInput): Locate {
  const lines = outputLines({ text: input.text, sourceMap: input.sourceMap });
  const spans = new Map<number, Span>();
  for (const chunk of chunks(lines)) {
    const first = firstContent(lines, chunk);
    if (first >= 0) spans.set(first + 1, { first, end: chunk.end });
  }
  const trees = new Map<number, Node | undefined>();
  return (document: number, path: FieldPath) => {
    const doc = input.documents[document];
    if (!doc) throw new Error(`no document ${document}`);
    const start = { location: doc.source, order: doc.outputLine - 1 };
    const span = spans.get(doc.outputLine);
    if (!span || path.length === 0) return start;
    if (!trees.has(document)) {
      let tree: Node | undefined;
      try {
        tree = nodeTree(lines.slice(span.first, span.end).join('\n'));
      } catch {
        // It parsed once already; if it cannot be walked, the document's start is still right.
        tree = undefined;
      }
      trees.set(document, tree);
    }
    const tree = trees.get(document);
    if (!tree) return start;
    const index = span.first + lineOf(tree, path);
    const location = input.sourceMap.at(index);
    return location ? { location, order: index } : start;
  };
}
