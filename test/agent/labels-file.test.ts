import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatLabels, writeLabelsFile } from '../../src/agent/labels-file.js';
import { tempDir } from './helpers.js';

test('the labels file is one space-separated line', () => {
  assert.is(formatLabels(['eastern', 'eastern-cluster-a']), 'eastern eastern-cluster-a\n');
});

test('rewriting the labels file replaces it whole and leaves no temporary file', () => {
  const dir = tempDir();
  try {
    const path = join(dir.path, 'kube1.labels');
    writeLabelsFile(path, ['eastern', 'eastern-env-a']);
    writeLabelsFile(path, ['eastern', 'eastern-env-b']);
    assert.is(readFileSync(path, 'utf8'), 'eastern eastern-env-b\n');
    assert.equal(readdirSync(dir.path), ['kube1.labels']);
  } finally {
    dir.remove();
  }
});

test.run();
