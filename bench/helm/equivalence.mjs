// Checks that two YAML streams hold the same objects (order and comments aside),
// so that a Helm chart and an Eastern template are only compared when they
// really produce the same manifests.
import { isDeepStrictEqual } from 'node:util';

import yaml from 'js-yaml';

function objects(text) {
  const map = new Map();
  for (const doc of yaml.loadAll(text)) {
    if (doc === null || doc === undefined) continue;
    const key = `${doc.kind}/${doc.metadata?.namespace ?? ''}/${doc.metadata?.name}`;
    map.set(key, doc);
  }
  return map;
}

/** undefined when equal, else a short description of the first difference. */
export function differenceBetween(textA, textB, labels = ['a', 'b']) {
  const a = objects(textA);
  const b = objects(textB);
  for (const key of a.keys()) if (!b.has(key)) return `${key} is in ${labels[0]} but not in ${labels[1]}`;
  for (const key of b.keys()) if (!a.has(key)) return `${key} is in ${labels[1]} but not in ${labels[0]}`;
  for (const [key, doc] of a) {
    if (!isDeepStrictEqual(doc, b.get(key))) {
      return `${key} differs:\n${labels[0]}: ${JSON.stringify(doc)}\n${labels[1]}: ${JSON.stringify(b.get(key))}`;
    }
  }
  return undefined;
}

export function objectCount(text) {
  return objects(text).size;
}
