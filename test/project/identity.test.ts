// Where a deploy's commit comes from: Jenkins' GIT_COMMIT, else git in the
// template's folder; nothing (and no error) outside a repository.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gitCommit } from '../../src/project/identity.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } }).trim();

test('the commit of the repository holding the template, from a folder below its root', async () => {
  const repo = mkdtempSync(join(tmpdir(), 'eastern-git-'));
  git(repo, 'init', '-q');
  mkdirSync(join(repo, 'eastern', 'shop'), { recursive: true });
  writeFileSync(join(repo, 'eastern', 'shop', 'kubernetes.yaml'), 'kind: ConfigMap\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'first');
  const head = git(repo, 'rev-parse', 'HEAD');
  assert.match(head, /^[0-9a-f]{40}$/);
  assert.is(await gitCommit({}, join(repo, 'eastern', 'shop')), head);
});

test("Jenkins' GIT_COMMIT wins, and no git is asked (the folder does not even exist)", async () => {
  assert.is(await gitCommit({ GIT_COMMIT: 'b'.repeat(40) }, '/nonexistent/eastern'), 'b'.repeat(40));
});

test('outside a repository, in a repository without commits, or in a missing folder: no commit and no error', async () => {
  const plain = mkdtempSync(join(tmpdir(), 'eastern-nogit-'));
  assert.is(await gitCommit({}, plain), undefined);
  const empty = mkdtempSync(join(tmpdir(), 'eastern-emptygit-'));
  git(empty, 'init', '-q');
  assert.is(await gitCommit({}, empty), undefined);
  assert.is(await gitCommit({}, join(plain, 'missing')), undefined);
});

test.run();
