// The page's HTML helpers: values are escaped, and links go only to http(s) URLs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { externalLink, href, html } from '../../src/status/html.js';

test('interpolated values are escaped; Html fragments are not', () => {
  const name = '<script>alert("x")</script>';
  assert.is(html`<td>${name}</td>`.value, '<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</td>');
  assert.is(html`<p>${html`<b>${"a&b"}</b>`}</p>`.value, '<p><b>a&amp;b</b></p>');
  assert.is(html`${['a', 1, null, false, undefined]}`.value, 'a1');
});

test('a recorded build URL becomes a link only when it is http(s)', () => {
  assert.is(externalLink('https://jenkins.example.com/job/x/1/', 'x #1').value, '<a href="https://jenkins.example.com/job/x/1/" rel="noopener noreferrer">x #1</a>');
  assert.is(externalLink('javascript:alert(1)', 'x').value, 'x');
  assert.is(externalLink(undefined, 'me@host').value, 'me@host');
});

test('paths encode each segment', () => {
  assert.is(href(['projects', 'a b/c', 'diff'], { cluster: 'k&1', from: 1, to: undefined }), '/projects/a%20b%2Fc/diff?cluster=k%261&from=1');
});

test.run();
